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
    "pid": "--pid",
    "response": "--response",
    "success": "--success",
    "syscall": "--syscall",
    "terminal": "--terminal",
    "tty": "--tty",
    "user": "--user",
    "virt": "--virt",
}
# The reports that are the general summary (of every event, of the failed ones, of the successful ones).
GENERAL_SUMMARIES = ("summary", "failed", "success")
# What a value looks like in each column of aureport's rows (aureport-output.c). Free text (paths,
# command and account names, typed keys) may hold spaces, so a row is not split on spaces: it is
# matched against the shapes of all its columns at once, and the columns of one word, counts and
# verdicts around a free text tell where it ends.
_TEXT = r".*?"
_COLUMN_SHAPES = {
    "total": r"\d+", "event": r"\d+", "pid": r"\d+", "sess": r"\d+",
    "success": r"yes|no|unset",
    "result": r"unset|denied|granted",
    # A number, or a name with --interpret.
    "syscall": r"-?\w+|\?",
    # An absolute path, or ? or (null) when unknown.
    "exe": r"(?:/|\?|\(null\)).*?",
    "file": _TEXT, "comm": _TEXT, "command": _TEXT, "acct": _TEXT, "key": _TEXT, "permission": _TEXT,
    # Quoted printable text and <named keys>, such as "ls -la",<ret>.
    "data": r'["<].*',
}
# Columns that hold something else than their name says, per report title.
_REPORT_SHAPES = {
    # A failed login shows the account name that was tried, any text, instead of the auid.
    "Login Report": {"auid": _TEXT},
    # An anomaly without an executable shows the command name.
    "Anomaly Report": {"exe": _TEXT},
}
_NUMBER_COLUMNS = ("total", "event", "pid", "sess", "auid", "uid")
# aureport prints times with strftime("%x %T") in local time; %x in the C locale (LC_ALL=C, as the
# module runs it) is MM/DD/YY.
_C_LOCALE_TIME = "%m/%d/%y %H:%M:%S"
# The general summary's time ranges: "11/26/26 16:54:10.919 - 11/26/26 16:54:18.451".
_TIME_RANGE = re.compile(r"^(\S+ \d\d:\d\d:\d\d)(?:\.(\d{3}))? - (\S+ \d\d:\d\d:\d\d)(?:\.(\d{3}))?$")
_TIME_RANGE_LINES = ("range_of_time_in_logs", "selected_time_for_report")
_NUMBER = re.compile(r"^-?\d+$")
_ROW_NUMBER = re.compile(r"^\d+\. ")
NO_EVENTS = "<no events of interest were found>"


def command(aureport, report, summary=False, success=None, start=None, end=None, input_path=None,
            interpret=False, node=None):
    """The aureport argument list. success True or False keeps only successful or failed events;
    start/end are time words or POSIX seconds; input_path None means the log files auditd.conf
    names (never standard input)."""
    if report not in REPORTS:
        raise ValueError("unknown report %r: use one of %s" % (report, ", ".join(sorted(REPORTS))))
    if success is not None and report in GENERAL_SUMMARIES[1:]:
        raise ValueError("report %s already chooses the events; use report summary with success" % report)
    if summary and report in GENERAL_SUMMARIES:
        # aureport ignores --summary there: refused rather than ignored.
        raise ValueError("summary totals the values of one report (key, executable, ...); report %s is a "
                         "general summary already: leave summary out" % report)
    args = [aureport]
    if REPORTS[report]:
        args.append(REPORTS[report])
    if summary:
        args.append("--summary")
    if success is not None:
        args.append("--success" if success else "--failed")
    if interpret:
        args.append("--interpret")
    if node is not None:
        # Exact, on the node= name of each record (a collector's log).
        args += ["--node", node]
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


def redacted(text, redactor):
    """The report with each of its lines redacted (a redaction.Redactor): a TTY report shows
    the keystrokes typed, other reports the names of files, commands and accounts."""
    return "\n".join(map(redactor.text, text.split("\n")))


def _snake(label):
    return re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")


def _value(column, text):
    if column in _NUMBER_COLUMNS and _NUMBER.match(text):
        return int(text)
    return text


def _row_pattern(title, columns):
    shapes = dict(_COLUMN_SHAPES, **_REPORT_SHAPES.get(title, {}))
    # Summary rows put two spaces after the total.
    return re.compile(" +".join("(%s)" % shapes.get(column, r"\S+") for column in columns) + "$")


def _row(pattern, columns, line):
    line = _ROW_NUMBER.sub("", line, count=1)
    match = pattern.match(line)
    # A row that fits no shape (a format this parser does not know) keeps its words in order, the
    # last column taking the rest.
    values = match.groups() if match else line.split(None, len(columns) - 1)
    return dict((column, _value(column, value)) for column, value in zip(columns, values))


def utc_time(local, milliseconds=0):
    """aureport's local time (C locale, "11/26/26 16:54:10") as ISO 8601 UTC with milliseconds, the
    form of an event's time ("2026-11-26T16:54:10.000Z"), read in this process's time zone (TZ,
    else /etc/localtime), the one aureport printed in when it ran from here. In the hour that a
    change from summer time repeats, a time is read as the first of the two. A date in another
    form means aureport did not run in the C locale, where the day and the month could be read
    the wrong way round: it is refused."""
    try:
        parsed = time.strptime(local, _C_LOCALE_TIME)
    except ValueError:
        raise ValueError("aureport printed the time %r, not in the C locale's form MM/DD/YY HH:MM:SS: "
                         "run aureport with LC_ALL=C" % local)
    seconds = int(time.mktime(parsed))
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + ".%03dZ" % milliseconds


def _utc_range(text):
    """A general summary's "start - end" range in UTC ({"start": ..., "end": ...}), or None when
    the report had no events (aureport then prints the epoch, 1970)."""
    match = _TIME_RANGE.match(text)
    if not match:
        raise ValueError("aureport printed the time range %r in a form this module does not know" % text)
    start, start_ms, end, end_ms = match.groups()
    times = [utc_time(local, int(ms or 0)) for local, ms in ((start, start_ms), (end, end_ms))]
    if times[1].startswith("1970-01-01T00:00:00."):
        return None
    return {"start": times[0], "end": times[1]}


def with_utc_times(report):
    """The parsed report with its host-local times in UTC, as events have them: each row's date
    and time columns become one time column (ISO 8601 UTC), and the general summary's time
    ranges become {"start": ..., "end": ...} (None when no event was found)."""
    columns = report["columns"]
    if "date" in columns and "time" in columns:
        report["columns"] = [column for column in columns if column != "date"]
        for row in report["rows"]:
            row["time"] = utc_time("%s %s" % (row.pop("date"), row["time"]))
    for name in _TIME_RANGE_LINES:
        if name in report["general_summary"]:
            report["general_summary"][name] = _utc_range(report["general_summary"][name])
    return report


def parse(text):
    """aureport output -> dict(title, columns, rows, general_summary, and count for reports of rows).
    Detailed reports give one row per `N.` line; summary reports (--summary) one row per
    `total value` line; the general summary gives `general_summary` ({"number_of_logins": 3, ...})."""
    report = {"title": None, "columns": [], "rows": [], "general_summary": {}}
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
        if rules == 1 and not report["columns"] and not report["general_summary"] and ":" not in line:
            report["columns"] = line.lstrip("#").split()
            continue
        body.append(line)
    pattern = _row_pattern(report["title"], report["columns"])
    for line in body:
        if line.strip() == NO_EVENTS:
            continue
        if report["columns"]:
            report["rows"].append(_row(pattern, report["columns"], line))
        elif ":" in line:
            label, _sep, value = line.partition(":")
            value = value.strip()
            report["general_summary"][_snake(label)] = int(value) if _NUMBER.match(value) else value
    if report["columns"]:
        # As in ausearch's result: a report with no events is a success with count 0.
        report["count"] = len(report["rows"])
    return report
