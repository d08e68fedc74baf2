# Copyright: (c) 2026, fleetaudit maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the kernel should hold after a rules file is loaded, and how it differs from what it holds.

`expected_state` replays parsed rules the way ``auditctl -R`` applies them one by one (``-D``
empties the kernel, ``-A`` prepends, ``-d``/``-W`` delete, control options set the values that
``auditctl -s`` shows). The kernel lists its rules grouped by filter list (user, task, exit,
exclude, filesystem), so the expected rules are grouped the same way before comparing.
"""

from __future__ import annotations

import re
from collections import Counter

from ansible_collections.fleetaudit.auditd.plugins.module_utils.audit_vocabulary import KERNEL_LIST_ORDER
from ansible_collections.fleetaudit.auditd.plugins.module_utils.rule_syntax import STATUS_KEYS, RuleError, parse_rule


# auditctl 3.0.9 lists a watch whose perm field comes before its path field as
# " -p x-w /usr/bin/pip -k key" (example rule set 44-installers does that).
_PERM_FIRST_WATCH = re.compile(r"^ -p ([rwxa]+)-w (\S+)(.*)$")


class RawKernelRule:
    """A listed kernel rule this module cannot parse: compared by its text."""

    def __init__(self, text):
        self.text = text
        self.normalized = text
        self.loadable = text
        self.identity = ("raw", text)
        self.list = "exit"


def parse_kernel_rules(lines, tables):
    """`AuditRule` objects for ``auditctl -l`` lines (unparsable ones kept as raw text).

    ``auditctl -l`` names the syscalls of a rule without ``-F arch=`` with the table of the last
    arch it printed (measured: after a ``b32`` rule, x86_64's ``adjtimex`` is listed as i386's
    ``sched_get_priority_max``, both number 159), so the lines are read with the same state.
    """
    rules = []
    names_bits = tables.default_bits
    for line in lines:
        line = _PERM_FIRST_WATCH.sub(r"-a always,exit -F perm=\1 -F path=\2\3", line)
        try:
            rule = parse_rule(line, tables, names_bits, listed=True)
        except RuleError:
            rule = RawKernelRule(line)
        if rule is None:
            continue
        arch = getattr(rule, "arch", None)
        if arch and arch[0] == "=":
            names_bits = arch[1]
        rules.append(rule)
    return rules


def _list_rank(rule):
    return KERNEL_LIST_ORDER.get(rule.list or "exit", 4)


def expected_state(rules):
    """``(rules, settings)`` the kernel holds after loading `rules` (parsed, in file order).

    ``settings`` maps ``auditctl -s`` names to the integer a control option sets.
    """
    loaded = []
    settings = {}
    for rule in rules:
        if rule.kind == "control":
            if "-D" in rule.controls:
                if rule.keys:
                    loaded = [kept for kept in loaded if not set(kept.keys) & set(rule.keys)]
                else:
                    loaded = []
            for option, name in STATUS_KEYS.items():
                if option in rule.controls:
                    settings[name] = int(rule.controls[option])
            if "--loginuid-immutable" in rule.controls:
                settings["loginuid_immutable"] = 1
        elif rule.kind == "rule":
            if rule.command == "-A":
                loaded.insert(0, rule)
            else:
                loaded.append(rule)
        elif rule.kind == "delete":
            for index, kept in enumerate(loaded):
                if kept.identity == rule.identity:
                    del loaded[index]
                    break
    return sorted(loaded, key=_list_rank), settings


def listing_matches(expected, listing):
    """Whether the kernel's listing is, line for line, the expected rules' normalized text.

    Then there is no drift and the listing need not be parsed (the common case, and the slow
    part on large rule sets). Not trusted when an expected rule names syscalls without
    ``-F arch=``: ``auditctl -l`` may name such a rule's numbers with another arch's table.
    """
    if len(expected) != len(listing):
        return False
    for rule in expected:
        if rule.arch is None and isinstance(rule.syscalls, frozenset):
            return False
    return all(rule.normalized == line for rule, line in zip(expected, listing))


def rule_drift(expected, actual):
    """``{missing, extra, reordered}``: rules to add, rules to remove (as ``auditctl -l`` lines),
    and whether the same rules are loaded in another order (order matters for never rules)."""
    expected_count = Counter(rule.identity for rule in expected)
    actual_count = Counter(rule.identity for rule in actual)
    missing = _take(expected, expected_count - actual_count)
    extra = _take(actual, actual_count - expected_count)
    reordered = (not missing and not extra
                 and [rule.identity for rule in expected] != [rule.identity for rule in actual])
    return {"missing": missing, "extra": extra, "reordered": reordered}


def _take(rules, wanted):
    wanted = Counter(wanted)
    result = []
    for rule in rules:
        if wanted[rule.identity] > 0:
            wanted[rule.identity] -= 1
            result.append(rule.normalized)
    return result


def settings_drift(expected, status):
    """``{name: {expected, actual}}`` for each kernel setting the rules set and the kernel lacks."""
    return {name: {"expected": value, "actual": status.get(name)}
            for name, value in sorted(expected.items()) if status.get(name) != value}


def has_drift(drift):
    return bool(drift["missing"] or drift["extra"] or drift["reordered"] or drift.get("settings"))
