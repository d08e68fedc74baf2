"""fleetaudit.auditd.auditd_info against this machine's kernel and daemon, and in a PID namespace
of its own, where the kernel refuses audit requests as it does in a container."""

import os
import subprocess

from conftest import auditctl, auditd_pids, kernel_rules, kernel_status, run_module


def test_facts_match_the_kernel_and_the_daemon():
    auditctl("-w", "/etc/hosts", "-p", "wa", "-k", "fa-info")
    try:
        result = run_module("auditd_info", {})
        rules = kernel_rules()
    finally:
        auditctl("-W", "/etc/hosts", "-p", "wa", "-k", "fa-info")
    status = kernel_status()
    assert not result.get("failed") and result["changed"] is False
    assert result["kernel_available"] and result["installed"]
    assert result["loaded_rules"] == len(rules) >= 1
    for key in ("enabled", "failure", "pid", "backlog_limit", "rate_limit", "backlog_wait_time"):
        assert result["status"][key] == int(status[key]), key
    assert result["status"]["loginuid_immutable"] == 0 and result["loginuid_immutable"] is False
    assert result["enabled"] == 1 and result["immutable"] is False
    version = subprocess.run(["auditctl", "-v"], capture_output=True, text=True, check=True).stdout
    assert result["version"] and result["version"] in version
    assert result["service"]["running"] and result["service"]["pid"] in auditd_pids()
    assert result["service"]["pid"] == int(status["pid"])


def test_log_file_and_conf():
    result = run_module("auditd_info", {})
    conf = {}
    with open("/etc/audit/auditd.conf") as handle:
        for line in handle:
            if "=" in line and not line.lstrip().startswith("#"):
                name, value = line.split("=", 1)
                conf[name.strip()] = value.strip()
    assert result["conf"] == conf
    path = conf.get("log_file", "/var/log/audit/audit.log")
    assert result["log_file"]["path"] == path
    assert result["log_file"]["exists"] and 0 < result["log_file"]["size"] <= os.path.getsize(path)


def test_missing_conf_is_an_empty_dict(tmp_path):
    result = run_module("auditd_info", {"conf_path": str(tmp_path / "absent.conf")})
    assert result["conf"] == {} and result["log_file"]["path"] == "/var/log/audit/audit.log"


def test_no_kernel_audit_is_reported_not_failed(namespaced_python):
    result = run_module("auditd_info", {}, extra_vars={"ansible_python_interpreter": namespaced_python})
    assert not result.get("failed"), result.get("msg")
    assert result["kernel_available"] is False
    assert "Operation not permitted" in result["kernel_unavailable_reason"]
    assert "status" not in result and result["installed"] and result["version"]
