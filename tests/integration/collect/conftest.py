"""Collect lane: a client ships its events to a collector container that only this machine's
loopback reaches (scripts/collector.sh). The client is a qemu VM booting its own Debian kernel
(default; it reaches the collector through a per-connection guestfwd, scripts/vm.sh with
VM_COLLECTOR_PORT), or this machine's own auditd with FLEETAUDIT_COLLECT_CLIENT=host (then the host
lane's lock is held, and the kernel rules, /etc/audit and the daemon are put back as found)."""

import fcntl
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

COLLECTOR = "fa-collect-lane"
# The forwarder's port on 127.0.0.1; the collector listens on 60 inside its own network namespace.
COLLECTOR_PORT = int(os.environ.get("FLEETAUDIT_COLLECTOR_PORT", "16060"))
VM_NAME = "fa-collect-vm"
VM_SSH_PORT = int(os.environ.get("FLEETAUDIT_COLLECT_VM_PORT", "2291"))
# What the remote plugin and the role change on this machine (host client).
TOUCHED = ["/etc/audit/auditd.conf", "/etc/audit/audisp-remote.conf", "/etc/audit/plugins.d/au-remote.conf",
           "/etc/audit/plugins.d/syslog.conf"]


class Client:
    """The host that ships: its inventory line, node name, how it reaches the collector, a shell."""

    def __init__(self, name, inventory_vars, node, server, port, shell):
        self.name, self.inventory_vars, self.node = name, inventory_vars, node
        self.server, self.port, self._shell = server, port, shell

    def run(self, *argv):
        return subprocess.run(self._shell + list(argv), capture_output=True, text=True, check=False)


@pytest.fixture(scope="session")
def collector():
    script = os.path.join(REPO_ROOT, "scripts", "collector.sh")
    subprocess.run([script, "start", COLLECTOR, str(COLLECTOR_PORT)], check=True)
    try:
        yield COLLECTOR
    finally:
        subprocess.run([script, "stop", COLLECTOR], check=False)


def _vm_client():
    script = os.path.join(REPO_ROOT, "scripts", "vm.sh")
    env = dict(os.environ, VM_COLLECTOR_PORT=str(COLLECTOR_PORT))
    subprocess.run([script, "start", VM_NAME, str(VM_SSH_PORT), "debian12"], check=True, env=env)
    try:
        inventory = json.loads(subprocess.run([script, "inventory", VM_NAME], capture_output=True, text=True,
                                              check=True).stdout)
        hostvars = inventory["all"]["hosts"][VM_NAME]
        yield Client(VM_NAME, " ".join("%s=%s" % (key, json.dumps(value)) for key, value in hostvars.items()),
                     VM_NAME, "10.0.2.100", 60, [script, "ssh", VM_NAME])
    finally:
        subprocess.run([script, "stop", VM_NAME], check=False)


def _host_client(saved):
    os.makedirs(os.path.dirname(host_lane.LANE_LOCK), exist_ok=True)
    with open(host_lane.LANE_LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        present = [path for path in TOUCHED if os.path.exists(path)]
        for path in present:
            shutil.copy2(path, saved / path.replace("/", "_"))
        restore = host_lane._saved_and_restored()
        next(restore, None)  # saved: the kernel rules and settings, /etc/audit/rules.d
        try:
            yield Client("localhost", "ansible_connection=local ansible_python_interpreter=%s" % host_lane.HOST_PYTHON,
                         os.uname().nodename, "127.0.0.1", COLLECTOR_PORT, [])
        finally:
            for path in TOUCHED:
                if path in present:
                    shutil.copy2(saved / path.replace("/", "_"), path)
                elif os.path.exists(path):
                    os.unlink(path)
            result = host_lane.run_module("auditd_service", {"state": "restarted"})
            next(restore, None)
            assert not result.get("failed"), result


@pytest.fixture(scope="session")
def client(collector, tmp_path_factory):
    if os.environ.get("FLEETAUDIT_COLLECT_CLIENT", "vm") == "host":
        yield from _host_client(tmp_path_factory.mktemp("etc-audit"))
    else:
        yield from _vm_client()


def write_inventory(path, client, collector):
    """The client and the collector container, reached by `docker exec`."""
    path.write_text(
        "[clients]\n%s %s\n[collectors]\n%s ansible_connection=community.docker.docker "
        "ansible_python_interpreter=/usr/bin/python3\n" % (client.name, client.inventory_vars, collector))
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
    """(returncode, {task name: {host: result}}, report) of a playbook run."""
    rc, report = ansible_json(["ansible-playbook", "-i", inventory, str(path), *args])
    tasks = {}
    for play in report["plays"]:
        for task in play["tasks"]:
            tasks.setdefault(task["task"]["name"].split(" : ")[-1], {}).update(task["hosts"])
    return rc, tasks, report
