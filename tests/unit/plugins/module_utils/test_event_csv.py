"""Events as CSV for spreadsheet users: a fixed column set, RFC 4180 quoting, no formula injection.
The events are the real search's, on a recorded log."""

import csv
import io
import os

import pytest

from ansible_collections.fleetaudit.auditd.plugins.module_utils.event_filter import EventFilter
from ansible_collections.fleetaudit.auditd.plugins.module_utils.event_transport import decode_events
from ansible_collections.fleetaudit.auditd.plugins.module_utils.log_search import search
from ansible_collections.fleetaudit.auditd.plugins.module_utils.log_set import log_set
from ansible_collections.fleetaudit.auditd.plugins.module_utils.redaction import DEFAULT_REDACT_PATTERNS, Redactor
from ansible_collections.fleetaudit.auditd.plugins.module_utils.event_csv import COLUMNS, events_csv, safe_cell

LOG = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "logs", "audit-3.0.9-enriched.log")


def recorded_events(keys):
    result = search(log_set(LOG), EventFilter(keys=keys), Redactor(DEFAULT_REDACT_PATTERNS), now=1795712100.0)
    return [dict(event, host="web1") for event in decode_events(result["events_gz"])]


def rows(text):
    return list(csv.reader(io.StringIO(text, newline="")))


def test_header_and_one_row_per_event_in_the_fixed_columns():
    events = recorded_events(["fa_watch"])
    table = rows(events_csv(events))
    assert table[0] == list(COLUMNS)
    assert len(table) == len(events) + 1 == 5
    for event, row in zip(events, table[1:]):
        cells = dict(zip(COLUMNS, row))
        assert (cells["time"], cells["host"], cells["serial"]) == (event["time"], "web1", str(event["serial"]))
        assert cells["keys"] == ",".join(event["keys"]) and cells["exe"] == (event["summary"]["exe"] or "")
        assert cells["success"] in ("yes", "no", "")


def test_an_argument_with_a_space_stays_one_argument_and_paths_one_a_line():
    event = {"time": "2026-11-26T16:54:10.919Z", "host": "web1", "node": None, "serial": 7, "keys": ["a", "b"],
             "summary": {"argv": ["/tmp/my prog", "-x", "it's"], "paths": ["/etc/a, b", "/etc/c"], "success": False,
                         "auid": -1, "uid": 0}}
    cells = dict(zip(COLUMNS, rows(events_csv([event]))[1]))
    assert cells["argv"] == "'/tmp/my prog' -x 'it'\"'\"'s'"
    assert cells["paths"] == "/etc/a, b\n/etc/c" and cells["keys"] == "a,b"
    assert (cells["success"], cells["auid"], cells["uid"], cells["node"]) == ("no", "-1", "0", "")


def test_rfc_4180_quoting_and_line_ends():
    event = {"time": "t", "summary": {"comm": 'say "hi", then\nleave'}}
    text = events_csv([event], header=False)
    assert text.endswith("\r\n") and '"say ""hi"", then\nleave"' in text
    assert rows(text)[0][COLUMNS.index("comm")] == 'say "hi", then\nleave'


@pytest.mark.parametrize("value,cell", [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
    ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"),
    ("-1", "-1"),
    (-1, "-1"),
    ("-0.5", "-0.5"),
    ("/usr/bin/a=b", "/usr/bin/a=b"),
    (None, ""),
    (True, "yes"),
])
def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_made_text(value, cell):
    assert safe_cell(value) == cell


def test_formula_in_a_command_line_is_neutralised_in_the_file():
    event = {"summary": {"comm": "=cmd", "argv": ["=cmd", "-c"]}}
    cells = dict(zip(COLUMNS, rows(events_csv([event]))[1]))
    assert cells["comm"] == "'=cmd"
    # The argv cell starts with the first argument: made text too.
    assert cells["argv"] == "'=cmd -c"
