"""Role fleetaudit.auditd.auditd applied to this machine (connection local), on its real kernel."""

import json
import os
import shutil
import subprocess

import pytest
import yaml

from conftest import kernel_rules, run_module, run_playbook

CONF = "/etc/audit/auditd.conf"
DOCKER_PATHS = ["/usr/bin/dockerd", "/etc/docker", "/var/lib/docker", "/usr/bin/containerd", "/usr/bin/runc"]

PLAY = """
- name: Apply the auditd role to this machine
  hosts: localhost
  gather_facts: false
  roles:
    - role: fleetaudit.auditd.auditd
      vars:
        auditd_rule_bundles: [base, docker, identity]
        auditd_example_rule_sets: [43-module-load]
        auditd_rules:
          - {watch: /etc/hosts, perms: wa, key: fa-role-hosts}
        auditd_conf: {num_logs: %d}
"""


@pytest.fixture(scope="module")
def saved_conf():
    """auditd.conf and the daemon as they were; the role rewrites the first and restarts the second."""
    backup = CONF + ".fa-test"
    shutil.copy2(CONF, backup)
    yield
    shutil.move(backup, CONF)
    run_module("auditd_service", {"state": "restarted"})


def play(tmp_path, num_logs, *extra):
    playbook = tmp_path / "play.yml"
    playbook.write_text(PLAY % num_logs)
    returncode, report = run_playbook(playbook, *extra)
    assert returncode == 0, json.dumps(report)[-4000:]
    # Task names come as "ROLE : NAME".
    results = {task["task"]["name"].split(" : ")[-1]: task["hosts"]["localhost"]
               for task in report["plays"][0]["tasks"]}
    return report["stats"]["localhost"], results


def auditd_pid():
    return int(subprocess.run(["pgrep", "-x", "auditd"], capture_output=True, text=True, check=True).stdout.split()[0])


def test_role_loads_exactly_the_compiled_rules_and_is_idempotent(tmp_path, saved_conf):
    before_pid = auditd_pid()
    stats, results = play(tmp_path, 7)
    assert stats["changed"] > 0
    loaded = results["Converge the rule files, compile and load them"]
    assert loaded["kernel_available"] is True and loaded["kernel_changed"] is True

    # auditd.conf changed: the daemon was really restarted.
    assert "num_logs = 7" in open(CONF).read().splitlines()
    assert auditd_pid() != before_pid

    # The compiled file is what augenrules itself would write, and the kernel holds its rules.
    check = subprocess.run(["augenrules", "--check"], capture_output=True, text=True, check=True)
    assert "No change" in check.stdout
    compiled = [line for line in open("/etc/audit/audit.rules").read().splitlines()
                if line.startswith(("-w", "-a"))]
    assert len(kernel_rules()) == len(compiled)
    assert "-w /etc/hosts -p wa -k fa-role-hosts" in kernel_rules()
    checked = run_module("augenrules", {"state": "checked"})
    assert checked["changed"] is False
    assert checked["drift"]["missing"] == [] and checked["drift"]["extra"] == []

    # Docker paths: loaded where they exist, reported as skipped where they do not.
    skipped = {item["path"] for item in loaded.get("skipped_rules", [])}
    listed = "\n".join(kernel_rules())
    for path in DOCKER_PATHS:
        if os.path.exists(path):
            assert "-w %s " % path in listed
        else:
            assert path in skipped

    stats, dummy = play(tmp_path, 7)
    assert stats["changed"] == 0
    pid = auditd_pid()
    rules = kernel_rules()
    stats, dummy = play(tmp_path, 8, "--check", "--diff")
    assert stats["changed"] > 0
    assert "num_logs = 7" in open(CONF).read().splitlines()
    assert auditd_pid() == pid
    assert kernel_rules() == rules


def readme_example():
    """The play of the README's section on the auditd role, as a user copies it."""
    readme = open(os.path.join(os.path.dirname(__file__), "..", "..", "..", "README.md")).read()
    section = readme.split("### Role `fleetaudit.auditd.auditd`", 1)[1]
    return yaml.safe_load(section.split("```yaml\n", 1)[1].split("```", 1)[0])


def test_readme_example_loads_cleanly_on_this_host(tmp_path, saved_conf):
    """Bundles that repeat rules of the host's 30-stig set: each rule loaded once, no failure."""
    [example] = readme_example()
    role = example["roles"][0]
    assert role["vars"]["auditd_example_rule_sets"] == ["30-stig", "43-module-load"]
    # As the README has it, except immutable mode (never on this machine's kernel) and sudo (root already).
    example.update(hosts="localhost", become=False, gather_facts=False)
    del example["serial"]
    role["vars"].update(auditd_immutable=False, auditd_reboot_policy="never")
    playbook = tmp_path / "readme.yml"
    playbook.write_text(json.dumps([example]))
    returncode, report = run_playbook(playbook)
    assert returncode == 0, json.dumps(report)[-4000:]
    results = {task["task"]["name"].split(" : ")[-1]: task["hosts"]["localhost"] for task in report["plays"][0]["tasks"]}
    loaded = results["Converge the rule files, compile and load them"]
    assert "drift_after_load" not in loaded
    merged = {(entry["file"], entry["rule"]): entry["kept_at"] for entry in loaded["merged_rules"]}
    assert merged[("30-stig.rules", "-w /etc/localtime -p wa -k time-change")].startswith(
        "30-fleetaudit-time_change.rules:")
    assert merged[("30-stig.rules", "-w /etc/passwd -p wa -k identity")].startswith("30-fleetaudit-identity.rules:")
    # The README's own watch of /etc/hosts comes after 30-stig's: reported, never recorded.
    shadowed = {(entry["file"], entry["rule"]): entry for entry in loaded["shadowed_rules"]}
    hosts = shadowed[("70-fleetaudit-local.rules", "-w /etc/hosts -p wa -k hosts")]
    assert hosts["shadowing_rule"] == "-w /etc/hosts -p wa -k system-locale"
    assert hosts["shadowed_by"].startswith("30-stig.rules:")
    check = subprocess.run(["augenrules", "--check"], capture_output=True, text=True, check=True)
    assert "No change" in check.stdout
    checked = run_module("augenrules", {"state": "checked"})
    assert checked["drift"] == {"missing": [], "extra": [], "reordered": False, "settings": {}}
    returncode, report = run_playbook(playbook)
    assert returncode == 0 and report["stats"]["localhost"]["changed"] == 0, json.dumps(report)[-4000:]
