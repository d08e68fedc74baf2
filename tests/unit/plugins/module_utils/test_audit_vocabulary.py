"""One table of message types for rules (-F msgtype=) and for event searches (message_types)."""

import pytest

from ansible_collections.fleetaudit.auditd.plugins.module_utils.event_filter import EventFilter
from ansible_collections.fleetaudit.auditd.plugins.module_utils.audit_vocabulary import (
    MESSAGE_TYPE_NUMBERS,
    MESSAGE_TYPES,
    is_message_type,
)
from ansible_collections.fleetaudit.auditd.plugins.module_utils.rule_syntax import parse_rule
from ansible_collections.fleetaudit.auditd.tests.unit.plugins.module_utils.audit_fixtures import tables


def test_each_number_has_one_name_and_each_name_one_number():
    assert len(MESSAGE_TYPE_NUMBERS) == len(MESSAGE_TYPES)
    assert all(MESSAGE_TYPES[number] == name for name, number in MESSAGE_TYPE_NUMBERS.items())


# Each of these was in only one of two tables before: a rule took it and a search refused it, or
# the other way round.
@pytest.mark.parametrize("name", ["IPE_ACCESS", "IPE_POLICY_LOAD", "REPLACE", "MAC_TASK_CONTEXTS", "SYSCALL"])
def test_a_rule_and_a_search_accept_the_same_message_types(name):
    rule = parse_rule("-a always,exclude -F msgtype=%s" % name, tables())
    assert rule.normalized == "-a always,exclude -F msgtype=%s" % name
    assert EventFilter(message_types=[name]).message_types == {name}


def test_unknown_types_are_refused_by_both():
    with pytest.raises(ValueError, match="unknown message type"):
        parse_rule("-a always,exclude -F msgtype=NO_SUCH_TYPE", tables())
    with pytest.raises(ValueError, match="unknown message type"):
        EventFilter(message_types=["NO_SUCH_TYPE"])


def test_types_outside_the_table_are_named_as_auparse_names_them():
    assert is_message_type("UNKNOWN[1999]")
    assert not is_message_type("UNKNOWN[x]")
