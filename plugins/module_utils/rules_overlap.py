# Copyright: (c) 2026, fleetaudit maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rules that overlap when several sources are combined: copies of one rule, and rules that an
earlier rule shadows.

Copies: the kernel refuses a rule equal to one it holds ("Rule exists"), and ``auditctl -R`` stops
there. `merge_duplicates` writes every later copy commented out, naming the copy that stays, so that
the rule is loaded once and the compiled file is still what augenrules compiles from the files.

Shadows: the kernel keeps each filter list in load order (``-A`` puts a rule first) and, at the end
of a system call, stops at the first rule of a list that matches. Watches of a file (``-w FILE``,
``-F path=``) sit in a list of the watched inode; everything else on the exit list, including
directory watches (``-w DIR``, ``-F dir=``), in the exit list itself. A rule that an earlier rule of
its list matches whenever it would match can never match, and its key is never recorded (measured
on this kernel: two ``-w`` of one file, only the first key appears). `shadowed_rules` finds those it
can prove: the earlier rule has the same or no arch, all the later rule's syscalls, a superset of
its permissions, the same watched file or a directory above its directory, and no other condition
that the later rule lacks.
"""

from __future__ import annotations

import itertools
import os

MERGE_MARK = "# merged by fleetaudit.auditd: same rule as %s: %s"


def merge_duplicates(contents, errors):
    """Comments out the later copies of a rule that validation refused as duplicates.

    `contents` is ``{name: text}`` of the files this run writes; `errors` are `validate_lines`
    errors. A copy is merged when its file is in `contents` and the copy that stays is in another
    file: two copies in one file are a mistake in that file, and a file this run does not write is
    not rewritten; both stay errors.

    Returns ``(texts, merged, errors)``: ``{name: text}`` of the files changed, one
    ``{file, line, rule, kept_at}`` per copy commented out, and the errors left.
    """
    lines_by_file = {}
    merged = []
    remaining = []
    for error in errors:
        kept_at = error.get("kept_at")
        if kept_at is None or error["file"] not in contents or kept_at.rsplit(":", 1)[0] == error["file"]:
            remaining.append(error)
            continue
        lines = lines_by_file.setdefault(error["file"], contents[error["file"]].split("\n"))
        lines[error["line"] - 1] = MERGE_MARK % (kept_at, error["rule"])
        merged.append({"file": error["file"], "line": error["line"], "rule": error["rule"], "kept_at": kept_at})
    return {name: "\n".join(lines) for name, lines in lines_by_file.items()}, merged, remaining


class _Conditions:
    """What must hold for a rule to match an event, in terms that can be compared."""

    __slots__ = ("chain", "arch", "syscalls", "perms", "tree", "fields")

    def __init__(self, rule, isdir):
        self.arch = rule.arch
        self.syscalls = rule.syscalls if rule.syscalls is not None else "all"
        self.perms = frozenset(rule.perms) if rule.perms else None
        self.tree = None
        fields = set()
        for field in rule.fields:
            name = field[0]
            if name in ("path", "dir") and field[1] == "=":
                continue
            if name == "perm":
                self.perms = frozenset(field[2])
                continue
            fields.add(field)
        self.fields = frozenset(fields)
        # The inode list of a watched file, or the exit list (directories are trees there).
        self.chain = "exit"
        for option, path in rule.paths:
            path = path.rstrip("/") or "/"
            if option == "dir" or (option == "-w" and isdir(path)):
                self.tree = path
            else:
                self.chain = "inode " + path

    def covers(self, later):
        """Whether a rule with these conditions matches every event that `later` matches."""
        if self.chain != later.chain or (self.arch is not None and self.arch != later.arch):
            return False
        if self.syscalls != "all" and (later.syscalls == "all" or not later.syscalls <= self.syscalls):
            return False
        if self.perms is not None and (later.perms is None or not later.perms <= self.perms):
            return False
        if self.tree is not None and (later.tree is None or not (
                later.tree == self.tree or later.tree.startswith(self.tree.rstrip("/") + "/"))):
            return False
        return self.fields <= later.fields


def _kernel_order(parsed):
    """The exit-list rules as the kernel holds them: ``-A`` rules first (the last one added first)."""
    rules = [(line, rule) for line, rule in parsed
             if rule.kind == "rule" and (rule.list == "exit" or rule.command == "-w")]
    return [item for item in reversed(rules) if item[1].command == "-A"] + \
        [item for item in rules if item[1].command != "-A"]


# Conditions beyond which looking up every subset costs more than reading the whole list.
_MAX_INDEXED_FIELDS = 10


def _subsets(fields):
    items = list(fields)
    return [frozenset(combination) for size in range(len(items) + 1)
            for combination in itertools.combinations(items, size)]


def shadowed_rules(parsed, isdir=os.path.isdir):
    """Rules that can never match because an earlier rule of their list always matches first.

    `parsed` is ``[(line, AuditRule), ...]`` in compiled order (`validate_lines`). Returns one
    ``{file, line, rule, shadowed_by, shadowing_rule, reason}`` per such rule, in compiled order.
    """
    # An earlier rule can cover a later one only with a subset of its conditions: rules are looked
    # up by list and conditions, so that a large rule set is not compared pair by pair.
    by_conditions = {}
    by_chain = {}
    found = {}
    for position, (line, rule) in enumerate(_kernel_order(parsed)):
        conditions = _Conditions(rule, isdir)
        if len(conditions.fields) > _MAX_INDEXED_FIELDS:
            candidates = by_chain.get(conditions.chain, [])
        else:
            candidates = [entry for subset in _subsets(conditions.fields)
                          for entry in by_conditions.get((conditions.chain, subset), ())]
        covering = [entry for entry in candidates if entry[3].covers(conditions)]
        if covering:
            _position, first_line, first_rule, _conditions = min(covering, key=lambda entry: entry[0])
            found[id(line)] = _shadow_entry(line, rule, first_line, first_rule)
        entry = (position, line, rule, conditions)
        by_conditions.setdefault((conditions.chain, conditions.fields), []).append(entry)
        by_chain.setdefault(conditions.chain, []).append(entry)
    return [found[id(line)] for line, _rule in parsed if id(line) in found]


def _keys(rule):
    return "key " + ",".join(rule.keys) if rule.keys else "no key"


def _shadow_entry(line, rule, first_line, first_rule):
    shadowed_by = "%s:%d" % (first_line.source, first_line.line)
    if first_rule.action == "never":
        outcome = "what it would record is never recorded"
    elif rule.keys == first_rule.keys:
        outcome = "it is redundant (same key)"
    else:
        outcome = "its events are recorded with %s, never with %s" % (_keys(first_rule), _keys(rule))
    return {"file": line.source, "line": line.line, "rule": line.text,
            "shadowed_by": shadowed_by, "shadowing_rule": first_line.text,
            "reason": "never matches: the kernel stops at the first matching rule, and %s matches every "
                      "event this rule would; %s" % (shadowed_by, outcome)}


def format_shadowed(entries, limit=5):
    """``FILE:LINE: RULE (shadowed by FILE:LINE: RULE)`` for the first entries, and how many more."""
    text = "; ".join("%s:%d: %s (shadowed by %s: %s)"
                     % (entry["file"], entry["line"], entry["rule"], entry["shadowed_by"], entry["shadowing_rule"])
                     for entry in entries[:limit])
    if len(entries) > limit:
        text += "; and %d more" % (len(entries) - limit)
    return text
