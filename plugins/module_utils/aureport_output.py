# -*- coding: utf-8 -*-
# Copyright: (c) fleetaudit maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""aureport's text reports as structured data, and its command line. Pure logic, no Ansible."""

from __future__ import annotations

import re
import time

# Report name -> aureport option (man aureport).
REPORTS = {
    "summary": None,
    "anomaly": "--anomaly",
    "auth": "--auth",
    "avc": "--avc",
    "comm": "--comm",
    "config": "--config",
    "crypto": "--crypto",
    "event": "--event",
    "executable": "--executable",
    "failed": "--failed",
    "file": "--file",
    "host": "--host",
    "integrity": "--integrity",
    "key": "--key",
    "login": "--login",
    "mac": "--mac",
    "mods": "--mods",
    "response": "--response",
    "success": "--success",
    "syscall": "--syscall",
    "terminal": "--terminal",
    "tty": "--tty",
    "user": "--user",
    "virt": "--virt",
}
# Columns whose values may hold spaces (a path or a command name); extra words belong to them.
_SPACED_COLUMNS = ("exe", "file", "comm", "acct", "key", "term")
_NUMBER_COLUMNS = ("total", "event", "pid", "auid", "uid")
_NUMBER = re.compile(r"^-?\d+$")
NO_EVENTS = "<no events of interest were found>"


def command(aureport, report, summary=False, start=None, end=None, input_path=None, interpret=False):
    """The aureport argument list. start/end are time words or POSIX seconds; input_path None
    means the log files auditd.conf names (never standard input)."""
    if report not in REPORTS:
        raise ValueError("unknown report %r: use one of %s" % (report, ", ".join(sorted(REPORTS))))
    args = [aureport]
    if REPORTS[report]:
        args.append(REPORTS[report])
    if summary and report != "summary":
        args.append("--summary")
    if interpret:
        args.append("--interpret")
    for option, value in (("--start", start), ("--end", end)):
        if value is None:
            continue
        if isinstance(value, str):
            args += [option, value]
        else:
            # The C locale's date format, local time, like aureport reads it.
            local = time.localtime(value)
            args += [option, time.strftime("%m/%d/%y", local), time.strftime("%H:%M:%S", local)]
    args += ["--input", input_path] if input_path else ["--input-logs"]
    return args


def _snake(label):
    return re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")


def _value(column, text):
    if column in _NUMBER_COLUMNS and _NUMBER.match(text):
        return int(text)
    return text


def _row(columns, words):
    extra = len(words) - len(columns)
    if extra > 0:
        # A value with spaces (mostly a path) spread over several words: give them back to the
        # first spaced column holding a path, else to the first spaced column.
        spaced = [i for i, c in enumerate(columns) if c in _SPACED_COLUMNS] or [len(columns) - 1]
        index = next((i for i in spaced if words[i].startswith("/")), spaced[0])
        words = words[:index] + [" ".join(words[index:index + extra + 1])] + words[index + extra + 1:]
    return dict((column, _value(column, word)) for column, word in zip(columns, words))


def parse(text):
    """aureport output -> dict(title, columns, rows, values). Detailed reports give one row per
    `N.` line; summary reports (--summary) one row per `total value` line; the general summary
    gives `values` ({"number_of_logins": 3, ...})."""
    report = {"title": None, "columns": [], "rows": [], "values": {}}
    lines = [line.rstrip() for line in text.splitlines()]
    body = []
    rules = 0
    for line in lines:
        if not line.strip():
            continue
        if report["title"] is None:
            report["title"] = line.strip()
            continue
        if set(line.strip()) == {"="}:
            rules += 1
            continue
        if rules == 1 and not report["columns"] and not report["values"] and ":" not in line:
            report["columns"] = line.lstrip("#").split()
            continue
        body.append(line)
    for line in body:
        if line.strip() == NO_EVENTS:
            continue
        if report["columns"]:
            words = line.split()
            if re.match(r"^\d+\.$", words[0]):
                words = words[1:]
            report["rows"].append(_row(report["columns"], words))
        elif ":" in line:
            label, _sep, value = line.partition(":")
            value = value.strip()
            report["values"][_snake(label)] = int(value) if _NUMBER.match(value) else value
    return report
