# Copyright: (c) 2026, fleetaudit maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Turns structured audit rules (the role's `auditd_rules` items) into auditctl rule lines.

Three shapes are accepted, so that a rule reads like the line it becomes:

- a watch: ``{watch: /etc/passwd, perms: wa, key: identity}``
- a syscall or field rule: ``{action: always, list: exit, arch: [b64, b32],
  syscalls: [chmod, fchmod], fields: ["auid>=1000", "auid!=unset"], key: perm_mod}``;
  one line per architecture when syscalls are named
- a raw line: ``{rule: "-a always,exit ..."}`` or simply the string.
"""

from __future__ import annotations

WATCH_KEYS = frozenset(("watch", "perms", "key"))
SYSCALL_KEYS = frozenset(("action", "list", "arch", "syscalls", "fields", "key"))
RAW_KEYS = frozenset(("rule",))


class RuleRenderError(ValueError):
    """A structured rule that cannot become a rule line; the message names the item."""


def _as_list(value):
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(item) for item in value]
    return [str(value)]


def _key_options(key):
    return "".join(" -k %s" % item for item in _as_list(key))


def _render_watch(rule):
    line = "-w %s" % rule["watch"]
    if rule.get("perms"):
        line += " -p %s" % rule["perms"]
    return [line + _key_options(rule.get("key"))]


def _render_syscall(rule, default_arches):
    head = "-a %s,%s" % (rule.get("action", "always"), rule.get("list", "exit"))
    syscalls = _as_list(rule.get("syscalls"))
    tail = "".join(" -F %s" % field for field in _as_list(rule.get("fields")))
    tail += _key_options(rule.get("key"))
    if not syscalls:
        return [head + tail]
    arches = _as_list(rule.get("arch")) or list(default_arches)
    syscall_option = " -S %s" % ",".join(syscalls)
    if not arches:
        return [head + syscall_option + tail]
    return ["%s -F arch=%s%s%s" % (head, arch, syscall_option, tail) for arch in arches]


def render_rule(rule, default_arches=("b64",)):
    """Returns the rule lines for one structured rule."""
    if isinstance(rule, str):
        return [rule.strip()]
    if not isinstance(rule, dict):
        raise RuleRenderError("expected a string or a dict, got %s" % type(rule).__name__)
    keys = set(rule)
    if "rule" in keys:
        shape, allowed = "raw", RAW_KEYS
    elif "watch" in keys:
        shape, allowed = "watch", WATCH_KEYS
    else:
        shape, allowed = "syscall", SYSCALL_KEYS
    unknown = sorted(keys - allowed)
    if unknown:
        raise RuleRenderError("unknown option(s) %s for a %s rule (allowed: %s)"
                              % (", ".join(unknown), shape, ", ".join(sorted(allowed))))
    if shape == "raw":
        return [str(rule["rule"]).strip()]
    if shape == "watch":
        return _render_watch(rule)
    if not rule.get("syscalls") and not rule.get("fields"):
        raise RuleRenderError("a syscall rule needs `syscalls` or `fields`")
    return _render_syscall(rule, default_arches)


def render_rules(rules, default_arches=("b64",), name="auditd_rules"):
    """Returns the rule lines for a list of structured rules, naming the bad item on error."""
    lines = []
    for index, rule in enumerate(rules or []):
        try:
            lines.extend(render_rule(rule, default_arches))
        except RuleRenderError as exc:
            raise RuleRenderError("%s[%d]: %s" % (name, index, exc)) from None
    return lines
