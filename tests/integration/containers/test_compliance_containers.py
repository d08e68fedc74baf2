"""Compliance on systemd containers (Debian 12 and 13): no kernel audit is its own status.

The kernel serves audit only to the initial PID namespace, so in a container auditctl is refused
and auditd cannot start. The containers run with network mode `none`; Ansible reaches them
through `docker exec`.
"""

import json
import os
import re
import subprocess
import time

import jsonschema
import pytest

SCHEMA = os.path.join(os.path.dirname(__file__), "..", "..", "..", "docs", "fleet-report.schema.json")

IMAGES = {"fa-compliance-deb12": "fleetaudit/debian12-systemd:latest",
          "fa-compliance-deb13": "fleetaudit/debian13-systemd:latest"}
SYSTEMD_OPTIONS = ["--network", "none", "--cap-add", "SYS_ADMIN", "--security-opt", "seccomp=unconfined",
                   "--tmpfs", "/run", "--tmpfs", "/run/lock", "-v", "/sys/fs/cgroup:/sys/fs/cgroup:rw"]
POLICY = {"auditd_rule_bundles": ["base", "identity"], "auditd_conf": {"num_logs": 6}}
KERNEL_CHECKS = {"kernel_audit", "rules_drift", "required_rules", "events_lost", "docker"}


def docker(*args, check=True):
    return subprocess.run(["docker", *args], capture_output=True, text=True, check=check)


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    """The containers, booted, with the auditd role applied; removed afterwards."""
    for name, image in IMAGES.items():
        docker("rm", "-f", name, check=False)
        docker("run", "-d", "--name", name, "--stop-signal", "SIGRTMIN+3", *SYSTEMD_OPTIONS, image, "/sbin/init")
    try:
        for name in IMAGES:
            for _attempt in range(100):
                state = docker("exec", name, "systemctl", "is-system-running", check=False).stdout.strip()
                if state in ("running", "degraded"):
                    break
                time.sleep(0.3)
            assert state in ("running", "degraded"), "%s: systemd did not come up (%s)" % (name, state)
        work = tmp_path_factory.mktemp("containers")
        (work / "inventory.ini").write_text("".join(
            "%s ansible_connection=community.docker.docker ansible_python_interpreter=/usr/bin/python3\n" % name
            for name in IMAGES))
        (work / "policy.json").write_text(json.dumps(POLICY))
        site = subprocess.run(["ansible-playbook", "-i", "inventory.ini", "-e", "@policy.json", "fleetaudit.auditd.site"],
                              cwd=str(work), capture_output=True, text=True, check=False)
        assert site.returncode == 0, site.stdout[-4000:] + site.stderr[-2000:]
        yield work
    finally:
        for name in IMAGES:
            docker("rm", "-f", name, check=False)


def test_containers_are_no_kernel_audit_not_compliant_and_not_failed(fleet):
    proc = subprocess.run(["ansible-playbook", "-i", "inventory.ini", "-e", "@policy.json",
                           "fleetaudit.auditd.compliance"],
                          cwd=str(fleet), capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "2 host(s): 0 compliant, 2 no-kernel-audit" in proc.stdout
    report = json.loads((fleet / "audit-reports" / "latest" / "fleet.json").read_text())
    assert report["summary"]["no-kernel-audit"] == 2 and report["summary"]["compliant"] == 0
    for host in report["hosts"]:
        statuses = {name: check["status"] for name, check in host["checks"].items()}
        assert host["status"] == "no-kernel-audit", host
        assert {name for name, status in statuses.items() if status == "unknown"} == KERNEL_CHECKS | {"service"}
        passed = {name for name, status in statuses.items() if status == "pass"}
        assert passed == {"installed", "log_space", "auditd_conf"}
        reason = host["checks"]["rules_drift"]["evidence"]["kernel_unavailable_reason"]
        assert reason and reason in host["checks"]["rules_drift"]["message"]
        # Versions on every host, containers too (auditctl -v cannot answer there in audit 3.0).
        assert re.match(r"^[34]\.\d+\.\d+$", host["facts"]["auditd_version"] or ""), host["facts"]
        assert host["facts"]["kernel"] == os.uname().release and host["facts"]["distribution"].startswith("Debian")
        coverage = {entry["source"]: entry for entry in host["coverage"]}
        assert coverage["identity"]["written"] > 0 and coverage["identity"]["all_loaded"] is None, coverage
    with open(SCHEMA, encoding="utf-8") as handle:
        jsonschema.Draft202012Validator(json.load(handle)).validate(report)
    junit = (fleet / "audit-reports" / "latest" / "junit.xml").read_text()
    assert junit.count("<skipped ") == 2 * len(KERNEL_CHECKS | {"service"}) and "<failure" not in junit


def test_a_container_with_a_wrong_setting_is_noncompliant_despite_no_kernel_audit(fleet):
    policy = dict(POLICY, auditd_conf={"num_logs": 7})
    (fleet / "drifted.json").write_text(json.dumps(policy))
    proc = subprocess.run(["ansible-playbook", "-i", "inventory.ini", "-e", "@drifted.json",
                           "fleetaudit.auditd.compliance"],
                          cwd=str(fleet), capture_output=True, text=True, check=False)
    assert proc.returncode != 0
    assert "fa-compliance-deb12 (auditd_conf); fa-compliance-deb13 (auditd_conf)" in proc.stdout
    assert [counters["failed"] for counters in recap(proc.stdout).values()] == [1, 1]
    report = json.loads((fleet / "audit-reports" / "latest" / "fleet.json").read_text())
    for host in report["hosts"]:
        assert host["status"] == "noncompliant"
        assert host["checks"]["auditd_conf"]["evidence"]["mismatches"] == {"num_logs": {"required": 7, "actual": "6"}}


def recap(stdout):
    """{host: {counter: number}} of the PLAY RECAP."""
    lines = stdout.split("PLAY RECAP")[1].strip().splitlines()
    return {line.split()[0]: {name: int(value) for name, value in re.findall(r"(\w+)=(\d+)", line)}
            for line in lines if " : " in line}


def test_only_the_container_whose_auditd_conf_drifted_fails(fleet):
    """The run ends with the drifted host failed and the other not, as AWX shows them."""
    drifted, other = sorted(IMAGES, reverse=True)
    conf = "/etc/audit/auditd.conf"
    docker("exec", drifted, "sed", "-i", "s/^num_logs = 6$/num_logs = 9/", conf)
    try:
        proc = subprocess.run(["ansible-playbook", "-i", "inventory.ini", "-e", "@policy.json",
                               "fleetaudit.auditd.compliance"],
                              cwd=str(fleet), capture_output=True, text=True, check=False)
    finally:
        docker("exec", drifted, "sed", "-i", "s/^num_logs = 9$/num_logs = 6/", conf)
    assert proc.returncode == 2, proc.stdout[-4000:] + proc.stderr[-2000:]
    counters = recap(proc.stdout)
    assert (counters[drifted]["failed"], counters[other]["failed"]) == (1, 0), proc.stdout[-3000:]
    assert "fatal: [%s]: FAILED!" % drifted in proc.stdout and "fatal: [%s]" % other not in proc.stdout
    report = json.loads((fleet / "audit-reports" / "latest" / "fleet.json").read_text())
    statuses = {host["host"]: host["status"] for host in report["hosts"]}
    assert statuses == {drifted: "noncompliant", other: "no-kernel-audit"}


def test_schedule_installs_an_active_systemd_timer_and_removes_it(fleet):
    """A systemd controller (one of the containers): `auto` picks a timer, enabled and waiting."""
    controller = next(iter(IMAGES))
    settings = {"compliance_schedule_controller": controller, "compliance_schedule_inventory": "/etc/ansible/fleet.ini",
                "compliance_schedule_on_calendar": "*-*-* 04:40:00"}
    (fleet / "schedule.json").write_text(json.dumps(settings))

    def schedule(*extra):
        proc = subprocess.run(["ansible-playbook", "-i", "inventory.ini", "-e", "@schedule.json", *extra,
                               "fleetaudit.auditd.schedule"],
                              cwd=str(fleet), capture_output=True, text=True, check=False)
        assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
        return proc

    schedule()
    timer = "fleetaudit-compliance.timer"
    assert docker("exec", controller, "systemctl", "is-enabled", timer).stdout.strip() == "enabled"
    assert docker("exec", controller, "systemctl", "is-active", timer).stdout.strip() == "active"
    unit = docker("exec", controller, "systemctl", "cat", timer).stdout
    assert "OnCalendar=*-*-* 04:40:00" in unit
    service = docker("exec", controller, "systemctl", "cat", "fleetaudit-compliance.service").stdout
    assert "ExecStart=/usr/local/bin/fleetaudit-compliance" in service
    assert "/etc/ansible/fleet.ini" in docker("exec", controller, "cat", "/usr/local/bin/fleetaudit-compliance").stdout
    assert "changed=0" in schedule().stdout.split("PLAY RECAP")[1]

    schedule("-e", "compliance_schedule_state=absent")
    assert docker("exec", controller, "systemctl", "is-active", timer, check=False).stdout.strip() == "inactive"
    listing = docker("exec", controller, "ls", "/etc/systemd/system", "/usr/local/bin").stdout
    assert "fleetaudit-compliance" not in listing
    # systemctl exits 1 when no unit file matches: none is left behind.
    units = docker("exec", controller, "systemctl", "list-unit-files", "fleetaudit-compliance*", check=False)
    assert units.returncode == 1 and "0 unit files listed" in units.stdout
