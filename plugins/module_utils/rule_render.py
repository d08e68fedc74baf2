# Copyright: (c) 2026, fleetaudit maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Turns structured audit rules (the role's `auditd_rules` items) into auditctl rule lines.

Three shapes are accepted, so that a rule reads like the line it becomes:

- a watch: ``{watch: /etc/passwd, perms: wa, key: identity}``
- a syscall or field rule: ``{action: always, list: exit, arch: [b64, b32],
  syscalls: [chmod, fchmod], fields: ["auid>=1000", "auid!=unset"], key: perm_mod}``;
  one line per architecture when syscalls are named. On the exit list (the default) a rule
  without syscalls matches every system call, so it must say so with ``syscalls: all``, unless a
  ``perm=`` field limits it to the calls of a permission (as a watch does);
- a raw line: ``{rule: "-a always,exit ..."}`` or simply the string.

Mistakes are refused in the user's terms (``auditd_rules[5]: ...``), before any host is touched;
what only the host can tell (syscall names of its architectures, users, paths) is checked there.
"""

from __future__ import annotations

import difflib

WATCH_KEYS = frozenset(("watch", "perms", "key"))
SYSCALL_KEYS = frozenset(("action", "list", "arch", "syscalls", "fields", "key"))
RAW_KEYS = frozenset(("rule",))
# Options people write for a watch, in the words of auditctl -F or of other roles.
_WATCH_LOOKALIKES = frozenset(("path", "dir", "file", "perm", "perms", "permissions"))
MAX_KEY_LENGTH = 31
PERMISSIONS = "rwxa"


class RuleRenderError(ValueError):
    """A structured rule that cannot become a rule line; the message names the item."""


def _as_list(value):
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(item) for item in value]
    return [str(value)]


def _key_options(key):
    keys = _as_list(key)
    for item in keys:
        if not item or len(item) > MAX_KEY_LENGTH or " " in item:
            raise RuleRenderError("key %r: a key is 1 to %d characters without spaces" % (item, MAX_KEY_LENGTH))
    return "".join(" -k %s" % item for item in keys)


def _render_watch(rule):
    path = str(rule["watch"] or "")
    if not path.startswith("/") or " " in path:
        raise RuleRenderError("watch %r: the watched path must be absolute, without spaces" % path)
    line = "-w %s" % path
    if rule.get("perms"):
        perms = str(rule["perms"])
        if set(perms) - set(PERMISSIONS):
            raise RuleRenderError("perms %r: only the letters r, w, x and a" % perms)
        line += " -p %s" % perms
    return [line + _key_options(rule.get("key"))]


def _render_syscall(rule, default_arches):
    head = "-a %s,%s" % (rule.get("action", "always"), rule.get("list", "exit"))
    syscalls = _as_list(rule.get("syscalls"))
    tail = "".join(" -F %s" % field for field in _as_list(rule.get("fields")))
    tail += _key_options(rule.get("key"))
    if not syscalls or syscalls == ["all"] and not rule.get("arch"):
        return [head + (" -S all" if syscalls else "") + tail]
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
    elif keys & _WATCH_LOOKALIKES and not keys & {"syscalls", "fields", "action", "list"}:
        path = rule.get("path") or rule.get("dir") or rule.get("file") or "PATH"
        raise RuleRenderError("no `watch`: a watch is written {watch: %s, perms: %s, key: KEY} "
                              "(its options are watch, perms and key; got %s)"
                              % (path, rule.get("perms") or rule.get("perm") or "wa", ", ".join(sorted(keys, key=str))))
    else:
        shape, allowed = "syscall", SYSCALL_KEYS
    unknown = sorted(keys - allowed, key=str)
    if unknown:
        hints = ["%s (did you mean %s?)" % (name, close[0]) if close else str(name)
                 for name, close in ((name, difflib.get_close_matches(str(name), sorted(allowed), n=1))
                                     for name in unknown)]
        raise RuleRenderError("unknown option(s) %s for a %s rule (allowed: %s)"
                              % (", ".join(hints), shape, ", ".join(sorted(allowed))))
    if shape == "raw":
        return [str(rule["rule"]).strip()]
    if shape == "watch":
        return _render_watch(rule)
    _check_syscalls(rule)
    return _render_syscall(rule, default_arches)


def _check_syscalls(rule):
    syscalls = _as_list(rule.get("syscalls"))
    fields = _as_list(rule.get("fields"))
    if not syscalls and not fields:
        raise RuleRenderError("a syscall rule needs `syscalls` or `fields`")
    if "all" in syscalls and len(syscalls) > 1:
        raise RuleRenderError("syscalls: `all` already names every system call; give it alone")
    exit_list = str(rule.get("list", "exit")) == "exit"
    limited_by_permission = any(field.startswith("perm=") for field in fields)
    if exit_list and not syscalls and not limited_by_permission:
        raise RuleRenderError("no `syscalls`: the rule would audit every system call of every matching process; "
                              "name them (syscalls: [openat, unlinkat]), or write `syscalls: all` if every call is meant")


def render_rules(rules, default_arches=("b64",), name="auditd_rules"):
    """Returns the rule lines for a list of structured rules, naming the bad item on error."""
    return [line for line, _origin in render_rules_with_origins(rules, default_arches, name)]


def render_rules_with_origins(rules, default_arches=("b64",), name="auditd_rules"):
    """``[(line, "auditd_rules[N]"), ...]``: each rule line with the item it comes from."""
    lines = []
    for index, rule in enumerate(rules or []):
        origin = "%s[%d]" % (name, index)
        try:
            lines.extend((line, origin) for line in render_rule(rule, default_arches))
        except RuleRenderError as exc:
            raise RuleRenderError("%s: %s" % (origin, exc)) from None
    return lines


def errors_in_user_terms(errors, rules, default_arches, file_name, first_line, name="auditd_rules"):
    """The ``{file, line, rule, reason}`` errors of a rules file as messages; those of `file_name`,
    whose rule lines start at `first_line` and come from `rules`, name the item instead of the line."""
    origins = render_rules_with_origins(rules, default_arches, name)
    messages = []
    for error in errors:
        index = error.get("line", 0) - first_line
        if error.get("file") == file_name and 0 <= index < len(origins):
            messages.append("%s (%s): %s" % (origins[index][1], error.get("rule"), error.get("reason")))
        else:
            messages.append("%s:%s: %s: %s" % (error.get("file"), error.get("line"), error.get("rule"), error.get("reason")))
    return messages
