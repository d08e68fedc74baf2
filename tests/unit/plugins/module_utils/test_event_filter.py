"""The event filter: exact keys, message types, ids, success, the time window."""

import pytest

from ansible_collections.fleetaudit.auditd.plugins.module_utils.event_filter import EventFilter
from ansible_collections.fleetaudit.auditd.tests.unit.plugins.module_utils.recorded_events import records_of


def test_key_filter_is_exact_and_drops_rule_changes():
    keyed = records_of("audit-3.0.9-enriched.log", 16773)
    rule_added = records_of("audit-3.0.9-enriched.log", 16771)
    assert EventFilter(keys=["fa_watch"]).matches(keyed)
    assert not EventFilter(keys=["fa_wat"]).matches(keyed), "no substring match"
    assert not EventFilter(keys=["fa_watch"]).matches(rule_added)
    assert EventFilter(keys=["fa_watch"], message_types=["CONFIG_CHANGE"]).matches(rule_added)


def test_other_criteria():
    failed = records_of("audit-3.0.9-raw.log", 16792)
    enriched = records_of("audit-3.0.9-enriched.log", 16792)
    assert EventFilter(success=False).matches(failed)
    assert not EventFilter(success=True).matches(failed)
    assert EventFilter(pid=15521, exe="/usr/bin/rm", uid="0", auid="4294967295").matches(failed)
    assert not EventFilter(pid=1).matches(failed)
    assert EventFilter(syscall=["263"]).matches(failed)
    assert not EventFilter(syscall=["unlinkat"]).matches(failed), "RAW logs carry only numbers"
    assert EventFilter(syscall=["unlinkat"], uid="root").matches(enriched)
    assert EventFilter(message_types=["PATH"]).matches(failed)
    assert not EventFilter(message_types=["EXECVE"]).matches(failed)


def test_time_window():
    records = records_of("audit-3.0.9-enriched.log", 16773)
    assert EventFilter(start=1795712050.923).matches(records)
    assert not EventFilter(start=1795712050.924).matches(records)
    assert not EventFilter(end=1795712050.9).matches(records)


def test_unknown_message_type_fails():
    with pytest.raises(ValueError, match="unknown message type 'NOPE'"):
        EventFilter(message_types=["NOPE"])
    EventFilter(message_types=["UNKNOWN[1334]", "USER_LOGIN"])
