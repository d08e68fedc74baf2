"""``auditctl -s`` and ``-l`` output of audit 3.0.9 and 4.0.2 (recorded) and the 2.x one-line form."""

import pytest

from ansible_collections.fleetaudit.auditd.plugins.module_utils.auditctl_output import (
    parse_rule_listing,
    parse_status,
    rule_keys,
    unavailable_reason,
)
from ansible_collections.fleetaudit.auditd.tests.unit.plugins.module_utils.audit_fixtures import VERSIONS, read


@pytest.mark.parametrize("version", VERSIONS)
def test_recorded_status(version):
    status = parse_status(read(version, "status.txt"))
    assert status["enabled"] == 1
    assert status["failure"] == 1
    assert isinstance(status["pid"], int) and status["pid"] > 0
    assert status["loginuid_immutable"] == 0
    assert status["loginuid_immutable_state"] == "unlocked"
    assert {"rate_limit", "backlog_limit", "lost", "backlog", "backlog_wait_time",
            "backlog_wait_time_actual"} <= set(status)


def test_immutable_and_locked_status():
    status = parse_status("enabled 2\nfailure 2\npid 0\nloginuid_immutable 1 locked\n")
    assert (status["enabled"], status["failure"], status["pid"]) == (2, 2, 0)
    assert (status["loginuid_immutable"], status["loginuid_immutable_state"]) == (1, "locked")


def test_old_one_line_status():
    status = parse_status("AUDIT_STATUS: enabled=1 flag=1 pid=812 rate_limit=0 backlog_limit=320 lost=0 backlog=0")
    assert status == {"enabled": 1, "failure": 1, "pid": 812, "rate_limit": 0, "backlog_limit": 320,
                      "lost": 0, "backlog": 0}


@pytest.mark.parametrize("version", VERSIONS)
def test_recorded_listing(version):
    lines = parse_rule_listing(read(version, "sets", "43-module-load.list"))
    assert len(lines) == 4
    assert all(line.startswith("-a always,exit") for line in lines)


@pytest.mark.parametrize("version", VERSIONS)
def test_keys_of_a_recorded_listing(version):
    keys = rule_keys(parse_rule_listing(read(version, "sets", "30-stig.list")))
    assert {"time-change", "system-locale", "identity", "perm_mod"} <= keys
    assert not [key for key in keys if key.startswith("-") or "=" in key]


def test_keys_of_watches_and_syscall_rules_with_several_keys():
    # As audit 3.0.9 prints them (this machine's kernel, recorded).
    lines = ["-w /tmp/fa-e -p wa -k a1 -k b2", "-a always,exit -F arch=b64 -S chmod -F key=c3 -F key=d4",
             "-a always,exit -F arch=b64 -S mount -F auid>=1000", "-a never,exclude -F msgtype=CWD"]
    assert rule_keys(lines) == {"a1", "b2", "c3", "d4"}
    assert rule_keys([]) == set()


def test_no_rules():
    assert parse_rule_listing("No rules\n") == []
    assert parse_rule_listing("") == []


def test_unavailable_reason_explains_a_refusal_to_root():
    reason = unavailable_reason(255, "", "You must be root to run this program.\n", is_root=True)
    assert reason.startswith("auditctl -s: You must be root to run this program.")
    assert "initial PID namespace" in reason
    assert unavailable_reason(1, "", "Operation not permitted", is_root=False) == "auditctl -s: Operation not permitted"
    assert unavailable_reason(1, "", "", is_root=True) == "auditctl -s: exit 1"
