"""The public event object: its JSON, its summary, its time."""

import os

import pytest

from ansible_collections.fleetaudit.auditd.plugins.module_utils.event_json import iso_time
from ansible_collections.fleetaudit.auditd.plugins.module_utils.records import parse_record
from ansible_collections.fleetaudit.auditd.plugins.module_utils.redaction import DEFAULT_REDACT_PATTERNS, REDACTED, Redactor
from ansible_collections.fleetaudit.auditd.tests.unit.plugins.module_utils.recorded_events import LOGS, ODD_LINES, build_event, lines_of, records_of


def test_iso_time_is_utc_with_milliseconds():
    assert iso_time(1795712050, 7) == "2026-11-26T16:54:10.007Z"


def test_event_summary_of_an_execution(redactor):
    event = build_event(records_of("audit-3.0.9-enriched.log", 16775), redactor)
    assert event["serial"] == 16775 and event["keys"] == ["fa_watch"]
    assert event["time"] == "2026-11-26T16:54:10.931Z"
    summary = event["summary"]
    assert summary["type"] == "SYSCALL" and summary["syscall"] == "execve"
    assert summary["success"] is True
    assert (summary["pid"], summary["ppid"], summary["uid"], summary["auid"]) == (11292, 11277, 0, 4294967295)
    assert (summary["uid_name"], summary["auid_name"]) == ("root", "unset")
    assert summary["cwd"] == "/tmp/fa5/rec"
    assert summary["paths"] == ["/tmp/fa5/rec/w.vRJe/my prog", "/lib64/ld-linux-x86-64.so.2"]
    assert summary["argv"] == ["/tmp/fa5/rec/w.vRJe/my prog", "arg with space", "--password=" + REDACTED,
                               "--token", REDACTED]


def test_syscall_event_summary_in_raw_format_has_numbers(redactor):
    summary = build_event(records_of("audit-3.0.9-raw.log", 16792), redactor)["summary"]
    assert summary["syscall"] == "263" and summary["success"] is False and summary["uid_name"] is None


def test_user_message_summary_success_from_res(redactor):
    summary = build_event(records_of("audit-3.0.9-enriched.log", 16777), redactor)["summary"]
    assert summary["type"] == "USER_AUTH" and summary["success"] is True and summary["exe"] == "/usr/bin/su"


@pytest.mark.parametrize("name", sorted(n for n in os.listdir(LOGS) if n.endswith(".log")) + [None])
def test_event_json_holds_exactly_the_parsed_fields(name):
    records = [parse_record(line) for line in (lines_of(name) if name else ODD_LINES)]
    by_serial = {}
    for record in records:
        by_serial.setdefault(record["serial"], []).append(record)
    for serial, group in by_serial.items():
        event = build_event(group, Redactor(DEFAULT_REDACT_PATTERNS))
        assert event["records"] == [dict((k, r[k]) for k in ("type", "fields", "interpreted") if k in r)
                                    for r in group], serial
    if name is None:
        assert [r["fields_json"] for r in records[:5]] == [None] * 5
        assert records[5]["interpreted_json"] is None
