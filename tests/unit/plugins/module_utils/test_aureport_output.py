"""aureport reports recorded from audit 3.0.9 (C locale) parsed into rows, and its command line."""

import os
import time

import pytest

from ansible_collections.fleetaudit.auditd.plugins.module_utils.aureport_output import command, parse

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "aureport")


def report(name):
    with open(os.path.join(FIXTURES, name), encoding="utf-8") as handle:
        return parse(handle.read())


def test_key_summary_rows():
    parsed = report("key-summary-3.0.9.txt")
    assert parsed["title"] == "Key Summary Report"
    assert parsed["columns"] == ["total", "key"]
    assert parsed["rows"] == [{"total": 6, "key": "fa_watch"}, {"total": 6, "key": "fa_del"},
                              {"total": 6, "key": "fa_multi"}]


def test_detailed_key_report_rows():
    parsed = report("key-3.0.9.txt")
    assert parsed["columns"] == ["date", "time", "key", "success", "exe", "auid", "event"]
    assert parsed["rows"][0] == {"date": "11/26/26", "time": "16:54:10", "key": "fa_watch", "success": "yes",
                                 "exe": "/usr/sbin/auditctl", "auid": -1, "event": 16771}
    assert len(parsed["rows"]) == 12
    spaced = [row for row in parsed["rows"] if row["event"] == 16775][0]
    assert (spaced["key"], spaced["exe"], spaced["auid"]) == ("fa_watch", "/tmp/fa5/rec/w.vRJe/my prog", -1)


def test_executable_with_a_space_stays_one_value():
    rows = report("executable-3.0.9.txt")["rows"]
    spaced = [row for row in rows if row["event"] == 16775][0]
    assert spaced["exe"] == "/tmp/fa5/rec/w.vRJe/my prog"
    assert (spaced["term"], spaced["host"], spaced["auid"]) == ("(none)", "?", -1)


def test_auth_report():
    rows = report("auth-3.0.9.txt")["rows"]
    assert rows == [{"date": "11/26/26", "time": "16:54:10", "acct": "nobody", "host": "?", "term": "?",
                     "exe": "/usr/bin/su", "success": "yes", "event": 16777}]


@pytest.mark.parametrize("name", ["login-3.0.9.txt", "anomaly-3.0.9.txt"])
def test_report_without_events_has_columns_and_no_rows(name):
    parsed = report(name)
    assert parsed["columns"] and parsed["rows"] == []


def test_general_and_failed_summaries_are_values():
    summary = report("summary-3.0.9.txt")
    assert summary["rows"] == [] and summary["columns"] == []
    assert summary["values"]["number_of_changes_in_configuration"] == 6
    assert summary["values"]["number_of_authentications"] == 1
    assert summary["values"]["range_of_time_in_logs"].startswith("11/26/26 16:54:10.919")
    assert report("failed-3.0.9.txt")["title"] == "Failed Summary Report"


def test_command_line():
    assert command("aureport", "key", summary=True) == ["aureport", "--key", "--summary", "--input-logs"]
    assert command("aureport", "summary", input_path="/x") == ["aureport", "--input", "/x"]
    assert command("aureport", "auth", start="today", end="now") == [
        "aureport", "--auth", "--start", "today", "--end", "now", "--input-logs"]
    moment = time.mktime((2026, 11, 26, 16, 54, 10, 0, 0, -1))
    assert command("aureport", "login", start=moment)[2:5] == ["--start", "11/26/26", "16:54:10"]
    with pytest.raises(ValueError, match="unknown report 'nope'"):
        command("aureport", "nope")


def test_audit_4_0_reports():
    assert report("key-summary-4.0.2.txt")["rows"] == [{"total": 7, "key": "fa_watch"}, {"total": 4, "key": "fa_del"},
                                                       {"total": 4, "key": "fa_multi"}]
    rows = report("executable-4.0.2.txt")["rows"]
    assert [row["exe"] for row in rows if row["event"] == 140] == ["/tmp/w.nehP/my prog"]
    assert report("summary-4.0.2.txt")["values"]["number_of_authentications"] == 1
