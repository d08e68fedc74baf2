"""The host's side of the modules: commands in the C locale, auditctl -s, the daemon, boot
enablement, atomic writes."""

import os
import shutil
import subprocess
import time

import pytest

from ansible_collections.fleetaudit.auditd.plugins.module_utils import host_io
from ansible_collections.fleetaudit.auditd.tests.unit.plugins.module_utils.audit_fixtures import read


@pytest.fixture
def auditd_in_another_pid_namespace(tmp_path):
    """A process named auditd (a copy of sleep) in a PID namespace of its own; its PID here."""
    if os.geteuid() != 0 or not shutil.which("unshare"):
        pytest.skip("needs root and unshare to make a PID namespace")
    fake = tmp_path / "auditd"
    shutil.copy(shutil.which("sleep"), fake)
    proc = subprocess.Popen(["unshare", "--pid", "--fork", "--kill-child", str(fake), "60"])
    try:
        for dummy in range(50):
            found = [pid for pid in map(int, filter(str.isdigit, os.listdir("/proc"))) if _exe(pid) == str(fake)]
            if found:
                break
            time.sleep(0.1)
        else:
            pytest.fail("the process in the new PID namespace did not start")
        yield found[0]
    finally:
        # unshare --kill-child ends the process it started when unshare itself ends.
        proc.kill()
        proc.wait()


def _exe(pid):
    try:
        return os.readlink("/proc/%d/exe" % pid)
    except OSError:
        return None


def test_an_auditd_of_another_pid_namespace_is_not_this_hosts(auditd_in_another_pid_namespace):
    # An auditd in a container (an audit collector) shows in the host's /proc too: auditd_service
    # restarting that one killed the collector and then failed to start a second host daemon.
    with open("/proc/%d/comm" % auditd_in_another_pid_namespace) as handle:
        assert handle.read().strip() == "auditd"
    assert auditd_in_another_pid_namespace not in host_io.auditd_pids()
    assert host_io.daemon_pid() != auditd_in_another_pid_namespace


def test_the_kernels_audit_pid_is_the_daemon_only_when_it_is_an_auditd():
    # This test's own process is no auditd: the kernel's word is not taken for it.
    assert host_io.daemon_pid(os.getpid()) != os.getpid()


class RecordedModule:
    """Stands for AnsibleModule's run_command: answers from recorded output, keeps each call."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.calls = []

    def run_command(self, args, **kwargs):
        self.calls.append((args, kwargs))
        return self.answers.pop(0)


def test_commands_run_in_the_c_locale():
    module = RecordedModule((0, "enabled\n", ""))
    host_io.run_command(module, ["systemctl", "is-enabled", "auditd"], check_rc=True)
    assert module.calls == [(["systemctl", "is-enabled", "auditd"],
                             {"environ_update": {"LC_ALL": "C"}, "check_rc": True})]


def test_kernel_status_asks_again_when_auditctl_printed_nothing():
    module = RecordedModule((0, "", ""), (0, "enabled 1\nfailure 1\npid 77\n", ""))
    status, reason = host_io.kernel_status(module, "/sbin/auditctl", pause=0)
    assert (status["enabled"], reason, len(module.calls)) == (1, None, 2)


def test_kernel_status_says_no_audit_after_answers_of_nothing_only():
    module = RecordedModule(*[(0, "", "")] * 3)
    status, reason = host_io.kernel_status(module, "/sbin/auditctl", pause=0)
    assert (status, reason, len(module.calls)) == (None, "auditctl -s: exit 0", 3)


@pytest.mark.parametrize("version", ["3.0.9", "4.0.2"])
def test_kernel_status_from_recorded_auditctl_output(version):
    module = RecordedModule((0, read(version, "status.txt"), ""))
    status, reason = host_io.kernel_status(module, "/sbin/auditctl")
    assert reason is None
    assert (status["enabled"], status["backlog_limit"]) == (1, 8192)
    assert module.calls[0][0] == ["/sbin/auditctl", "-s"]


def test_kernel_status_in_a_container_says_why():
    module = RecordedModule((255, "", "Error sending status request (Operation not permitted)\n"))
    status, reason = host_io.kernel_status(module, "/sbin/auditctl")
    assert status is None
    assert reason.startswith("auditctl -s: Error sending status request (Operation not permitted)")
    assert host_io.kernel_status(RecordedModule(), None) == (None, "auditctl not found")


@pytest.mark.parametrize("answer, starts", [
    ("enabled\n", True), ("enabled-runtime", True), ("static", True), ("alias", True), ("indirect", True),
    ("generated", True), ("disabled\n", False), ("masked", False), ("linked", False), ("", False),
    (None, None), (True, True), (False, False),
])
def test_one_answer_to_whether_auditd_starts_at_boot(answer, starts):
    assert host_io.starts_at_boot(answer) is starts


def test_atomic_write_replaces_the_file_and_sets_its_mode(tmp_path):
    target = tmp_path / "cursor.json"
    target.write_bytes(b"old")
    host_io.atomic_write(str(target), b"new", mode=0o640)
    assert target.read_bytes() == b"new"
    assert target.stat().st_mode & 0o7777 == 0o640
    assert os.listdir(str(tmp_path)) == ["cursor.json"]


def test_a_failed_atomic_write_leaves_no_temporary_file(tmp_path):
    # The rename fails (a directory holds the name): the old content stays, nothing is added.
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "inside").write_bytes(b"kept")
    with pytest.raises(OSError):
        host_io.atomic_write(str(tmp_path / "taken"), b"new")
    assert os.listdir(str(tmp_path)) == ["taken"]
    assert (tmp_path / "taken" / "inside").read_bytes() == b"kept"
