"""Shared access to the recorded audit 3.0.9 (Debian 12) and 4.0.2 (Debian 13) fixtures."""

import os

from ansible_collections.fleetaudit.auditd.plugins.module_utils.syscalls import SyscallTables

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "audit")
VERSIONS = ("3.0.9", "4.0.2")


def fixture_path(version, *parts):
    return os.path.join(FIXTURES, version, *parts)


def read(version, *parts):
    with open(fixture_path(version, *parts)) as handle:
        return handle.read()


def tables(version="3.0.9"):
    """The x86_64 and i386 syscall tables recorded with that version's ausyscall."""
    return SyscallTables("x86_64", {
        64: SyscallTables.parse_dump(read(version, "ausyscall-x86_64.txt")),
        32: SyscallTables.parse_dump(read(version, "ausyscall-i386.txt")),
    })


def rule_sets(version):
    """Names of the recorded sets (rules loaded, listing read back)."""
    return sorted(name[:-len(".rules")] for name in os.listdir(fixture_path(version, "sets"))
                  if name.endswith(".rules"))
