# Copyright: (c) 2026, fleetaudit maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Syscall names and numbers of the host's personalities (64-bit and its 32-bit compat)."""

from __future__ import annotations

from ansible_collections.fleetaudit.auditd.plugins.module_utils.audit_vocabulary import COMPAT_MACHINES
from ansible_collections.fleetaudit.auditd.plugins.module_utils.rule_syntax import RuleError

# The kernel's syscall mask has AUDIT_BITMASK_SIZE * 32 = 2048 bits, and its last 16
# (AUDIT_SYSCALL_CLASSES) select syscall classes, not syscalls.
SYSCALL_NUMBER_LIMIT = 2048 - 16


class SyscallTable:
    """One personality's syscalls from a ``{name: number}`` mapping (``ausyscall --dump``)."""

    def __init__(self, numbers):
        self._numbers = dict(numbers)
        self._names = {number: name for name, number in self._numbers.items()}

    def number(self, name):
        return self._numbers.get(name)

    def name(self, number):
        return self._names.get(number)


class SyscallTables:
    """Syscall names and numbers of the host's personalities.

    :param machine: the host's machine name (``uname -m``), e.g. ``x86_64``.
    :param tables: ``{bits: table}`` with 64 and/or 32, where a table is a ``{name: number}``
        mapping, an object with ``number(name)`` and ``name(number)`` lookups (``None`` when
        unknown), or a function returning either (or ``None`` when the host has no such
        personality), called the first time a rule needs it.
    """

    def __init__(self, machine, tables):
        self.machine = machine
        self._sources = dict(tables)
        self._tables = {}
        self.default_bits = self.machine_bits(machine)
        # Rule sets repeat the same -S lists (open,openat,...) over and over.
        self._syscall_sets = {}

    @staticmethod
    def machine_bits(machine):
        return 64 if machine in COMPAT_MACHINES or machine.endswith("64") else 32

    @staticmethod
    def parse_dump(text):
        """``{name: number}`` from ``ausyscall [ARCH] --dump`` output."""
        table = {}
        for line in text.splitlines():
            number, _sep, name = line.partition("\t")
            if number.isdigit() and name:
                table[name.strip()] = int(number)
        return table

    def table(self, bits):
        """The lookups for `bits`, or ``None`` when the host has no such personality."""
        if bits not in self._tables:
            source = self._sources.get(bits)
            table = source() if callable(source) else source
            if isinstance(table, dict):
                table = SyscallTable(table) if table else None
            self._tables[bits] = table
        return self._tables[bits]

    def number(self, bits, name):
        table = self.table(bits)
        if table is None:
            raise RuleError("no syscall table for %d-bit programs on %s" % (bits, self.machine))
        if name.isdigit():
            number = int(name)
            if number >= SYSCALL_NUMBER_LIMIT:
                raise RuleError("syscall number %s is out of range (0 to %d): the kernel's syscall mask ends "
                                "with 16 bits that select syscall classes, and auditctl keeps 32 bits of a "
                                "larger number" % (name, SYSCALL_NUMBER_LIMIT - 1))
            return number
        number = table.number(name)
        if number is None:
            raise RuleError("unknown syscall %s for %s" % (name, self.arch_name(bits)))
        return number

    def name(self, bits, number):
        table = self.table(bits)
        name = table.name(number) if table is not None else None
        return name or str(number)

    def syscall_set(self, bits, words):
        """The syscalls the ``-S`` `words` of an exit-list rule name, read with the `bits` table.

        Returns ``(numbers, names, numbers_text)``: ``"all"`` (``-S all``, or no ``-S``) or a
        frozenset of numbers, and the comma-separated names and numbers in number order.
        """
        key = (bits, tuple(words))
        found = self._syscall_sets.get(key)
        if found is None:
            names = [name for word in words for name in word.split(",") if name]
            if not names or "all" in names:
                found = ("all", "all", "all")
            else:
                numbers = frozenset(self.number(bits, name) for name in names)
                ordered = sorted(numbers)
                found = (numbers, ",".join(self.name(bits, number) for number in ordered),
                         ",".join(map(str, ordered)))
            self._syscall_sets[key] = found
        return found

    def arch_name(self, bits):
        if bits == self.default_bits:
            return self.machine
        return COMPAT_MACHINES.get(self.machine, "%d-bit" % bits)
