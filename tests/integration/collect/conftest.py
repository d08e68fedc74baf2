"""Collect lane: this machine's own auditd ships its events to a collector container that only
this machine's loopback reaches (scripts/collector.sh). Holds the host lane's lock and puts back
the kernel rules, /etc/audit and the daemon as it found them (the host lane's fixture, plus the
files the remote plugin touches)."""

import importlib.util
import json
import os
import shutil
import subprocess

import pytest

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
_spec = importlib.util.spec_from_file_location(
    "host_lane", os.path.join(REPO_ROOT, "tests", "integration", "host", "conftest.py"))
host_lane = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(host_lane)

run_module = host_lane.run_module
run_playbook = host_lane.run_playbook
host_audit_state = host_lane.host_audit_state  # noqa: F401 (autouse session fixture)

COLLECTOR = "fa-collect-lane"
# The forwarder's port on 127.0.0.1; the collector listens on 60 inside its own network namespace.
COLLECTOR_PORT = int(os.environ.get("FLEETAUDIT_COLLECTOR_PORT", "16060"))
# What the remote plugin and the role change on this machine.
TOUCHED = ["/etc/audit/auditd.conf", "/etc/audit/audisp-remote.conf", "/etc/audit/plugins.d/au-remote.conf",
           "/etc/audit/plugins.d/syslog.conf"]


@pytest.fixture(scope="session")
def collector():
    script = os.path.join(REPO_ROOT, "scripts", "collector.sh")
    subprocess.run([script, "start", COLLECTOR, str(COLLECTOR_PORT)], check=True)
    try:
        yield COLLECTOR
    finally:
        subprocess.run([script, "stop", COLLECTOR], check=False)


@pytest.fixture(scope="session")
def saved_audit_files(tmp_path_factory):
    """The files above as they were, put back afterwards, and the daemon restarted on them."""
    saved = tmp_path_factory.mktemp("etc-audit")
    present = [path for path in TOUCHED if os.path.exists(path)]
    for path in present:
        shutil.copy2(path, saved / path.replace("/", "_"))
    yield
    for path in TOUCHED:
        if path in present:
            shutil.copy2(saved / path.replace("/", "_"), path)
        elif os.path.exists(path):
            os.unlink(path)
    result = run_module("auditd_service", {"state": "restarted"})
    assert not result.get("failed"), result


def write_inventory(path, collector):
    """localhost (this machine, the client) and the collector container, reached by `docker exec`."""
    path.write_text(
        "[clients]\nlocalhost ansible_connection=local ansible_python_interpreter=%s\n"
        "[collectors]\n%s ansible_connection=community.docker.docker ansible_python_interpreter=/usr/bin/python3\n"
        % (host_lane.HOST_PYTHON, collector))
    return str(path)


def ansible_json(cmd):
    env = dict(os.environ, ANSIBLE_LOAD_CALLBACK_PLUGINS="1", ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json")
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env)
    try:
        return proc.returncode, json.loads(proc.stdout)
    except ValueError:
        raise AssertionError("ansible produced no report:\n%s\n%s" % (proc.stdout, proc.stderr))


def module_on(inventory, host, module, args):
    """Runs fleetaudit.auditd.<module> on one inventory host; its result."""
    _rc, report = ansible_json(["ansible", host, "-i", inventory, "-m", "fleetaudit.auditd." + module,
                                "-a", json.dumps(args)])
    return report["plays"][0]["tasks"][0]["hosts"][host]


def playbook(inventory, path, *args):
    """(returncode, {task name: {host: result}}) of a playbook run."""
    rc, report = ansible_json(["ansible-playbook", "-i", inventory, str(path), *args])
    tasks = {}
    for play in report["plays"]:
        for task in play["tasks"]:
            tasks.setdefault(task["task"]["name"].split(" : ")[-1], {}).update(task["hosts"])
    return rc, tasks, report
