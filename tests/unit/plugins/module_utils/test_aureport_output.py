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


@pytest.mark.parametrize("report", ["summary", "failed", "success"])
def test_summary_of_a_general_summary_is_refused_not_ignored(report):
    # aureport --summary alone, or with --failed or --success, prints the general summary unchanged.
    with pytest.raises(ValueError, match="report %s is a general summary already: leave summary out" % report):
        command("aureport", report, summary=True)


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


# Times as events have them. aureport prints the host's local time; the `-tz-*` reports were
# recorded here with LC_ALL=C and that TZ, the `-de_DE` / `-en_US` ones in those locales, all on
# ../../fixtures/logs/audit-crafted.log, whose own record times are the truth to compare with.
# The zones are given in POSIX form, the same offsets as the recordings' for these dates.
from ansible_collections.fleetaudit.auditd.plugins.module_utils.aureport_output import (  # noqa: E402
    utc_time,
    with_utc_times,
)

CRAFTED_LOG = os.path.join(FIXTURES, "..", "logs", "audit-crafted.log")
ZONES = {"UTC": "UTC0", "Asia/Kolkata": "IST-5:30", "America/New_York": "EST5EDT,M3.2.0,M11.1.0"}


@pytest.fixture
def zone(monkeypatch):
    def set_zone(name):
        monkeypatch.setenv("TZ", ZONES[name])
        time.tzset()
    yield set_zone
    monkeypatch.undo()
    time.tzset()


def logged_times():
    """{serial: (seconds, milliseconds)} of the crafted log's records."""
    import re
    with open(CRAFTED_LOG, encoding="utf-8") as handle:
        stamps = re.findall(r"msg=audit\((\d+)\.(\d{3}):(\d+)\)", handle.read())
    return {int(serial): (int(sec), int(ms)) for sec, ms, serial in stamps}


def iso(seconds, ms=0):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + ".%03dZ" % ms


@pytest.mark.parametrize("name,recorded_in", [
    ("login-crafted-3.0.9.txt", "UTC"),
    ("login-crafted-3.0.9-tz-Asia_Kolkata.txt", "Asia/Kolkata"),
    ("tty-crafted-3.0.9.txt", "UTC"),
    ("avc-crafted-3.0.9.txt", "UTC"),
    ("anomaly-crafted-3.0.9.txt", "UTC"),
])
def test_row_times_are_the_events_times_in_utc_whatever_the_hosts_zone(zone, name, recorded_in):
    zone(recorded_in)
    parsed = with_utc_times(report(name))
    assert parsed["columns"][0] == "time" and "date" not in parsed["columns"]
    truth = logged_times()
    assert parsed["rows"]
    for row in parsed["rows"]:
        assert "date" not in row
        # aureport prints whole seconds.
        assert row["time"] == iso(truth[row["event"]][0])


def test_the_same_report_read_in_another_zone_would_be_hours_off(zone):
    # What the conversion guards against: the zone must be the one aureport printed in.
    zone("UTC")
    row = with_utc_times(report("login-crafted-3.0.9-tz-Asia_Kolkata.txt"))["rows"][0]
    assert row["time"] != iso(logged_times()[row["event"]][0])


def test_general_summary_ranges_keep_their_milliseconds(zone):
    zone("America/New_York")
    summary = with_utc_times(report("summary-crafted-3.0.9-tz-America_New_York.txt"))["general_summary"]
    times = sorted(logged_times().values())
    assert summary["range_of_time_in_logs"] == {"start": iso(*times[0]), "end": iso(*times[-1])}
    assert summary["selected_time_for_report"] == {"start": iso(times[0][0]), "end": iso(*times[-1])}
    assert summary["number_of_logins"] == 1


def test_a_summary_without_events_has_no_time_range(zone):
    # aureport prints the epoch in local time (05:30 in Kolkata) when it found nothing.
    zone("Asia/Kolkata")
    assert "01/01/70 05:30:00.000" in report_text("summary-empty-3.0.9-tz-Asia_Kolkata.txt")
    summary = with_utc_times(report("summary-empty-3.0.9-tz-Asia_Kolkata.txt"))["general_summary"]
    assert summary["range_of_time_in_logs"] is None and summary["selected_time_for_report"] is None
    assert summary["number_of_events"] == 0


def test_reports_without_times_are_unchanged(zone):
    zone("America/New_York")
    assert with_utc_times(report("key-summary-crafted-3.0.9-tz-America_New_York.txt")) == report(
        "key-summary-crafted-3.0.9-tz-America_New_York.txt")
    empty = with_utc_times(report("login-3.0.9.txt"))
    assert empty["columns"][:2] == ["time", "auid"] and empty["rows"] == []


@pytest.mark.parametrize("name,printed", [
    ("auth-crafted-3.0.9-de_DE.txt", "26.11.2026 20:06:40"),
    ("tty-crafted-3.0.9-en_US.txt", "11/26/2026 14:07:10"),
])
def test_a_report_printed_in_another_locale_is_refused_not_misread(zone, name, printed):
    zone("UTC")
    with pytest.raises(ValueError, match="aureport printed the time '%s', not in the C locale's form.*LC_ALL=C"
                       % printed):
        with_utc_times(report(name))


def test_a_repeated_hour_at_the_end_of_summer_time_is_read_as_the_first(zone):
    # 01:30 happened twice in New York on 2026-11-01: at 05:30Z (EDT) and at 06:30Z (EST).
    zone("America/New_York")
    assert utc_time("11/01/26 01:30:00") == "2026-11-01T05:30:00.000Z"
    assert utc_time("11/01/26 02:30:00") == "2026-11-01T07:30:00.000Z"
