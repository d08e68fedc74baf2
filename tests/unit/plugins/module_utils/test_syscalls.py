"""Syscall names and numbers per personality, as ausyscall --dump records them."""

import pytest

from ansible_collections.fleetaudit.auditd.plugins.module_utils.rule_syntax import RuleError
from ansible_collections.fleetaudit.auditd.plugins.module_utils.syscalls import SyscallTables
from ansible_collections.fleetaudit.auditd.tests.unit.plugins.module_utils.audit_fixtures import tables


def test_dump_lines_become_a_name_to_number_table():
    assert SyscallTables.parse_dump("Using x86_64 syscall table:\n0\tread\n1\twrite\n") == {"read": 0, "write": 1}


def test_a_syscall_set_is_named_and_numbered_in_number_order():
    assert tables().syscall_set(64, ["openat,open", "creat"]) == (frozenset((2, 85, 257)), "open,creat,openat", "2,85,257")
    assert tables().syscall_set(64, []) == ("all", "all", "all")


def test_unknown_names_say_which_personality():
    with pytest.raises(RuleError, match="unknown syscall nope for i386"):
        tables().number(32, "nope")


def test_numbers_beyond_the_kernels_mask_are_refused():
    assert tables().number(64, "2031") == 2031
    with pytest.raises(RuleError, match="out of range"):
        tables().number(64, "2032")


def test_a_missing_personality_is_looked_up_once_and_refused():
    calls = []

    def no_table():
        calls.append(1)

    machine = SyscallTables("aarch64", {64: {"openat": 56}, 32: no_table})
    with pytest.raises(RuleError, match="no syscall table for 32-bit programs on aarch64"):
        machine.number(32, "openat")
    assert machine.table(32) is None
    assert calls == [1]
    assert machine.arch_name(32) == "arm"
