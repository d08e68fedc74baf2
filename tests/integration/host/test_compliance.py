"""Compliance playbook on this machine's real kernel: verdicts, report files, exit status, schedule.

The auditd role first puts the machine under a small policy; the compliance playbook then checks
that same policy read-only. Each test breaks one thing for real (a rule added with auditctl, a
required rule removed from disk and kernel, auditd stopped, an unreachable host) and puts it back.
"""

import json
import os
import re
import shutil
import signal
import subprocess
import time
import xml.etree.ElementTree as ET

import pytest

from ansible_collections.fleetaudit.auditd.tests.unit.plugins.module_utils.report_fixtures import parse_html
from conftest import HOST_PYTHON, RULES_DIR, RULES_FILE, auditctl, auditd_pids, kernel_rules, run_module, snapshot_dir

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
CONF = "/etc/audit/auditd.conf"
CHECKS = ["installed", "service", "kernel_audit", "rules_drift", "required_rules", "events_lost", "log_space",
          "auditd_conf", "docker"]
# This machine is a Docker host (the lane installs docker.io): the policy audits it.
POLICY = {
    "auditd_rule_bundles": ["base", "docker"],
    "auditd_rules": [{"watch": "/etc/hosts", "perms": "wa", "key": "fa-compliance"}],
    "auditd_conf": {"num_logs": 6},
    # CIS Docker paths that Debian's docker.io lacks here (and the containerd socket, which exists
    # only once dockerd runs) are skipped; the docker check still fails on any existing Docker file
    # that is not watched.
    "compliance_allowed_skips": ["docker"],
}
LOCAL_RULES = os.path.join(RULES_DIR, "70-fleetaudit-local.rules")
# Root already, and no sudo on this machine: the playbooks' `become` is switched off per host.
INVENTORY = "localhost ansible_connection=local ansible_become=false ansible_python_interpreter=%s\n" % HOST_PYTHON


def write_vars(tmp_path, **extra):
    path = tmp_path / "policy.json"
    # The kernel's `lost` counter runs since boot and other lanes share this kernel: tolerate what
    # was lost before this run, so the check fails only on events lost from here on.
    lost = int(subprocess.run(["auditctl", "-s"], capture_output=True, text=True, check=True)
               .stdout.split("lost ")[1].split()[0])
    path.write_text(json.dumps(dict(POLICY, compliance_max_lost_events=lost, **extra)))
    return path


def comply(tmp_path, *args, inventory=INVENTORY, **extra_vars):
    """Runs `ansible-playbook fleetaudit.auditd.compliance` from tmp_path; returns (process, report)."""
    (tmp_path / "inventory.ini").write_text(inventory)
    proc = subprocess.run(
        ["ansible-playbook", "-i", "inventory.ini", "-e", "@%s" % write_vars(tmp_path, **extra_vars),
         "fleetaudit.auditd.compliance", *args],
        cwd=str(tmp_path), capture_output=True, text=True, check=False)
    latest = tmp_path / "audit-reports" / "latest" / "fleet.json"
    report = json.loads(latest.read_text()) if latest.exists() else None
    return proc, report


def checks_of(report, host="localhost"):
    entry = next(item for item in report["hosts"] if item["host"] == host)
    return entry["status"], {name: check["status"] for name, check in entry["checks"].items()}, entry["checks"]


def failing(report, host="localhost"):
    return sorted(name for name, status in checks_of(report, host)[1].items() if status != "pass")


def state_on_host():
    """Everything a read-only run must leave alone."""
    with open(CONF, "rb") as handle:
        conf = handle.read()
    with open(RULES_FILE, "rb") as handle:
        compiled = handle.read()
    return snapshot_dir(RULES_DIR), compiled, conf, kernel_rules()


@pytest.fixture(scope="module", autouse=True)
def policy_applied(tmp_path_factory):
    """This machine configured by the auditd role with POLICY; auditd.conf and the daemon put back after."""
    backup = CONF + ".fa-compliance-test"
    shutil.copy2(CONF, backup)
    # containerd's shims make /run/containerd when the first container of the boot starts (other
    # lanes start containers on this machine): make it now, so that the policy applied here still
    # covers it when a later test checks (a new Docker file fails the docker check until the role
    # runs again).
    os.makedirs("/run/containerd", mode=0o711, exist_ok=True)
    work = tmp_path_factory.mktemp("site")
    (work / "inventory.ini").write_text(INVENTORY)
    (work / "policy.json").write_text(json.dumps(POLICY))
    proc = subprocess.run(["ansible-playbook", "-i", "inventory.ini", "-e", "@policy.json", "fleetaudit.auditd.site"],
                          cwd=str(work), capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    yield
    shutil.move(backup, CONF)
    run_module("auditd_service", {"state": "restarted"})


def test_compliant_host_is_all_green_and_nothing_changes(tmp_path):
    before = state_on_host()
    proc, report = comply(tmp_path)
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert state_on_host() == before
    status, statuses, checks = checks_of(report)
    assert (status, statuses) == ("compliant", dict.fromkeys(CHECKS, "pass")), checks
    assert report["summary"]["compliant"] == 1
    assert checks["required_rules"]["evidence"]["missing"] == []
    run_dir = tmp_path / "audit-reports" / os.readlink(str(tmp_path / "audit-reports" / "latest"))
    assert sorted(os.listdir(str(run_dir))) == ["fleet.html", "fleet.json", "junit.xml"]
    junit = ET.parse(str(run_dir / "junit.xml")).getroot()
    assert [case.get("name") for case in junit.iter("testcase")] == ["localhost: " + check for check in CHECKS]
    assert (junit.get("failures"), junit.get("errors")) == ("0", "0")
    page = parse_html((run_dir / "fleet.html").read_text())
    assert page.find("tr", cls="host-row", data_host="localhost").attrs["data-status"] == "compliant"
    facts = report["hosts"][0]["facts"]
    assert facts["auditd_version"] and facts["kernel"] == os.uname().release


def test_check_mode_writes_no_report(tmp_path):
    proc, report = comply(tmp_path, "--check")
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert report is None and not (tmp_path / "audit-reports").exists()
    assert "1 host(s): 1 compliant" in proc.stdout


def test_events_chart_comes_from_the_gather_step(tmp_path):
    with open("/etc/hosts", "a"):  # opened for writing, left as it is: the policy's watch records it
        pass
    (tmp_path / "inventory.ini").write_text(INVENTORY)
    gather = subprocess.run(["ansible-playbook", "-i", "inventory.ini", "-e", "audit_keys=fa-compliance",
                             "-e", "gather_start=recent", "fleetaudit.auditd.gather"],
                            cwd=str(tmp_path), capture_output=True, text=True, check=False)
    assert gather.returncode == 0, gather.stdout[-4000:]
    proc, report = comply(tmp_path)
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert report["events"]["localhost"]["fa-compliance"] >= 1
    assert report["events_source"].startswith(str(tmp_path / "audit-reports" / "gather-"))
    page = parse_html((tmp_path / "audit-reports" / "latest" / "fleet.html").read_text())
    chart = page.find("svg", cls="events-chart", data_key="fa-compliance")
    assert [point.attrs["data-host"] for point in chart.find_all("circle", cls="point")] == ["localhost"]


def test_rule_added_with_auditctl_fails_drift_with_the_rule_as_evidence(tmp_path):
    auditctl("-w", "/etc/fa-compliance-oob", "-p", "wa", "-k", "fa-oob")
    try:
        before = state_on_host()
        proc, report = comply(tmp_path)
        assert state_on_host() == before
    finally:
        auditctl("-W", "/etc/fa-compliance-oob", "-p", "wa", "-k", "fa-oob")
    assert proc.returncode != 0
    assert "localhost (rules_drift)" in proc.stdout
    assert failing(report) == ["rules_drift"]
    evidence = checks_of(report)[2]["rules_drift"]["evidence"]
    assert [rule for rule in evidence["extra"] if "fa-oob" in rule and "/etc/fa-compliance-oob" in rule]
    assert evidence["missing"] == []


def test_removed_required_rule_fails_required_rules(tmp_path):
    """Gone from disk and kernel alike: no drift, but the policy's rule is missing."""
    saved = open(LOCAL_RULES).read()
    os.unlink(LOCAL_RULES)
    try:
        subprocess.run(["augenrules", "--load"], capture_output=True, check=True)
        assert not [rule for rule in kernel_rules() if "fa-compliance" in rule]
        proc, report = comply(tmp_path)
    finally:
        with open(LOCAL_RULES, "w") as handle:
            handle.write(saved)
        os.chmod(LOCAL_RULES, 0o640)
        subprocess.run(["augenrules", "--load"], capture_output=True, check=True)
    assert proc.returncode != 0
    assert "localhost (required_rules)" in proc.stdout
    assert failing(report) == ["required_rules"]
    missing = checks_of(report)[2]["required_rules"]["evidence"]["missing"]
    assert len(missing) == 1 and "/etc/hosts" in missing[0] and "fa-compliance" in missing[0]


def test_stopped_auditd_fails_service(tmp_path):
    [pid] = auditd_pids()
    os.kill(pid, signal.SIGTERM)
    try:
        for _attempt in range(100):
            if not auditd_pids():
                break
            time.sleep(0.1)
        proc, report = comply(tmp_path)
    finally:
        subprocess.run([os.path.join(REPO_ROOT, "scripts", "ensure-auditd.sh")], check=True)
    assert proc.returncode != 0
    assert "localhost (service)" in proc.stdout
    assert "service" in failing(report)
    service = checks_of(report)[2]["service"]
    assert service["evidence"]["running"] is False and "not running" in service["message"]


def recap(stdout):
    """{host: {counter: number}} of the PLAY RECAP."""
    lines = stdout.split("PLAY RECAP")[1].strip().splitlines()
    return {line.split()[0]: {name: int(value) for name, value in re.findall(r"(\w+)=(\d+)", line)}
            for line in lines if " : " in line}


def test_only_the_noncompliant_host_fails(tmp_path):
    """Two hosts (this machine under two names), one whose policy wants a setting it lacks: that host
    fails, and only that one, in the play recap as in the report; ansible-playbook exits 2."""
    policy = json.loads(write_vars(tmp_path).read_text())
    lost = policy.pop("compliance_max_lost_events")
    host = {"ansible_connection": "local", "ansible_become": False, "ansible_python_interpreter": HOST_PYTHON}
    # In the inventory, not as extra vars (which would win over the host's own auditd_conf).
    inventory = {"all": {"vars": policy, "hosts": {
        "localhost": host, "drifted": dict(host, auditd_conf={"num_logs": 7})}}}
    (tmp_path / "inventory.json").write_text(json.dumps(inventory))
    proc = subprocess.run(["ansible-playbook", "-i", "inventory.json", "-e", "compliance_max_lost_events=%d" % lost,
                           "fleetaudit.auditd.compliance"],
                          cwd=str(tmp_path), capture_output=True, text=True, check=False)
    assert proc.returncode == 2, proc.stdout[-4000:] + proc.stderr[-2000:]
    counters = recap(proc.stdout)
    assert (counters["drifted"]["failed"], counters["localhost"]["failed"]) == (1, 0), proc.stdout[-2000:]
    assert "fatal: [drifted]: FAILED!" in proc.stdout and "fatal: [localhost]" not in proc.stdout
    assert "Not compliant: auditd_conf;" in proc.stdout
    report = json.loads((tmp_path / "audit-reports" / "latest" / "fleet.json").read_text())
    assert (checks_of(report, "drifted")[0], checks_of(report, "localhost")[0]) == ("noncompliant", "compliant")
    assert failing(report, "drifted") == ["auditd_conf"]


def test_auditd_conf_changed_since_the_daemon_started_fails_with_both_times(tmp_path):
    stat = os.stat(CONF)
    # As a run that wrote auditd.conf and failed before its restart: the daemon runs older settings.
    os.utime(CONF)
    try:
        proc, report = comply(tmp_path)
    finally:
        os.utime(CONF, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert proc.returncode != 0
    assert failing(report) == ["auditd_conf"]
    check = checks_of(report)[2]["auditd_conf"]
    assert "auditd.conf changed since the daemon started" in check["message"]
    assert sorted(check["evidence"]) == ["conf_mtime", "daemon_started"]


def test_unreachable_and_unreadable_hosts_are_reported_not_hidden(tmp_path):
    # Port 9 on the loopback: the connection is refused at once, no traffic leaves the machine.
    inventory = INVENTORY + ("gone.example.test ansible_host=127.0.0.1 ansible_port=9 ansible_connection=ssh "
                             "ansible_user=nobody ansible_ssh_common_args='-o ConnectTimeout=5'\n"
                             "broken.example.test ansible_connection=local ansible_become=false "
                             "ansible_python_interpreter=/nonexistent/python3\n")
    proc, report = comply(tmp_path, inventory=inventory)
    assert proc.returncode != 0
    assert "gone.example.test (unreachable)" in proc.stdout
    assert checks_of(report, "gone.example.test")[0] == "unreachable"
    assert checks_of(report, "localhost")[0] == "compliant"
    counters = recap(proc.stdout)
    assert [counters[host]["failed"] for host in ("gone.example.test", "broken.example.test", "localhost")] == [1, 1, 0]
    status, _statuses, checks = checks_of(report, "broken.example.test")
    assert status == "error" and "/nonexistent/python3" in checks["installed"]["message"]
    assert report["summary"] == {"hosts": 3, "compliant": 1, "noncompliant": 0, "no-kernel-audit": 0,
                                 "unreachable": 1, "error": 1}
    proc, report = comply(tmp_path, inventory=inventory, compliance_fail_on_unreachable=False)
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert checks_of(report, "gone.example.test")[0] == "unreachable"
    assert checks_of(report, "broken.example.test")[0] == "error"


def test_schedule_installs_a_cron_entry_that_runs_and_keeps_the_last_reports(tmp_path):
    subprocess.run(["bash", "-c", '. "%s/scripts/env.sh" && ensure_packages cron' % REPO_ROOT], check=True)
    name = "fleetaudit-compliance-test"
    (tmp_path / "inventory.ini").write_text(INVENTORY)
    settings = {
        "compliance_schedule_name": name,
        "compliance_schedule_method": "cron",
        "compliance_schedule_inventory": str(tmp_path / "inventory.ini"),
        "compliance_schedule_report_dir": str(tmp_path / "reports"),
        "compliance_schedule_log_dir": str(tmp_path / "logs"),
        "compliance_schedule_script": str(tmp_path / "run-compliance"),
        "compliance_schedule_keep": 2,
        "compliance_schedule_cron": {"minute": "40", "hour": "4"},
        "compliance_schedule_extra_args": ["-e", "@%s" % write_vars(tmp_path)],
        # No ANSIBLE_COLLECTIONS_PATH: the script keeps the one the collection was found through.
        "compliance_schedule_environment": {"PATH": os.environ["PATH"]},
    }
    (tmp_path / "schedule.json").write_text(json.dumps(settings))
    cron_file = "/etc/cron.d/" + name

    def schedule(*extra):
        proc = subprocess.run(["ansible-playbook", "-i", "localhost,", "-e", "@schedule.json", *extra,
                               "-e", "ansible_python_interpreter=" + HOST_PYTHON, "fleetaudit.auditd.schedule"],
                              cwd=str(tmp_path), capture_output=True, text=True, check=False)
        assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
        return proc

    try:
        schedule()
        entry = open(cron_file).read()
        assert "40 4 * * * root %s" % settings["compliance_schedule_script"] in entry
        assert "changed=0" in schedule().stdout.split("PLAY RECAP")[1]
        for _run in range(3):
            run = subprocess.run([settings["compliance_schedule_script"]], capture_output=True, text=True, check=False)
            assert run.returncode == 0, run.stdout + open(str(tmp_path / "logs" / "latest.log")).read()[-3000:]
            assert "1 host(s): 1 compliant" in run.stdout
            time.sleep(1)  # runs are named by the second
        reports = sorted(os.listdir(str(tmp_path / "reports")))
        assert len(reports) == 3 and reports[-1] == "latest"
        assert all(entry.startswith("compliance-") for entry in reports[:2])
        logs = sorted(os.listdir(str(tmp_path / "logs")))
        assert len(logs) == 3 and logs[-1] == "latest.log"
    finally:
        schedule("-e", "compliance_schedule_state=absent")
    assert not os.path.exists(cron_file)
    assert not os.path.exists(settings["compliance_schedule_script"])


def test_skipped_rules_are_reported_per_source_and_warn_unless_the_policy_allows_them(tmp_path):
    missing = "/etc/fa-compliance-missing.conf"
    rules = POLICY["auditd_rules"] + [{"watch": missing, "perms": "wa", "key": "fa-skipped"}]
    before = state_on_host()
    proc, report = comply(tmp_path, auditd_rules=rules)
    assert state_on_host() == before
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert "localhost (warning: required_rules)" in proc.stdout
    status, statuses, checks = checks_of(report)
    assert status == "compliant" and statuses["required_rules"] == "warn"
    assert checks["required_rules"]["message"].startswith("1 rule(s) not loaded because their paths do not exist "
                                                          "here (auditd_rules 1)")
    [skipped] = [entry for entry in checks["required_rules"]["evidence"]["skipped"] if entry["source"] != "docker"]
    assert (skipped["file"], skipped["source"], skipped["path"], skipped["allowed"]) == (
        "70-fleetaudit-local.rules", "auditd_rules", missing, False)
    page = parse_html((tmp_path / "audit-reports" / "latest" / "fleet.html").read_text())
    cell = page.find("tr", cls="coverage", data_host="localhost").find("td", data_source="auditd_rules")
    assert cell.text().endswith(", 1 skipped") and missing in cell.attrs["title"]

    proc, report = comply(tmp_path, auditd_rules=rules, compliance_allowed_skips=["docker", "/etc/fa-compliance-*"])
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert checks_of(report)[1]["required_rules"] == "pass"
    assert all(entry["allowed"] for entry in checks_of(report)[2]["required_rules"]["evidence"]["skipped"])

    proc, report = comply(tmp_path, auditd_rules=rules, compliance_unallowed_skips="fail")
    assert proc.returncode != 0
    assert "localhost (required_rules)" in proc.stdout
    assert failing(report) == ["required_rules"]


def docker_group_members():
    line = subprocess.run(["getent", "group", "docker"], capture_output=True, text=True, check=True).stdout.strip()
    return [name for name in line.split(":")[3].split(",") if name]


def test_docker_files_are_checked_watched_with_the_docker_group_as_evidence(tmp_path):
    proc, report = comply(tmp_path)
    assert proc.returncode == 0, proc.stdout[-4000:]
    check = checks_of(report)[2]["docker"]
    assert check["status"] == "pass"
    assert {"/usr/sbin/dockerd", "/usr/sbin/runc", "/etc/docker"} <= set(check["evidence"]["watched_paths"])
    assert check["evidence"]["docker_group"] == docker_group_members()


def test_docker_host_whose_policy_lacks_the_docker_bundle_fails_docker(tmp_path):
    proc, report = comply(tmp_path, auditd_rule_bundles=["base"])
    assert proc.returncode != 0
    check = checks_of(report)[2]["docker"]
    assert check["status"] == "fail" and "no docker bundle" in check["message"]
    assert "-w /usr/sbin/dockerd -p rwxa -k cis-docker-1.1.3 -k docker" in check["evidence"]["not_loaded"]


def test_docker_watch_removed_from_the_kernel_fails_docker(tmp_path):
    rule = ["-w", "/usr/sbin/runc", "-p", "rwxa", "-k", "cis-docker-1.1.18", "-k", "docker"]
    auditctl("-W", *rule[1:])
    try:
        proc, report = comply(tmp_path)
    finally:
        auditctl(*rule)
    assert proc.returncode != 0
    check = checks_of(report)[2]["docker"]
    assert (check["status"], check["evidence"]["not_loaded"]) == ("fail", [" ".join(rule)])
