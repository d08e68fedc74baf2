# Copyright: (c) 2026, fleetaudit maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rule files checked against this host: every refused line with its file and line, watched paths
that do not exist, the kernel's limits, rules the kernel would refuse as duplicates."""

from __future__ import annotations

import gzip
import os

from ansible_collections.fleetaudit.auditd.plugins.module_utils.rule_syntax import RuleError, backlog_wait_time_reason, kernel_match_key, parse_rule


def kernel_hz(release=None):
    """CONFIG_HZ of the running kernel, from /proc/config.gz or /boot/config-RELEASE (which
    Debian, Ubuntu and RHEL install with the kernel), or ``None`` when neither says."""
    release = release or os.uname()[2]
    for path, opener in (("/proc/config.gz", gzip.open), ("/boot/config-" + release, open)):
        try:
            with opener(path, "rt") as handle:
                for line in handle:
                    if line.startswith("CONFIG_HZ="):
                        return int(line.split("=", 1)[1])
        except (IOError, OSError, ValueError):
            continue
    return None


def missing_path_reason(option, path, isdir=os.path.isdir):
    """Why auditctl would refuse a watched path on this host, or ``None``.

    ``-w PATH`` and ``-F path=PATH`` need PATH's parent directory; ``-F dir=DIR`` needs DIR, a
    directory (auditctl 3.0.9 loads it on a file, and the kernel lists it as ``-w FILE``).
    """
    if option == "dir":
        if isdir(path):
            return None
        if os.path.exists(path):
            return "%s is not a directory (-F dir= watches a directory tree; use -w or -F path= for a file)" % path
        return "directory %s does not exist (-F dir= needs it)" % path
    parent = os.path.dirname(path.rstrip("/")) or "/"
    if not isdir(parent):
        return "parent directory %s of %s does not exist" % (parent, path)
    return None


def reportable(text):
    """`text` with the bytes that are not UTF-8 (decoded with surrogateescape) as ``\\xNN``, so
    that it can be returned as JSON."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def validate_lines(lines, tables, check_paths=True, hz=kernel_hz):
    """Parses and checks compiled rule lines (objects with ``text``, ``source`` and ``line``).

    Returns ``(parsed, errors)``: ``[(line, AuditRule), ...]`` for the lines that parse, and one
    ``{file, line, rule, reason}`` per refused line, every one of them (not only the first).
    Besides what `parse_rule` refuses, with `check_paths` what depends on this host: watched
    paths auditctl cannot resolve, and a ``--backlog_wait_time`` over what its kernel takes
    (`hz` returns the kernel's HZ, or ``None``); and a rule equal to one loaded before it (the
    kernel answers "Rule exists"), whose error also has ``kept_at``, the ``FILE:LINE`` of the
    first copy.
    """
    parsed = []
    errors = []
    seen = {}
    # Rule sets watch many files in few directories: stat each directory once.
    directories = {}

    def isdir(path):
        if path not in directories:
            directories[path] = os.path.isdir(path)
        return directories[path]

    for line in lines:
        try:
            rule = parse_rule(line.text, tables)
            if rule is None:
                continue
            if check_paths:
                for option, path in rule.paths:
                    reason = missing_path_reason(option, path, isdir=isdir)
                    if reason:
                        raise RuleError(reason)
                if "--backlog_wait_time" in rule.controls:
                    reason = backlog_wait_time_reason(int(rule.controls["--backlog_wait_time"]), hz())
                    if reason:
                        raise RuleError(reason)
        except RuleError as error:
            errors.append({"file": reportable(line.source), "line": line.line, "rule": reportable(line.text),
                           "reason": str(error)})
            continue
        if rule.kind == "control" and "-D" in rule.controls and not rule.keys:
            seen.clear()
        elif rule.kind == "rule":
            key = kernel_match_key(rule)
            first = seen.get(key)
            if first is not None:
                errors.append({"file": reportable(line.source), "line": line.line, "rule": reportable(line.text),
                               "reason": "duplicate of %s:%d (the kernel refuses a rule that exists)" % first,
                               "kept_at": "%s:%d" % first})
                continue
            seen[key] = (reportable(line.source), line.line)
        parsed.append((line, rule))
    return parsed, errors


def format_errors(errors, limit=5):
    """``FILE:LINE: RULE: REASON`` for the first errors, and how many more there are."""
    text = "; ".join("%(file)s:%(line)d: %(rule)s: %(reason)s" % error for error in errors[:limit])
    if len(errors) > limit:
        text += "; and %d more" % (len(errors) - limit)
    return text


SKIP_MARK = "# skipped by fleetaudit.auditd: %s does not exist: %s"


def skip_missing_paths(name, text, tables, exists=os.path.exists):
    """Comments out each rule whose watched path does not exist on this host.

    Returns ``(text, skipped)`` with one ``{file, line, rule, path, reason}`` per rule commented
    out. Lines that do not parse are left alone for validation to report.
    """
    lines = text.split("\n")
    skipped = []
    for index, line in enumerate(lines):
        try:
            rule = parse_rule(line, tables)
        except RuleError:
            continue
        if rule is None or rule.kind != "rule":
            continue
        for _option, path in rule.paths:
            if not exists(path):
                skipped.append({"file": name, "line": index + 1, "rule": line, "path": path,
                                "reason": "%s does not exist" % path})
                lines[index] = SKIP_MARK % (path, line)
                break
    return "\n".join(lines), skipped
