"""Collect lane: clients ship their events to a collector container that only this machine's
loopback reaches (scripts/collector.sh). The clients are two qemu VMs booting their own Debian 12
and Debian 13 kernels (default; each reaches the collector through a per-connection guestfwd,
scripts/vm.sh with VM_COLLECTOR_PORT), or this machine's own auditd alone with
FLEETAUDIT_COLLECT_CLIENT=host (then the host lane's lock is held, and the kernel rules, /etc/audit
and the daemon are put back as found)."""

import fcntl
import importlib.util
import json
import os
import shutil
import subprocess

import pytest

from ansible_collections.fleetaudit.auditd.tests.integration.ansible_runner import ansible_json, module_result

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
_spec = importlib.util.spec_from_file_location(
    "host_lane", os.path.join(REPO_ROOT, "tests", "integration", "host", "conftest.py"))
host_lane = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(host_lane)

COLLECTOR = "fa-collect-lane"
# The forwarder's port on 127.0.0.1; the collector listens on 60 inside its own network namespace.
COLLECTOR_PORT = int(os.environ.get("FLEETAUDIT_COLLECTOR_PORT", "16060"))
# Instance name (its host and node name) -> (image, SSH port on 127.0.0.1).
VMS = {
    "fa-collect-d12": ("debian12", int(os.environ.get("FLEETAUDIT_COLLECT_VM_PORT", "2291"))),
    "fa-collect-d13": ("debian13", int(os.environ.get("FLEETAUDIT_COLLECT_VM13_PORT", "2292"))),
}
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


def _vm_clients():
    """The VMs, booted at once (each on one core under TCG)."""
    script = os.path.join(REPO_ROOT, "scripts", "vm.sh")
    # Two TCG guests booting at once on a busy 2-core machine can take more than vm.sh's 300 s.
    env = dict(os.environ, VM_COLLECTOR_PORT=str(COLLECTOR_PORT), VM_BOOT_TIMEOUT=os.environ.get("VM_BOOT_TIMEOUT", "900"))
    try:
        starts = {name: subprocess.Popen([script, "start", name, str(port), image], env=env)
                  for name, (image, port) in VMS.items()}
        failed = [name for name, start in starts.items() if start.wait() != 0]
        assert not failed, "VMs did not boot: %s" % ", ".join(failed)
        inventory = json.loads(subprocess.run([script, "inventory", *VMS], capture_output=True, text=True,
                                              check=True).stdout)
        yield [Client(name, " ".join("%s=%s" % (key, json.dumps(value))
                                     for key, value in inventory["all"]["hosts"][name].items()),
                      name, "10.0.2.100", 60, [script, "ssh", name])
               for name in VMS]
    finally:
        for name in VMS:
            subprocess.run([script, "stop", name], check=False)


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
            yield [Client("localhost", "ansible_connection=local ansible_python_interpreter=%s" % host_lane.HOST_PYTHON,
                          os.uname().nodename, "127.0.0.1", COLLECTOR_PORT, [])]
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
def clients(collector, tmp_path_factory):
    if os.environ.get("FLEETAUDIT_COLLECT_CLIENT", "vm") == "host":
        yield from _host_client(tmp_path_factory.mktemp("etc-audit"))
    else:
        yield from _vm_clients()


def write_inventory(path, clients, collector):
    """The clients and the collector container, reached by `docker exec`."""
    path.write_text(
        "[clients]\n%s\n[collectors]\n%s ansible_connection=community.docker.docker "
        "ansible_python_interpreter=/usr/bin/python3\n"
        % ("\n".join("%s %s" % (client.name, client.inventory_vars) for client in clients), collector))
    return str(path)


def module_on(inventory, host, module, args):
    """Runs fleetaudit.auditd.<module> on one inventory host; its result."""
    return module_result(["ansible", host, "-i", inventory, "-m", "fleetaudit.auditd." + module,
                          "-a", json.dumps(args)], host)


def playbook(inventory, path, *args):
    """(returncode, {task name: {host: result}}, report) of a playbook run."""
    rc, report = ansible_json(["ansible-playbook", "-i", inventory, str(path), *args])
    tasks = {}
    for play in report["plays"]:
        for task in play["tasks"]:
            tasks.setdefault(task["task"]["name"].split(" : ")[-1], {}).update(task["hosts"])
    return rc, tasks, report
