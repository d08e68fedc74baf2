"""auditd_pids finds this host's auditd, not the auditd of a container (an audit collector),
which shows in the host's /proc too: auditd_service restarting that one killed the collector and
then failed to start a second host daemon (`auditd exited 1`)."""

import os
import shutil
import subprocess
import time

import pytest

from ansible_collections.fleetaudit.auditd.plugins.module_utils import auditd_process
from ansible_collections.fleetaudit.auditd.plugins.modules import auditd_service


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
    with open("/proc/%d/comm" % auditd_in_another_pid_namespace) as handle:
        assert handle.read().strip() == "auditd"
    assert auditd_in_another_pid_namespace not in auditd_process.auditd_pids()
    assert auditd_service.daemon_pid() != auditd_in_another_pid_namespace
