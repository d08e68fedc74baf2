# -*- coding: utf-8 -*-
# Copyright (c) fleetaudit maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Verdicts per check and per host, and the fleet's summary line."""

from __future__ import annotations

import copy

import pytest

from ansible_collections.fleetaudit.auditd.plugins.module_utils import report_checks as fr

from ansible_collections.fleetaudit.auditd.tests.unit.plugins.module_utils.report_fixtures import GIB, df_result, docker_observed, healthy, probe, skipping


def verdict(observed, policy=None):
    return fr.evaluate_host(observed, policy)


def statuses(result):
    return {check_id: check["status"] for check_id, check in result["checks"].items()}


def test_healthy_host_passes_every_check_in_report_order():
    result = verdict(healthy())
    assert result["status"] == fr.COMPLIANT
    assert list(result["checks"]) == list(fr.CHECK_IDS)
    assert set(statuses(result).values()) == {fr.PASS}


def test_kernel_rule_added_out_of_band_fails_drift_with_the_rule_as_evidence():
    observed = healthy()
    observed["disk_check"]["drift"]["extra"] = ["-w /tmp/x -p wa -k oob"]
    result = verdict(observed)
    assert result["status"] == fr.NONCOMPLIANT
    assert [c for c, s in statuses(result).items() if s == fr.FAIL] == ["rules_drift"]
    drift = result["checks"]["rules_drift"]
    assert drift["evidence"]["extra"] == ["-w /tmp/x -p wa -k oob"]
    assert "1 kernel rule(s) not on disk" in drift["message"]


def test_kernel_settings_or_order_differing_from_disk_is_drift():
    observed = healthy()
    observed["disk_check"]["drift"]["settings"] = {"backlog_limit": {"expected": 8192, "actual": 64}}
    check = verdict(observed)["checks"]["rules_drift"]
    assert check["status"] == fr.FAIL and "backlog_limit" in check["message"]
    assert check["evidence"]["settings"] == {"backlog_limit": {"expected": 8192, "actual": 64}}
    observed = healthy()
    observed["disk_check"]["drift"]["reordered"] = True
    assert "another order" in verdict(observed)["checks"]["rules_drift"]["message"]


def test_policy_settings_not_in_the_kernel_fail_required_rules_but_enabled_is_left_to_kernel_audit():
    observed = healthy()
    observed["policy_check"]["drift"]["settings"] = {"failure": {"expected": 2, "actual": 1},
                                                     "enabled": {"expected": 2, "actual": 1}}
    check = verdict(observed)["checks"]["required_rules"]
    assert check["status"] == fr.FAIL
    assert check["evidence"]["settings"] == {"failure": {"expected": 2, "actual": 1}}
    del observed["policy_check"]["drift"]["settings"]["failure"]
    assert verdict(observed)["checks"]["required_rules"]["status"] == fr.PASS


def test_stale_compiled_file_is_drift():
    observed = healthy()
    observed["disk_check"]["rules_changed"] = True
    assert verdict(observed)["checks"]["rules_drift"]["status"] == fr.FAIL


def test_required_rule_missing_from_kernel_fails_required_rules():
    observed = healthy()
    observed["policy_check"]["drift"] = {"missing": ["-w /etc/docker -p wa -k docker"], "extra": ["-w /x -k y"]}
    result = verdict(observed)
    assert statuses(result)["required_rules"] == fr.FAIL
    # Extra kernel rules relative to the policy are the drift check's business, not this one's.
    assert result["checks"]["required_rules"]["evidence"]["missing"] == ["-w /etc/docker -p wa -k docker"]
    assert statuses(result)["rules_drift"] == fr.PASS


@pytest.mark.parametrize("service, expected", [
    ({"running": False, "enabled": "enabled"}, "auditd is not running"),
    ({"running": True, "enabled": "disabled"}, "auditd is not enabled at boot"),
    ({"running": True, "enabled": "masked"}, "auditd is not enabled at boot"),
    ({"running": False, "enabled": False}, "auditd is not running and not enabled at boot"),
])
def test_service_problems_are_named(service, expected):
    observed = healthy()
    observed["info"]["service"] = service
    check = verdict(observed)["checks"]["service"]
    assert (check["status"], check["message"]) == (fr.FAIL, expected)


@pytest.mark.parametrize("enabled", [None, True, "static", "enabled-runtime"])
def test_service_running_and_enabled_or_without_a_service_manager_passes(enabled):
    observed = healthy()
    observed["info"]["service"] = {"running": True, "enabled": enabled, "pid": 5, "manager": "none"}
    assert verdict(observed)["checks"]["service"]["status"] == fr.PASS


def test_kernel_checks_without_an_augenrules_result_are_errors_not_passes():
    observed = healthy()
    observed["disk_check"] = {"skipped": True}
    result = verdict(observed)
    assert {c for c, s in statuses(result).items() if s == fr.ERROR} == fr.KERNEL_CHECKS
    assert result["status"] == fr.NONCOMPLIANT


def test_not_installed_fails_but_installed_without_a_version_passes():
    observed = healthy()
    observed["info"].update(installed=False, version=None)
    assert verdict(observed)["checks"]["installed"]["status"] == fr.FAIL
    observed["info"].update(installed=True)  # auditctl -v needs kernel audit in audit 3.0
    check = verdict(observed)["checks"]["installed"]
    assert (check["status"], check["message"]) == (fr.PASS, "auditd installed")


@pytest.mark.parametrize("enabled, immutable_policy, expected", [
    (0, False, fr.FAIL), (1, False, fr.PASS), (2, False, fr.PASS), (1, True, fr.FAIL), (2, True, fr.PASS),
])
def test_kernel_audit_enabled_and_immutable_policy(enabled, immutable_policy, expected):
    observed = healthy()
    observed["disk_check"].update(enabled=enabled, immutable=enabled == 2)
    check = verdict(observed, {"immutable": immutable_policy})["checks"]["kernel_audit"]
    assert check["status"] == expected
    assert check["evidence"]["enabled"] == enabled


def test_host_policy_goes_over_the_fleet_policy():
    observed = healthy()
    observed["policy"] = {"immutable": True}
    assert verdict(observed, {"immutable": False})["checks"]["kernel_audit"]["status"] == fr.FAIL
    observed["policy"] = {}
    assert verdict(observed, {"immutable": True})["checks"]["kernel_audit"]["status"] == fr.FAIL
    assert verdict(observed, {"immutable": False})["checks"]["kernel_audit"]["status"] == fr.PASS


def test_immutable_kernel_with_pending_rules_fails_with_the_pending_rules():
    observed = healthy()
    observed["disk_check"].update(enabled=2, immutable=True, reboot_required=True, pending=["-w /etc/x -k x"])
    check = verdict(observed, {"immutable": True})["checks"]["kernel_audit"]
    assert check["status"] == fr.FAIL
    assert check["evidence"]["pending"] == ["-w /etc/x -k x"]


def test_no_kernel_audit_is_its_own_status_not_compliant_and_not_failed():
    observed = healthy()
    observed["disk_check"] = {"kernel_available": False, "kernel_unavailable_reason": "Operation not permitted",
                              "rules_changed": False}
    observed["policy_check"] = {"kernel_available": False}
    observed["info"]["kernel_available"] = False
    result = verdict(observed)
    assert result["status"] == fr.NO_KERNEL_AUDIT
    assert {c for c, s in statuses(result).items() if s == fr.UNKNOWN} == fr.KERNEL_CHECKS
    assert "Operation not permitted" in result["checks"]["rules_drift"]["message"]
    report = fr.evaluate_fleet({"c1": observed})
    assert fr.failing_checks(report) == {}
    assert report["summary"][fr.NO_KERNEL_AUDIT] == 1 and report["summary"][fr.COMPLIANT] == 0


def test_no_kernel_audit_auditd_that_cannot_run_is_unknown_but_one_disabled_at_boot_fails():
    observed = healthy()
    observed["disk_check"] = {"kernel_available": False, "kernel_unavailable_reason": "container"}
    observed["info"]["service"] = {"running": False, "enabled": "enabled", "manager": "systemd"}
    result = verdict(observed)
    assert (result["status"], result["checks"]["service"]["status"]) == (fr.NO_KERNEL_AUDIT, fr.UNKNOWN)
    observed["info"]["service"]["enabled"] = "disabled"
    result = verdict(observed)
    assert (result["status"], result["checks"]["service"]["status"]) == (fr.NONCOMPLIANT, fr.FAIL)


def test_no_kernel_audit_and_a_real_failure_is_noncompliant():
    observed = healthy()
    observed["disk_check"] = {"kernel_available": False, "kernel_unavailable_reason": "container"}
    observed["info"]["conf"]["space_left"] = "lots"
    assert verdict(observed)["status"] == fr.NONCOMPLIANT


@pytest.mark.parametrize("status, policy, failing_words", [
    ({"lost": 7}, {}, "7 event(s) lost"),
    ({"lost": 7}, {"max_lost_events": 10}, None),
    ({"backlog": 6600, "backlog_limit": 8192}, {}, "backlog 6600 is at 80% of its limit 8192"),
    ({"backlog": 6500, "backlog_limit": 8192}, {}, None),
    ({"backlog": 100, "backlog_limit": 0}, {}, None),
])
def test_lost_events_and_backlog(status, policy, failing_words):
    observed = healthy()
    observed["info"]["status"].update(status)
    check = verdict(observed, policy)["checks"]["events_lost"]
    if failing_words:
        assert check["status"] == fr.FAIL and failing_words in check["message"]
        assert check["evidence"]["lost"] == observed["info"]["status"]["lost"]
    else:
        assert check["status"] == fr.PASS


@pytest.mark.parametrize("free_mb, space_left, expected", [
    (2048, "75", fr.PASS),
    (75, "75", fr.FAIL),  # at space_left: auditd is already acting
    (100, "75", fr.FAIL),  # within the 50% margin
    (113, "75", fr.PASS),
    (1100, "25%", fr.FAIL),  # 25% of 4 GiB is 1024 MB, margin makes 1536
    (1600, "25%", fr.PASS),
    (2048, "lots", fr.FAIL),
])
def test_log_space_against_space_left(free_mb, space_left, expected):
    observed = healthy()
    observed["info"]["conf"]["space_left"] = space_left
    observed["df"] = df_result(free_mb * 1024 * 1024, 4 * GIB)
    check = verdict(observed)["checks"]["log_space"]
    assert check["status"] == expected, check["message"]
    assert check["evidence"]["mount"] == "/var/log/audit"
    assert check["evidence"]["log_size"] == 123456


@pytest.mark.parametrize("df", [
    {"rc": 1, "stdout": "", "stderr": "df: /var/log/audit: No such file or directory\n"},
    # The compliance role's probe: df's stderr in its stdout.
    {"stdout": "df: /var/log/audit: No such file or directory\r\n"},
])
def test_log_space_when_df_failed_is_an_error_with_its_message(df):
    observed = healthy()
    observed["df"] = df
    check = verdict(observed)["checks"]["log_space"]
    assert check["status"] == fr.ERROR
    assert check["message"].endswith("cannot tell the free space where /var/log/audit/audit.log is: "
                                     "df: /var/log/audit: No such file or directory"), check["message"]


def test_parse_df_of_an_overlay_root_and_a_mount_point_with_spaces():
    overlay = ("Filesystem     1024-blocks     Used Available Capacity Mounted on\n"
               "overlay          264212084 32160896  74230016      31% /\n")
    assert fr.parse_df(overlay) == {"mount": "/", "size_total": 264212084 * 1024, "size_available": 74230016 * 1024}
    spaced = "Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/sdb1 100 40 60 40% /srv/audit logs\n"
    assert fr.parse_df(spaced)["mount"] == "/srv/audit logs"
    assert fr.parse_df("") is None
    assert fr.parse_df("Filesystem 1024-blocks Used Available Capacity Mounted on\n") is None


def test_auditd_conf_compares_required_settings_without_case():
    observed = healthy()
    policy = {"auditd_conf": {"log_format": "enriched", "max_log_file": 8, "num_logs": 5, "Space_Left_Action": "syslog"}}
    check = verdict(observed, policy)["checks"]["auditd_conf"]
    assert check["status"] == fr.FAIL
    assert check["evidence"]["mismatches"] == {"num_logs": {"required": 5, "actual": None}}
    del policy["auditd_conf"]["num_logs"]
    assert verdict(observed, policy)["checks"]["auditd_conf"]["status"] == fr.PASS


def test_auditd_conf_written_after_the_daemon_started_fails_with_both_times():
    observed = healthy()
    observed["info"]["service"].update(started=1796425662.5)
    observed["info"].update(conf_mtime=1796425700.0, conf_changed_since_start=True)
    check = verdict(observed)["checks"]["auditd_conf"]
    assert check["status"] == fr.FAIL
    assert check["message"] == ("auditd.conf changed since the daemon started (file 2026-12-04T23:08:20Z, "
                                "daemon 2026-12-04T23:07:42Z): restart auditd")
    assert check["evidence"] == {"conf_mtime": "2026-12-04T23:08:20Z", "daemon_started": "2026-12-04T23:07:42Z"}
    observed["info"]["conf_changed_since_start"] = False
    assert verdict(observed)["checks"]["auditd_conf"]["status"] == fr.PASS


def test_unreachable_and_missing_hosts_are_reported_not_hidden():
    report = fr.evaluate_fleet({
        "web1": healthy(),
        "db1": {"unreachable": True, "msg": "ssh: connect to host db1 port 22: Connection refused"},
        "gone": None,
        "odd": {"errors": {"auditd_info": "auditctl: permission denied"}},
    })
    by_host = {host["host"]: host for host in report["hosts"]}
    assert [host["host"] for host in report["hosts"]] == ["db1", "gone", "odd", "web1"]
    assert by_host["db1"]["status"] == fr.UNREACHABLE
    assert "Connection refused" in by_host["db1"]["checks"]["installed"]["message"]
    assert by_host["gone"]["status"] == fr.HOST_ERROR
    assert by_host["odd"]["status"] == fr.HOST_ERROR
    assert "permission denied" in by_host["odd"]["checks"]["service"]["message"]
    assert set(fr.failing_checks(report)) == {"db1", "gone", "odd"}
    line = fr.summary_line(report)
    assert line.startswith("4 host(s): 1 compliant, 1 unreachable, 2 error")
    assert "db1 (unreachable)" in line


def test_summary_line_names_hosts_and_failing_checks():
    drifted, stopped = healthy(), healthy()
    drifted["disk_check"]["drift"]["extra"] = ["-a always,exit -F arch=b64 -S mount -k m"]
    stopped["info"]["service"]["running"] = False
    report = fr.evaluate_fleet({"a": healthy(), "b": drifted, "c": stopped})
    assert fr.summary_line(report) == "3 host(s): 1 compliant, 2 noncompliant; b (rules_drift); c (service)"
    assert fr.failing_checks(report) == {"b": ["rules_drift"], "c": ["service"]}


def test_evaluation_does_not_modify_its_input():
    observed = healthy()
    before = copy.deepcopy(observed)
    fr.evaluate_fleet({"a": observed}, {"auditd_conf": {"log_format": "RAW"}})
    assert observed == before


def test_skipped_rules_are_a_warning_of_required_rules_not_all_required_rules_loaded():
    result = verdict(skipping("/usr/bin/dockerd", "/etc/docker"))
    check = result["checks"]["required_rules"]
    assert result["status"] == fr.COMPLIANT and check["status"] == fr.WARN
    assert check["message"] == ("2 rule(s) not loaded because their paths do not exist here (docker 2), "
                                "not among the allowed skips")
    assert check["evidence"]["skipped"][0] == {"file": "30-fleetaudit-docker.rules", "source": "docker", "line": 2,
                                               "rule": "-w /usr/bin/dockerd -p wa -k docker",
                                               "path": "/usr/bin/dockerd", "allowed": False}


@pytest.mark.parametrize("allowed", [["docker"], ["30-fleetaudit-docker.rules"], ["30-fleetaudit-docker"],
                                     ["/usr/bin/*", "/etc/docker"], ["dock*"], ["/etc/docker/", "/usr/bin/dockerd"]])
def test_allowed_skips_by_source_file_or_path_glob_pass_and_stay_listed(allowed):
    check = verdict(skipping("/usr/bin/dockerd", "/etc/docker"), {"allowed_skips": allowed})["checks"]["required_rules"]
    assert check["status"] == fr.PASS
    assert check["message"] == "all required rules are loaded, 2 skipped as the policy allows (docker 2)"
    assert [entry["allowed"] for entry in check["evidence"]["skipped"]] == [True, True]


@pytest.mark.parametrize("allowed", [["/usr/bin/dockerd"], ["30-stig"], ["/etc/*/daemon.json"], ["docker.rules"]])
def test_skips_the_policy_does_not_cover_stay_warnings(allowed):
    check = verdict(skipping("/usr/bin/dockerd", "/etc/docker"), {"allowed_skips": allowed})["checks"]["required_rules"]
    assert check["status"] == fr.WARN


def test_unallowed_skips_fail_when_the_policy_says_so_and_a_bad_setting_is_refused():
    result = verdict(skipping("/etc/docker"), {"unallowed_skips": "fail"})
    assert result["status"] == fr.NONCOMPLIANT and result["checks"]["required_rules"]["status"] == fr.FAIL
    observed = skipping("/etc/docker")
    observed["policy"] = {"unallowed_skips": "ignore"}
    with pytest.raises(ValueError, match="unallowed_skips must be one of warn, fail, not 'ignore'"):
        verdict(observed)


def test_missing_rules_still_fail_beside_skips():
    observed = skipping("/etc/docker")
    observed["policy_check"]["drift"]["missing"] = ["-w /etc/passwd -p wa -k identity"]
    check = verdict(observed)["checks"]["required_rules"]
    assert check["status"] == fr.FAIL and check["message"].startswith("1 required rule(s) not loaded; 1 rule(s) not loaded")


def test_a_host_without_kernel_audit_still_lists_its_skipped_rules():
    container = skipping("/usr/bin/dockerd")
    container["disk_check"] = {"kernel_available": False, "kernel_unavailable_reason": "Operation not permitted"}
    result = verdict(container)
    assert result["status"] == fr.NO_KERNEL_AUDIT
    assert [entry["path"] for entry in result["checks"]["required_rules"]["evidence"]["skipped"]] == ["/usr/bin/dockerd"]


def test_remote_logging_is_checked_only_when_the_policy_asks():
    assert "remote_logging" not in verdict(healthy())["checks"]
    observed = dict(healthy(), remote_logging=probe())
    result = verdict(observed, {"remote_logging": True})
    assert list(result["checks"])[-1] == "remote_logging"
    assert result["status"] == fr.COMPLIANT
    assert result["checks"]["remote_logging"]["message"] == (
        "probe found on collector collector1 under node web1 after about 2 s (bound 30 s)")


@pytest.mark.parametrize("changes, status, message", [
    ({"found": False}, fr.FAIL, "probe fleetaudit-probe-0123abcd not found on collector collector1 under node web1 "
                                "within 30 s"),
    ({"node": None}, fr.FAIL, "the host's records carry no node name (auditd.conf name_format), so a collector "
                              "cannot tell its events apart"),
    ({"written": False, "write_error": "Operation not permitted"}, fr.FAIL,
     "could not write the probe event: Operation not permitted"),
    ({"search_error": "unreachable"}, fr.ERROR, "cannot search the collector collector1: unreachable"),
])
def test_a_probe_that_did_not_arrive_makes_the_host_noncompliant(changes, status, message):
    result = verdict(dict(healthy(), remote_logging=probe(**changes)), {"remote_logging": True})
    assert result["checks"]["remote_logging"]["status"] == status
    assert result["checks"]["remote_logging"]["message"] == message
    assert result["status"] == fr.NONCOMPLIANT


def test_docker_host_with_its_files_watched_passes_with_the_docker_group_as_evidence():
    check = verdict(healthy())["checks"]["docker"]
    assert check["status"] == fr.PASS
    assert check["evidence"]["watched_paths"] == ["/usr/sbin/dockerd", "/usr/bin/docker", "/usr/sbin/runc"]
    assert check["evidence"]["docker_group"] == ["alice"]
    assert "docker group: alice" in check["message"]


def test_docker_file_not_watched_in_the_kernel_fails_with_its_rule():
    observed = healthy()
    observed["policy_check"]["drift"]["missing"] = ["-w /usr/sbin/runc -p rwxa -k cis-docker-1.1.18 -k docker"]
    result = verdict(observed)
    check = result["checks"]["docker"]
    assert result["status"] == fr.NONCOMPLIANT and check["status"] == fr.FAIL
    assert check["evidence"]["not_loaded"] == ["-w /usr/sbin/runc -p rwxa -k cis-docker-1.1.18 -k docker"]
    assert check["message"] == "1 Docker file(s) not watched in the kernel"


def test_docker_host_whose_policy_has_no_docker_bundle_fails():
    observed = healthy()
    observed["docker"] = docker_observed(in_policy=False)
    check = verdict(observed)["checks"]["docker"]
    assert check["status"] == fr.FAIL
    assert "no docker bundle: 3 Docker file(s) not audited" in check["message"]


def test_host_without_docker_passes_even_with_leftover_docker_files():
    observed = healthy()
    observed["docker"] = docker_observed(found={"/usr/sbin/runc": "/usr/sbin/runc"}, members=None)
    check = verdict(observed)["checks"]["docker"]
    assert (check["status"], check["message"]) == (fr.PASS, "Docker is not installed")


def test_docker_not_looked_at_is_an_error():
    observed = healthy()
    del observed["docker"]
    assert verdict(observed)["checks"]["docker"]["status"] == fr.ERROR


def test_docker_file_made_after_boot_is_evidence_not_a_failure():
    observed = healthy()
    observed["docker"] = docker_observed(found={"/usr/sbin/dockerd": "/usr/sbin/dockerd",
                                                "/usr/sbin/runc": "/usr/sbin/runc"})
    observed["docker"]["watches"].append({"cis": "1.1.8", "what": "containerd socket", "exists": True, "after_boot": True,
                                          "path": "/run/containerd/containerd.sock", "rule": "-w /run/containerd/containerd.sock"})
    check = verdict(observed)["checks"]["docker"]
    assert check["status"] == fr.PASS
    assert check["evidence"]["made_after_boot"] == ["/run/containerd/containerd.sock"]
    assert "/run/containerd/containerd.sock" not in check["evidence"]["watched_paths"]


def test_versions_come_from_each_tool_and_a_container_gets_the_audit_tools_version_from_ausearch():
    observed = healthy()
    observed["info"]["version"] = None  # auditctl -v needs kernel audit in audit 3.0
    observed["facts"] = {"audit_tools": "ausearch version 3.0.9", "kernel": "6.1.0-28-amd64", "distribution": "Debian 12 "}
    observed["docker"]["engine"] = "Docker version 20.10.24+dfsg1, build 5d6db84"
    assert fr.host_facts(observed) == {"auditd_version": "3.0.9", "kernel": "6.1.0-28-amd64",
                                       "distribution": "Debian 12", "docker_version": "20.10.24+dfsg1"}
    assert fr.host_facts({"unreachable": True}) == dict.fromkeys(("auditd_version", "kernel", "distribution",
                                                                  "docker_version"))
    assert verdict(observed)["checks"]["docker"]["evidence"]["engine_version"] == "20.10.24+dfsg1"


def test_cis_docker_controls_covered_not_loaded_or_absent():
    observed = healthy()
    observed["policy_check"]["drift"]["missing"] = ["-w /usr/sbin/runc -p rwxa -k cis-docker-1.1.18 -k docker"]
    controls = verdict(observed)["checks"]["docker"]["evidence"]["controls"]
    assert [(entry["cis"], entry["state"], entry["paths"]) for entry in controls] == [
        ("1.1.3", "covered", ["/usr/sbin/dockerd"]), ("1.1.13", "absent", ["/etc/sysconfig/docker"]),
        ("1.1.18", "not-loaded", ["/usr/sbin/runc"])]


@pytest.mark.parametrize("change, check_id, action", [
    (lambda o: o["disk_check"].update(enabled=2, reboot_required=True, pending=["+ -w /x"]), "kernel_audit",
     "immutable: reboot needed to load the pending rules"),
    (lambda o: o["disk_check"]["drift"].update(missing=["-w /etc/passwd -p wa -k identity"]), "rules_drift",
     "rule file drift: run site.yml"),
    (lambda o: o["info"].update(conf_changed_since_start=True, conf_mtime=2000, service=dict(o["info"]["service"], started=1000)),
     "auditd_conf", "auditd.conf changed since the daemon started: restart auditd"),
    (lambda o: o["info"]["service"].update(running=False), "service", "start and enable auditd: run site.yml"),
])
def test_each_finding_says_what_to_do(change, check_id, action):
    observed = healthy()
    change(observed)
    host = fr.evaluate_fleet({"h": observed})["hosts"][0]
    assert host["checks"][check_id]["action"] == action
    assert all("action" not in verdict for name, verdict in host["checks"].items() if name != check_id)
