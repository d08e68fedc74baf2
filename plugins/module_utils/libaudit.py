# Copyright: (c) 2026, fleetaudit maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Syscall lookups in the host's libaudit, the library auditctl and ausyscall read them from.

Asking the library (through ctypes) spares the augenrules module an ``ausyscall --dump`` process
on every run: a rule set needs a few dozen lookups, far cheaper than starting a process. The
names and numbers are by construction the ones auditctl itself uses on the host.
"""

from __future__ import annotations

try:
    import ctypes
except ImportError:  # a Python built without ctypes: the caller reads ausyscall instead
    ctypes = None

LIBRARY = "libaudit.so.1"
# What audit_determine_machine() takes for a personality.
ARCH_NAMES = {64: b"b64", 32: b"b32"}


class LibauditSyscalls:
    """Name and number lookups in one of libaudit's syscall tables (one machine type)."""

    def __init__(self, library, machine):
        self._library = library
        self._machine = machine
        self._numbers = {}
        self._names = {}

    def number(self, name):
        """The syscall's number, or ``None`` when the table has no such name."""
        if name not in self._numbers:
            number = self._library.audit_name_to_syscall(name.encode("utf-8", "surrogateescape"), self._machine)
            self._numbers[name] = number if number >= 0 else None
        return self._numbers[name]

    def name(self, number):
        """The syscall's name, or ``None`` when the table has no such number."""
        if number not in self._names:
            name = self._library.audit_syscall_to_name(number, self._machine)
            self._names[number] = name.decode("utf-8", "replace") if name else None
        return self._names[number]


def load_library():
    """libaudit with the prototypes used here, or ``None`` when it cannot be loaded."""
    if ctypes is None:
        return None
    try:
        library = ctypes.CDLL(LIBRARY)
        library.audit_determine_machine.argtypes = [ctypes.c_char_p]
        library.audit_determine_machine.restype = ctypes.c_int
        library.audit_name_to_syscall.argtypes = [ctypes.c_char_p, ctypes.c_int]
        library.audit_name_to_syscall.restype = ctypes.c_int
        library.audit_syscall_to_name.argtypes = [ctypes.c_int, ctypes.c_int]
        library.audit_syscall_to_name.restype = ctypes.c_char_p
    except (OSError, AttributeError):
        return None
    return library


def syscall_table(library, bits):
    """The lookups of the host's `bits` personality (what auditctl's ``-F arch=b64``/``b32``
    selects), or ``None`` when libaudit knows no such personality on this host."""
    machine = library.audit_determine_machine(ARCH_NAMES[bits])
    return LibauditSyscalls(library, machine) if machine >= 0 else None
