# -*- coding: utf-8 -*-
# Copyright: (c) fleetaudit maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Audit events (as the ausearch action plugin returns them) as CSV rows for spreadsheet users.
Pure logic, no Ansible."""

from __future__ import annotations

import csv
import io
import re
import shlex

# The columns, in this order, whatever the events hold: a spreadsheet or a script that reads them
# by position keeps working from one run (and one host) to the next.
COLUMNS = ("time", "host", "node", "serial", "keys", "type", "syscall", "success", "exe", "comm", "pid", "ppid",
           "auid", "auid_name", "uid", "uid_name", "cwd", "argv", "paths")
_SUMMARY_COLUMNS = frozenset(COLUMNS[5:])
# A cell that starts with one of these is read as a formula by spreadsheet tools (CSV injection);
# a leading apostrophe makes it text. Numbers (-1) stay numbers.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def safe_cell(value):
    """A value as the text of one spreadsheet cell: lists joined, None empty, booleans yes/no, and a
    text that a spreadsheet would run as a formula prefixed with an apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    if text.startswith(_FORMULA_START) and not _NUMBER.match(text):
        return "'" + text
    return text


def _cells(event):
    summary = event.get("summary") or {}
    argv = summary.get("argv")
    values = {
        "time": event.get("time"), "host": event.get("host"), "node": event.get("node"),
        "serial": event.get("serial"), "keys": ",".join(event.get("keys") or ()),
        # Quoted as a shell would, so that an argument with a space stays one argument.
        "argv": " ".join(shlex.quote(arg) for arg in argv) if argv is not None else None,
        "paths": "\n".join(summary.get("paths") or ()),
    }
    values.update((name, summary.get(name)) for name in _SUMMARY_COLUMNS if name not in values)
    return [safe_cell(values[name]) for name in COLUMNS]


def events_csv(events, header=True):
    """The events as CSV text (RFC 4180: CRLF line ends, fields with commas, quotes or line breaks
    quoted), one row per event, after a header row unless header is false (rows added to a file
    that has one)."""
    out = io.StringIO()
    writer = csv.writer(out)
    if header:
        writer.writerow(COLUMNS)
    writer.writerows(_cells(event) for event in events)
    return out.getvalue()
