"""fleetaudit.auditd.auditd_service on this machine's real daemon."""

import subprocess

from conftest import auditd_pids, run_module


def test_restart_really_restarts_the_daemon():
    before = auditd_pids()
    result = run_module("auditd_service", {"state": "restarted"})
    assert result["changed"] is True and result["previous_pid"] == before[0]
    assert auditd_pids() == [result["pid"]] != before


def test_check_mode_restart_leaves_the_daemon_alone():
    before = auditd_pids()
    result = run_module("auditd_service", {"state": "restarted"}, check=True)
    assert result["changed"] is True
    assert auditd_pids() == before


def test_reload_keeps_the_daemon_and_started_is_idempotent():
    before = auditd_pids()
    assert run_module("auditd_service", {"state": "reloaded"})["changed"] is True
    result = run_module("auditd_service", {"state": "started"})
    assert result["changed"] is False and result["service_manager"] == "direct"
    assert auditd_pids() == before


def test_started_starts_a_stopped_daemon():
    [pid] = auditd_pids()
    subprocess.run(["kill", "-TERM", str(pid)], check=True)
    subprocess.run(["sh", "-c", "while kill -0 %d 2>/dev/null; do sleep 0.1; done" % pid], timeout=30, check=True)
    result = run_module("auditd_service", {"state": "started"})
    assert result["changed"] is True and result["previous_pid"] == 0
    assert auditd_pids() == [result["pid"]]
