"""Role fleetaudit.auditd.auditd applied to this machine (connection local), on its real kernel."""

import json
import os
import shutil
import subprocess
import tempfile
import time

import pytest

from conftest import kernel_rules, run_module, run_playbook

CONF = "/etc/audit/auditd.conf"
LOG = "/var/log/audit/audit.log"

# Debian's docker.io, which the lane installs (scripts/ensure-docker.sh).
DOCKER_WATCHES = [
    "-w /usr/sbin/dockerd -p rwxa -k cis-docker-1.1.3 -k docker",
    "-w /usr/bin/docker -p wxa -k docker",
    "-w /etc/docker -p rwxa -k cis-docker-1.1.6 -k docker",
    "-w /usr/sbin/runc -p rwxa -k cis-docker-1.1.18 -k docker",
    "-w /usr/bin/tini-static -p wxa -k docker",
]

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


def play(tmp_path, num_logs, *extra, bundles="[base, docker, identity]"):
    playbook = tmp_path / "play.yml"
    playbook.write_text(PLAY.replace("[base, docker, identity]", bundles) % num_logs)
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

    stats, dummy = play(tmp_path, 7)
    assert stats["changed"] == 0
    pid = auditd_pid()
    rules = kernel_rules()
    stats, dummy = play(tmp_path, 8, "--check", "--diff")
    assert stats["changed"] > 0
    assert "num_logs = 7" in open(CONF).read().splitlines()
    assert auditd_pid() == pid
    assert kernel_rules() == rules


def events_since(offset, key):
    """`ausearch -i -k KEY` over what auditd logged after byte OFFSET of its log."""
    with open(LOG, "rb") as handle:
        handle.seek(offset)
        fresh = handle.read()
    with tempfile.NamedTemporaryFile(suffix=".log") as copy:
        copy.write(fresh)
        copy.flush()
        return subprocess.run(["ausearch", "-if", copy.name, "-k", key, "-i"], capture_output=True, text=True,
                              check=False, env=dict(os.environ, LC_ALL="C")).stdout


def wait_for_event(offset, key, needle):
    """The interpreted events under KEY once one of them holds NEEDLE (auditd writes asynchronously)."""
    deadline = time.time() + 30
    while True:
        found = events_since(offset, key)
        if needle in found or time.time() > deadline:
            return found
        time.sleep(0.5)


def test_docker_bundle_watches_debian_docker_io_at_its_real_paths(tmp_path, saved_conf):
    dummy, results = play(tmp_path, 5, bundles="[base, docker]")
    loaded = results["Converge the rule files, compile and load them"]
    rules = kernel_rules()
    for watch in DOCKER_WATCHES:
        assert watch in rules
    # Symlinks are not watched: the rule would see nothing of runc or tini-static.
    assert not [rule for rule in rules if rule.startswith(("-w /usr/bin/runc ", "-w /usr/bin/docker-init ",
                                                          "-w /usr/bin/dockerd "))]
    # dockerd makes its containerd's socket directory after boot, when the rules have loaded: a
    # watch there would stop the boot-time load, so it is reported and not loaded.
    socket_rule = "-w /run/docker/containerd/containerd.sock -p rwxa -k cis-docker-1.1.8 -k docker"
    assert socket_rule not in rules
    assert results["Report the Docker files not watched because a service makes their directory after boot"]["msg"] == [
        socket_rule]
    # What this install does not have is reported once each, at its first candidate path.
    skipped = [item["path"] for item in loaded["skipped_rules"]]
    assert "/etc/sysconfig/docker" in skipped and "/usr/bin/dockerd" not in skipped
    assert len(skipped) == len(set(skipped))

    # Whichever docker client PATH finds (this machine also has one in /usr/local/bin) is watched.
    client = os.path.realpath(shutil.which("docker"))
    assert "-w %s -p wxa -k docker" % client in rules

    offset = os.path.getsize(LOG)
    subprocess.run(["docker", "version"], capture_output=True, check=False)
    subprocess.run(["/usr/bin/runc", "--version"], capture_output=True, check=True)
    runc = wait_for_event(offset, "cis-docker-1.1.18", "exe=/usr/sbin/runc")
    assert "exe=/usr/sbin/runc" in runc and "a1=--version" in runc
    events = wait_for_event(offset, "docker", "exe=%s " % client)
    assert "exe=%s " % client in events and "proctitle=docker version" in events
