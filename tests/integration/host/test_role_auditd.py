"""Role fleetaudit.auditd.auditd applied to this machine (connection local), on its real kernel."""

import json
import os
import shutil
import subprocess
import tempfile
import time

import pytest
import yaml

from conftest import RULES_DIR, auditd_pids, kernel_rules, run_module, run_playbook, snapshot_dir

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
    [pid] = auditd_pids()
    return pid


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


def run_role(tmp_path, role_vars, *extra):
    """Applies the role with `role_vars`; returns (returncode, json callback report)."""
    playbook = tmp_path / "role.yml"
    playbook.write_text(json.dumps([{
        "name": "Apply the auditd role to this machine", "hosts": "localhost", "gather_facts": False,
        "roles": [{"role": "fleetaudit.auditd.auditd", "vars": role_vars}]}]))
    return run_playbook(playbook, *extra)


def failure(report):
    """The message of the task that failed the play."""
    for task in report["plays"][0]["tasks"]:
        result = task["hosts"].get("localhost", {})
        if result.get("failed") and not result.get("skipped"):
            last = result
    return last["msg"]


def host_state():
    """What a refused run must leave as it was: auditd.conf (bytes and time), rule files, kernel rules, daemon."""
    with open(CONF, "rb") as handle:
        conf = (handle.read(), os.stat(CONF).st_mtime_ns)
    return conf, snapshot_dir(RULES_DIR), kernel_rules(), auditd_pid()


BASE_VARS = {"auditd_rule_bundles": ["base", "identity"]}


@pytest.mark.parametrize("role_vars, message", [
    ({"auditd_rule_bundle": ["base"]},
     "Unknown variable(s) auditd_rule_bundle (did you mean auditd_rule_bundles?)"),
    ({"auditd_conf": {"max_log_file": "lots"}},
     "auditd_conf.max_log_file: 'lots' is not accepted by auditd: it takes a whole number of megabytes"),
    ({"auditd_conf": {"space_left": 40}},
     "auditd_conf.space_left: space_left = 40 must be larger than admin_space_left = 50 (the role's default)"),
    ({"auditd_rules": [{"watch": "/etc/hosts"}, {"fields": ["auid>=1000"], "key": "nosys"}]},
     "auditd_rules[1]: no `syscalls`: the rule would audit every system call"),
    ({"auditd_rules": [{"path": "/etc/motd", "perms": "wa"}]},
     "auditd_rules[0]: no `watch`: a watch is written {watch: /etc/motd, perms: wa, key: KEY}"),
    ({"auditd_rules": [{"watch": "/etc/hosts", "key": "fa-hosts"}, {"syscalls": ["no_such_call"], "key": "fa-x"}],
      "auditd_conf": {"num_logs": 9}},
     "auditd_rules[1] (-a always,exit -F arch=b64 -S no_such_call -k fa-x): unknown syscall no_such_call for x86_64"),
    ({"auditd_example_rule_sets": ["43-module-load", "99-no-such-set"], "auditd_conf": {"num_logs": 9}},
     "auditd_example_rule_sets: 99-no-such-set not on localhost, nothing changed; its audit package has 10-base-config"),
], ids=["misspelled-variable", "conf-value", "conf-space-left", "rule-without-syscalls", "watch-as-path",
        "syscall-unknown-on-host", "example-set-missing"])
def test_bad_input_fails_in_the_users_terms_with_nothing_changed(tmp_path, saved_conf, role_vars, message):
    before = host_state()
    returncode, report = run_role(tmp_path, dict(BASE_VARS, **role_vars))
    assert returncode != 0
    assert message in failure(report)
    # auditd.conf is written only after the host accepted the rules: a refused run leaves it alone.
    assert host_state() == before


def test_package_module_runs_only_for_a_package_the_host_lacks(tmp_path, saved_conf):
    """The probe reads the package database: installed packages cost no package task, a missing one
    still goes to the package module (here refused by apt, before anything is written)."""
    returncode, report = run_role(tmp_path, BASE_VARS)
    assert returncode == 0, json.dumps(report)[-3000:]
    results = {task["task"]["name"].split(" : ")[-1]: task["hosts"]["localhost"] for task in report["plays"][0]["tasks"]}
    assert results["Install the audit packages"].get("skipped") is True
    before = host_state()
    returncode, report = run_role(tmp_path, dict(BASE_VARS, auditd_packages=["auditd", "fleetaudit-no-such-package"]))
    assert returncode != 0
    assert "No package matching 'fleetaudit-no-such-package'" in failure(report)
    assert host_state() == before


def test_validated_non_default_auditd_conf_is_written_and_auditd_runs_with_it(tmp_path, saved_conf):
    settings = {"max_log_file": 20, "num_logs": 3, "max_log_file_action": "keep_logs", "space_left": "10%",
                "admin_space_left": "5%", "space_left_action": "SYSLOG", "write_logs": True, "flush": "data",
                "freq": 0, "disk_full_action": "suspend", "name_format": "hostname", "q_depth": 4000}
    before = auditd_pid()
    returncode, report = run_role(tmp_path, dict(BASE_VARS, auditd_conf=settings))
    assert returncode == 0, json.dumps(report)[-3000:]
    lines = open(CONF).read().splitlines()
    for line in ("write_logs = yes", "space_left = 10%", "max_log_file_action = keep_logs", "freq = 0"):
        assert line in lines
    # The handler restarted auditd, which took every line: it runs, and the kernel knows its PID.
    pid = auditd_pid()
    assert pid != before
    assert int(subprocess.run(["auditctl", "-s"], capture_output=True, text=True, check=True)
               .stdout.split("pid ", 1)[1].split()[0]) == pid
    info = run_module("auditd_info", {})
    assert info["service"]["running"] and info["conf_changed_since_start"] is False


def test_restart_lost_by_a_failed_run_is_made_up_on_the_next_run(tmp_path, saved_conf):
    returncode, report = run_role(tmp_path, dict(BASE_VARS, auditd_conf={"num_logs": 9}))
    assert returncode == 0, json.dumps(report)[-3000:]
    started = auditd_pid()
    # A run that wrote auditd.conf and then failed before its handler: the file is newer than the daemon.
    os.utime(CONF)
    info = run_module("auditd_info", {})
    assert info["conf_changed_since_start"] is True
    assert info["conf_mtime"] > info["service"]["started"]

    returncode, report = run_role(tmp_path, dict(BASE_VARS, auditd_conf={"num_logs": 9}))
    assert returncode == 0, json.dumps(report)[-3000:]
    changed = [task["task"]["name"].split(" : ")[-1] for play in report["plays"] for task in play["tasks"]
               if task["hosts"].get("localhost", {}).get("changed")]
    assert changed == ["Restart auditd if it started before auditd.conf last changed", "Restart auditd"]
    assert auditd_pid() != started
    assert run_module("auditd_info", {})["conf_changed_since_start"] is False
    # And then nothing more to do.
    returncode, report = run_role(tmp_path, dict(BASE_VARS, auditd_conf={"num_logs": 9}))
    assert report["stats"]["localhost"]["changed"] == 0


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
