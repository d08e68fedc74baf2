"""Host-kernel lane: modules run for real against this machine's kernel, through Ansible.

Every test here may change the kernel's audit rules and /etc/audit; the session fixture puts back
exactly what it found. Immutable mode must never reach this kernel: `run_module` refuses any
argument that could set it.
"""

import fcntl
import functools
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile

import pytest

from ansible_collections.fleetaudit.auditd.plugins.module_utils.rules_drift import parse_kernel_rules
from ansible_collections.fleetaudit.auditd.plugins.module_utils.syscalls import SyscallTables
from ansible_collections.fleetaudit.auditd.plugins.modules.augenrules import KERNEL_SETTINGS
from ansible_collections.fleetaudit.auditd.tests.integration.ansible_runner import ansible_json, module_result

RULES_DIR = "/etc/audit/rules.d"
RULES_FILE = "/etc/audit/audit.rules"
# Managed-host Python: the system interpreter, as on a real fleet; the compat lane runs these tests
# again with the host Python that tests/compat/matrix names per ansible-core minor
# (FLEETAUDIT_HOST_PYTHON).
HOST_PYTHON = os.environ.get("FLEETAUDIT_HOST_PYTHON", "/usr/bin/python3")
# One host-lane session at a time on this machine: they share the kernel and /etc/audit.
LANE_LOCK = "/run/lock/fleetaudit-host-lane.lock"
_IMMUTABLE = re.compile(r"(^|\s)(-e\s*2\b|--loginuid-immutable)")


def auditctl(*args, check=True):
    return subprocess.run(["auditctl", *args], capture_output=True, text=True, check=check)


def kernel_status():
    """`auditctl -s` as a dict of str -> str (first word of each value)."""
    status = {}
    for line in auditctl("-s").stdout.splitlines():
        if " " in line:
            key, value = line.split(" ", 1)
            status[key] = value.split()[0]
    return status


def auditd_pids():
    """PIDs of the auditd daemons in this machine's own PID namespace, not a container's."""
    out = subprocess.run(["pgrep", "--ns", str(os.getpid()), "--nslist", "pid", "-x", "auditd"],
                         capture_output=True, text=True, check=False).stdout
    return [int(pid) for pid in out.split()]


def kernel_rules():
    """The kernel's rules as `auditctl -l` prints them ([] when none)."""
    lines = auditctl("-l").stdout.splitlines()
    return [] if lines == ["No rules"] else lines


def _refuse_immutable(value):
    text = json.dumps(value)
    for line in text.replace("\\n", "\n").splitlines():
        if _IMMUTABLE.search(line):
            raise AssertionError("refusing to send immutable-mode rules to the host kernel: %r" % line)


def run_module(module, args, check=False, diff=False, extra_vars=None):
    """Runs fleetaudit.auditd.<module> (or a FQCN) on localhost and returns its result dict.

    The result is the one the json callback records, so that it keeps ``failed`` and ``diff``.
    """
    _refuse_immutable(args)
    name = module if "." in module else "fleetaudit.auditd." + module
    cmd = ["ansible", "localhost", "-c", "local", "-i", "localhost,",
           "-e", "ansible_python_interpreter=" + HOST_PYTHON, "-m", name]
    if args:
        # An empty "-a {}" would reach the module as a raw parameter.
        cmd += ["-a", json.dumps(args)]
    for key, value in (extra_vars or {}).items():
        cmd += ["-e", json.dumps({key: value})]
    if check:
        cmd.append("--check")
    if diff:
        cmd.append("--diff")
    return module_result(cmd, "localhost")


def run_playbook(playbook, *args):
    """Runs a playbook on localhost (connection local); returns (returncode, json callback report)."""
    return ansible_json(["ansible-playbook", "-i", "localhost,", "-c", "local",
                         "-e", "ansible_python_interpreter=" + HOST_PYTHON, str(playbook), *args])


def snapshot_dir(path):
    """{name: (mode, bytes)} of the regular files in a directory, to compare byte for byte."""
    result = {}
    if os.path.isdir(path):
        for name in sorted(os.listdir(path)):
            full = os.path.join(path, name)
            if os.path.isfile(full):
                with open(full, "rb") as handle:
                    result[name] = (os.stat(full).st_mode, handle.read())
    return result


@functools.lru_cache(maxsize=None)
def host_tables():
    """This machine's syscall tables, as ausyscall dumps them (its own personality and the 32-bit one)."""
    def dump(*args):
        output = subprocess.run(["ausyscall", *args], capture_output=True, text=True, check=True).stdout
        return SyscallTables.parse_dump(output)
    return SyscallTables(os.uname()[4], {64: dump("--dump"), 32: dump("b32", "--dump")})


def _restore_kernel(rules, status):
    auditctl("-D")
    for option, key in KERNEL_SETTINGS:
        auditctl(option, status[key], check=False)
    if rules:
        # Not the listed lines themselves: a directory watch made with -F dir=/x/ is listed as
        # -w /x/, which auditctl would load as -w /x (the module's rollback reloads the same way).
        loadable = [rule.loadable for rule in parse_kernel_rules(rules, host_tables())]
        with tempfile.NamedTemporaryFile("w", suffix=".rules", delete=False) as handle:
            handle.write("\n".join(loadable) + "\n")
        try:
            auditctl("-R", handle.name)
        finally:
            os.unlink(handle.name)
    auditctl("-e", status["enabled"])


@pytest.fixture
def namespaced_python(tmp_path):
    """A managed-host Python that runs in a PID namespace of its own, where the kernel refuses
    audit requests as it does in a container (pass it as ansible_python_interpreter)."""
    wrapper = tmp_path / "python-in-pid-namespace"
    wrapper.write_text('#!/bin/sh\nexec unshare --pid --fork --mount-proc %s "$@"\n' % HOST_PYTHON)
    wrapper.chmod(0o755)
    return str(wrapper)


@pytest.fixture(scope="session", autouse=True)
def host_audit_state():
    """Saves the kernel rules, kernel settings and /etc/audit rule files; restores them all.

    Holds the lane lock meanwhile, so that another session (another checkout, another engineer)
    waits instead of loading rules into the same kernel.
    """
    os.makedirs(os.path.dirname(LANE_LOCK), exist_ok=True)
    lock = open(LANE_LOCK, "w")
    fcntl.flock(lock, fcntl.LOCK_EX)
    # A run stopped early ends its lanes with SIGTERM (tests/run-lanes.sh, the compat lane in the
    # background): as a KeyboardInterrupt, pytest still tears this fixture down and puts the host back.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        yield from _saved_and_restored()
    finally:
        lock.close()


def _saved_and_restored():
    status = kernel_status()
    assert status["enabled"] != "2", "the host kernel is immutable: reboot before running this lane"
    rules = kernel_rules()
    saved_dir = tempfile.mkdtemp(prefix="fa-etc-audit-")
    if os.path.isdir(RULES_DIR):
        shutil.copytree(RULES_DIR, os.path.join(saved_dir, "rules.d"), symlinks=True)
    if os.path.exists(RULES_FILE):
        shutil.copy2(RULES_FILE, os.path.join(saved_dir, "audit.rules"))
    yield {"status": status, "rules": rules}
    if kernel_status()["enabled"] == "2":
        pytest.exit("A TEST MADE THE HOST KERNEL IMMUTABLE: reboot this machine", returncode=3)
    _restore_kernel(rules, status)
    shutil.rmtree(RULES_DIR, ignore_errors=True)
    if os.path.isdir(os.path.join(saved_dir, "rules.d")):
        shutil.copytree(os.path.join(saved_dir, "rules.d"), RULES_DIR, symlinks=True)
    if os.path.exists(os.path.join(saved_dir, "audit.rules")):
        shutil.copy2(os.path.join(saved_dir, "audit.rules"), RULES_FILE)
    shutil.rmtree(saved_dir, ignore_errors=True)
    assert kernel_rules() == rules, "the host's kernel rules were not restored"
