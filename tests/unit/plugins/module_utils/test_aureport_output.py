"""aureport reports recorded from audit 3.0.9 (C locale) parsed into rows, and its command line.
`*-crafted-*.txt` are the real aureport's reports on ../../fixtures/logs/audit-crafted.log."""

import os
import time

import pytest

from ansible_collections.fleetaudit.auditd.plugins.module_utils.redaction import DEFAULT_REDACT_PATTERNS, Redactor
from ansible_collections.fleetaudit.auditd.plugins.module_utils.aureport_output import command, parse, redacted

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "aureport")


def report_text(name):
    with open(os.path.join(FIXTURES, name), encoding="utf-8") as handle:
        return handle.read()


def report(name):
    return parse(report_text(name))


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
    assert len(parsed["rows"]) == parsed["count"] == 12
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
    assert parsed["columns"] and parsed["rows"] == [] and parsed["count"] == 0


def test_file_report_with_spaces_in_both_the_file_and_the_executable():
    rows = report("file-3.0.9.txt")["rows"]
    spaced = [row for row in rows if row["event"] == 16775][0]
    assert spaced == {"date": "11/26/26", "time": "16:54:10", "file": "/tmp/fa5/rec/w.vRJe/my prog", "syscall": "59",
                      "success": "yes", "exe": "/tmp/fa5/rec/w.vRJe/my prog", "auid": -1, "event": 16775}


def test_failed_login_of_an_invalid_user_keeps_the_account_whole():
    # sshd logs the account of an unknown user as "(invalid user)"; the login report shows it in
    # the auid column.
    rows = report("login-crafted-3.0.9.txt")["rows"]
    assert rows[0] == {"date": "11/26/26", "time": "19:06:40", "auid": "(invalid user)", "host": "203.0.113.5",
                       "term": "ssh", "exe": "/usr/sbin/sshd", "success": "no", "event": 900}
    assert rows[1]["auid"] == 1000 and rows[1]["term"] == "/dev/pts/0"
    assert report("auth-failed-crafted-3.0.9.txt")["rows"][0]["acct"] == "(invalid user)"


def test_avc_report_command_with_a_space_and_several_permissions():
    assert report("avc-crafted-3.0.9.txt")["rows"] == [{
        "date": "11/26/26", "time": "19:07:20", "comm": "my prog", "subj": "system_u:system_r:httpd_t:s0",
        "syscall": "257", "class": "file", "permission": "read write", "obj": "system_u:object_r:shadow_t:s0",
        "result": "denied", "event": 904}]


def test_tty_report_keystrokes_stay_in_data():
    assert report("tty-crafted-3.0.9.txt")["rows"] == [{
        "date": "11/26/26", "time": "19:07:10", "event": 903, "auid": 1000, "term": "?", "sess": 5, "comm": "bash",
        "data": '"ls -la /tmp",<ret>'}]


def test_anomaly_report_shows_the_command_when_the_executable_is_unknown():
    rows = report("anomaly-crafted-3.0.9.txt")["rows"]
    assert [(row["exe"], row["term"], row["auid"], row["event"]) for row in rows] == [
        ("/opt/my app/my prog", "?", 1000, 902), ("my prog", "?", 1000, 907)]


def test_row_of_an_unknown_shape_keeps_its_words_in_order():
    text = report_text("tty-crafted-3.0.9.txt").replace('"ls -la /tmp",<ret>', "not hex data")
    assert parse(text)["rows"][0] == {"date": "11/26/26", "time": "19:07:10", "event": 903, "auid": 1000, "term": "?",
                                      "sess": 5, "comm": "bash", "data": "not hex data"}


def test_summary_value_keeps_its_spaces():
    assert report("file-summary-crafted-3.0.9.txt")["rows"][-1] == {"total": 1, "file": "/tmp/a  b"}


def test_general_and_failed_summaries_are_values():
    summary = report("summary-3.0.9.txt")
    assert summary["rows"] == [] and summary["columns"] == [] and "count" not in summary
    assert summary["general_summary"]["number_of_changes_in_configuration"] == 6
    assert summary["general_summary"]["number_of_authentications"] == 1
    assert summary["general_summary"]["range_of_time_in_logs"].startswith("11/26/26 16:54:10.919")
    assert report("failed-3.0.9.txt")["title"] == "Failed Summary Report"


def test_command_line():
    assert command("aureport", "key", summary=True) == ["aureport", "--key", "--summary", "--input-logs"]
    assert command("aureport", "summary", input_path="/x") == ["aureport", "--input", "/x"]
    assert command("aureport", "key", node="web1") == ["aureport", "--key", "--node", "web1", "--input-logs"]
    assert command("aureport", "auth", start="today", end="now") == [
        "aureport", "--auth", "--start", "today", "--end", "now", "--input-logs"]
    moment = time.mktime((2026, 11, 26, 16, 54, 10, 0, 0, -1))
    assert command("aureport", "login", start=moment)[2:5] == ["--start", "11/26/26", "16:54:10"]
    with pytest.raises(ValueError, match="unknown report 'nope'"):
        command("aureport", "nope")


def test_only_failed_or_only_successful_events():
    assert command("aureport", "auth", success=False) == ["aureport", "--auth", "--failed", "--input-logs"]
    assert command("aureport", "key", summary=True, success=True)[:4] == ["aureport", "--key", "--summary", "--success"]
    with pytest.raises(ValueError, match="report failed already"):
        command("aureport", "failed", success=True)


def test_process_id_report():
    rows = report("pid-3.0.9.txt")["rows"]
    assert rows[4] == {"date": "11/26/26", "time": "16:54:10", "pid": 11292, "exe": "/tmp/fa5/rec/w.vRJe/my prog",
                       "syscall": "59", "auid": -1, "event": 16775}
    assert command("aureport", "pid", summary=True)[1:3] == ["--pid", "--summary"]


def test_audit_4_0_reports():
    assert report("key-summary-4.0.2.txt")["rows"] == [{"total": 7, "key": "fa_watch"}, {"total": 4, "key": "fa_del"},
                                                       {"total": 4, "key": "fa_multi"}]
    rows = report("executable-4.0.2.txt")["rows"]
    assert [row["exe"] for row in rows if row["event"] == 140] == ["/tmp/w.nehP/my prog"]
    assert report("summary-4.0.2.txt")["general_summary"]["number_of_authentications"] == 1


def test_a_tty_report_is_redacted():
    # aureport --tty shows the keystrokes that TTY records hold, decoded.
    with open(os.path.join(FIXTURES, "tty-3.0.9.txt"), encoding="utf-8") as handle:
        text = handle.read()
    assert "hunter2" in text
    text = redacted(text, Redactor(DEFAULT_REDACT_PATTERNS))
    assert "hunter2" not in text
    assert parse(text)["rows"][0]["event"] == 16783
