"""The host's libaudit, looked up through ctypes, against its ausyscall: the augenrules module
validates syscall names with the first and falls back to the second, so both must agree on every
syscall of both personalities."""

import json
import os
import subprocess

import pytest
from ansible.module_utils import basic
from ansible_collections.fleetaudit.auditd.plugins.module_utils.syscalls import SyscallTables
from ansible_collections.fleetaudit.auditd.plugins.module_utils.libaudit import load_library, syscall_table
from ansible_collections.fleetaudit.auditd.plugins.modules import augenrules

PERSONALITIES = [(64, ["--dump"]), (32, ["b32", "--dump"])]


def ausyscall_dump(args):
    output = subprocess.run(["ausyscall", *args], capture_output=True, text=True, check=True).stdout
    return SyscallTables.parse_dump(output)


@pytest.mark.parametrize("bits, args", PERSONALITIES)
def test_libaudit_lookups_agree_with_ausyscall(bits, args):
    dump = ausyscall_dump(args)
    assert len(dump) > 300, "ausyscall listed only %d syscalls" % len(dump)
    library = load_library()
    assert library is not None, "libaudit.so.1 did not load"
    table = syscall_table(library, bits)
    assert {name: table.number(name) for name in dump} == dump
    assert {number: table.name(number) for number in dump.values()} == {number: name for name, number in dump.items()}
    assert table.number("no_such_syscall") is None
    assert table.name(99999) is None


@pytest.fixture
def audit_host():
    """A function making the augenrules module's AuditHost, as the module would on this host."""
    basic._ANSIBLE_ARGS = json.dumps({"ANSIBLE_MODULE_ARGS": {}}).encode()
    basic._ANSIBLE_PROFILE = "legacy"
    module = basic.AnsibleModule(argument_spec={})
    yield lambda **options: augenrules.AuditHost(module, **options)
    basic._ANSIBLE_ARGS = None


def test_module_reads_ausyscall_where_libaudit_cannot_load(audit_host):
    assert os.uname()[4] == "x86_64", "this test names x86_64 and i386 syscalls"
    with_library = audit_host()
    without_library = audit_host(library_loader=lambda: None)
    assert with_library.library is not None and without_library.library is None
    for bits, args in PERSONALITIES:
        for name, number in ausyscall_dump(args).items():
            assert with_library.tables.number(bits, name) == without_library.tables.number(bits, name) == number
    # The x86_64 and i386 numbers of openat differ: each personality has its own table.
    assert without_library.tables.name(64, 257) == "openat"
    assert without_library.tables.name(32, 295) == "openat"
