"""fleetaudit.auditd.aureport on this machine's real log, and on a recorded one."""

import os

import pytest

from conftest import HOST_PYTHON, run_module
from keyed_events import FIXTURE_LOG, copy_of_live_log, keyed_serials, watched_events


@pytest.fixture(scope="module")
def watched():
    yield from watched_events()


def test_key_reports_cover_the_real_events(watched, tmp_path):
    log = copy_of_live_log(str(tmp_path / "audit.log"))
    expected = keyed_serials(watched.key, log)
    summary = run_module("aureport", {"report": "key", "summary": True, "input": log})
    assert summary["columns"] == ["total", "key"]
    totals = {row["key"]: row["total"] for row in summary["rows"]}
    # aureport also counts the rule's own add/remove events under the key.
    assert totals[watched.key] >= len(expected)
    detail = run_module("aureport", {"report": "key", "input": log})
    rows = [row for row in detail["rows"] if row["key"] == watched.key]
    assert set(expected) <= {row["event"] for row in rows}
    assert any(row["exe"] == watched.program for row in rows), "an executable path with a space stays whole"


def test_default_log_set_and_time_words(watched):
    result = run_module("aureport", {"report": "executable", "summary": True, "start": "recent"})
    assert result["cmd"][-1] == "--input-logs"
    assert watched.program in {row["file"] for row in result["rows"]}


def test_general_summary_values():
    result = run_module("aureport", {"input": FIXTURE_LOG})
    assert result["title"] == "Summary Report"
    assert result["general_summary"]["number_of_authentications"] == 1
    assert result["general_summary"]["number_of_changes_in_configuration"] == 6


def test_report_without_events_is_not_an_error():
    result = run_module("aureport", {"report": "login", "input": FIXTURE_LOG})
    assert result["rows"] == [] and result["count"] == 0 and result["title"] == "Login Report"


def test_host_without_a_log_yet_gets_reports_without_events(tmp_path):
    # As in a container without kernel audit: auditd.conf names a log that was never written.
    wrapper = tmp_path / "python-without-audit-log"
    wrapper.write_text("#!/bin/sh\nexec unshare --mount sh -c 'mount -t tmpfs none /var/log/audit && exec \"$0\" \"$@\"' "
                       "%s \"$@\"\n" % HOST_PYTHON)
    wrapper.chmod(0o755)
    interpreter = {"ansible_python_interpreter": str(wrapper)}
    detail = run_module("aureport", {"report": "key"}, extra_vars=interpreter)
    assert not detail.get("failed"), detail.get("msg")
    assert detail["title"] == "Key Report" and detail["rows"] == []
    assert run_module("aureport", {}, extra_vars=interpreter)["general_summary"]["number_of_events"] == 0


@pytest.mark.parametrize("args,message", [
    ({"input": "/nonexistent/audit.log"}, "does not exist"),
    ({"start": "tomorrow"}, "bad time"),
])
def test_bad_input_fails_clearly(args, message):
    result = run_module("aureport", args)
    assert "rows" not in result and message in result["msg"]


def test_text_that_is_not_utf8_comes_back_escaped():
    # A key or file name holds any bytes (auditctl -k takes them): aureport prints them raw, and a
    # result with invalid UTF-8 cannot reach the controller at all.
    log = os.path.join(os.path.dirname(FIXTURE_LOG), "non-utf8-key.log")
    result = run_module("aureport", {"report": "key", "input": log})
    assert not result.get("failed"), result.get("msg")
    assert [row["key"] for row in result["rows"]] == ["fa-caf\\xe9"]


def test_times_are_utc_and_the_text_is_left_out_when_asked():
    result = run_module("aureport", {"report": "key", "input": FIXTURE_LOG, "include_raw": False})
    assert "raw" not in result and result["columns"][0] == "time"
    # The recorded log's first keyed event, 2026-11-26 16:54:10 UTC, whatever the host's zone.
    assert result["rows"][0]["time"] == "2026-11-26T16:54:10.000Z"
    assert "Key Report" in run_module("aureport", {"report": "key", "input": FIXTURE_LOG})["raw"]
