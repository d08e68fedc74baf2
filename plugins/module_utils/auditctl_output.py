# Copyright: (c) 2026, fleetaudit maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Parsers for what ``auditctl -s`` and ``auditctl -l`` print (audit 2.x, 3.0.x and 4.0.x)."""

from __future__ import annotations

import re

NO_RULES = "No rules"
# audit 2.x printed the status on one line: "AUDIT_STATUS: enabled=1 flag=1 pid=123 ...".
_OLD_STATUS = re.compile(r"(\w+)=(\S+)")
_OLD_NAMES = {"flag": "failure"}


def _number(value):
    try:
        return int(value)
    except ValueError:
        return value


def parse_status(text):
    """``auditctl -s`` as a dict: integers where the value is one.

    ``loginuid_immutable`` ("0 unlocked" / "1 locked") becomes the integer, and
    ``loginuid_immutable_state`` keeps the word.
    """
    status = {}
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("AUDIT_STATUS:"):
            for name, value in _OLD_STATUS.findall(line):
                status[_OLD_NAMES.get(name, name)] = _number(value)
            continue
        name, _sep, value = line.partition(" ")
        if not name or not value:
            continue
        words = value.split()
        if name == "loginuid_immutable" and len(words) > 1:
            status["loginuid_immutable_state"] = words[1]
        status[name] = _number(words[0])
    return status


def parse_rule_listing(text):
    """The rule lines of ``auditctl -l`` (an empty list for "No rules")."""
    lines = [line for line in text.splitlines() if line.strip()]
    if lines == [NO_RULES]:
        return []
    return lines


# A rule's key as auditctl -l prints it: "-k KEY" on a watch, "-F key=KEY" on a syscall rule, once per key.
_RULE_KEY = re.compile(r"(?:^| )(?:-k |-F key=)(\S+)")


def rule_keys(lines):
    """The set of keys the rule lines of ``auditctl -l`` carry."""
    return {key for line in lines for key in _RULE_KEY.findall(line)}


# What auditctl says when the kernel refuses audit to this process even though it runs as root.
_REFUSED_TO_ROOT = ("You must be root", "Operation not permitted")


def unavailable_reason(rc, out, err, is_root):
    """Why ``auditctl -s`` gave no status, in words a user can act on."""
    reason = "auditctl -s: %s" % ((err or out).strip() or "exit %d" % rc)
    if is_root and any(words in reason for words in _REFUSED_TO_ROOT):
        reason += (" (running as root: the kernel serves audit only to its initial PID namespace,"
                   " so this is a container or a namespace without audit control)")
    return reason
