"""The real auditd parser accepts exactly the auditd.conf values that the role's check accepts.

Every case of the unit tests (tests/unit/plugins/module_utils/test_auditd_conf.py) is written as
the role writes it and read by auditd itself: audit 3.0.9 of this machine, and audit 4.0.2 of a
Debian 13 root file system (the containers' cached debootstrap tree) through chroot. auditd runs
in the foreground in a PID namespace of its own, where the kernel refuses it audit: it parses
the file, says "config_manager init complete" when it took every line, and exits without
touching this machine's audit daemon, rules or pid file.
"""

import importlib.util
import os
import shutil
import subprocess
import tempfile

import pytest

from ansible_collections.fleetaudit.auditd.plugins.module_utils.auditd_conf import conf_errors, conf_lines

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
ACCEPTED_MARK = "config_manager init complete"
DEBIAN13_PACKAGES = "python3,python3-apt,systemd-sysv,procps,sudo,auditd,audispd-plugins"


def _unit_cases():
    path = os.path.join(REPO, "tests", "unit", "plugins", "module_utils", "test_auditd_conf.py")
    spec = importlib.util.spec_from_file_location("auditd_conf_cases", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CASES = _unit_cases()


@pytest.fixture(scope="module")
def debian13_root():
    """A Debian 13 tree with auditd 4.0.2: the cached root file system of the container images."""
    tarball = subprocess.run([os.path.join(REPO, "scripts", "build-rootfs.sh"), "trixie", "debian13-systemd",
                              DEBIAN13_PACKAGES], capture_output=True, text=True, check=True).stdout.split()[-1]
    root = tempfile.mkdtemp(prefix="fa-debian13-")
    subprocess.run(["tar", "-C", root, "-xf", tarball], check=True)
    yield root
    shutil.rmtree(root, ignore_errors=True)


def auditd_accepts(root, settings):
    """Whether the auditd of `root` ("/" or a chroot tree) starts with `settings` as the role writes them."""
    work = tempfile.mkdtemp(prefix="fa-conf-probe-", dir=os.path.join(root, "tmp"))
    inside = "/tmp/" + os.path.basename(work)
    try:
        os.mkdir(os.path.join(work, "plugins"))
        lines = ["local_events = yes", "write_logs = no", "priority_boost = 0", "plugin_dir = %s/plugins" % inside]
        with open(os.path.join(work, "auditd.conf"), "w") as handle:
            handle.write("\n".join(lines + conf_lines(settings)) + "\n")
        os.chmod(os.path.join(work, "auditd.conf"), 0o640)
        command = ["/usr/sbin/auditd", "-f", "-c", inside]
        if root != "/":
            command = ["chroot", root] + command
        proc = subprocess.run(["timeout", "10", "unshare", "--pid", "--fork", "--mount-proc"] + command,
                              capture_output=True, text=True, check=False)
        return ACCEPTED_MARK in proc.stdout + proc.stderr, proc.stdout + proc.stderr
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _disagreements(root, version):
    cases = [(CASES.case_settings(setting, value), [setting], "%s=%r" % (setting, value), accepted)
             for setting, value, accepted in CASES.GRAMMAR_CASES]
    cases += [(settings, list(settings), "file %r" % settings, accepted) for settings, accepted in CASES.CROSS_CASES]
    # Refused by the role although auditd starts with them (the unit tests say why).
    cases += [(dict(CASES.BASE, **settings), list(settings), "stricter %r" % settings, None)
              for settings in CASES.STRICTER_CASES]
    found = []
    for settings, user_keys, label, expected in cases:
        ours = conf_errors(settings, user_keys=user_keys, version=version) == []
        theirs, output = auditd_accepts(root, settings)
        if (expected is None and (ours or not theirs)) or (expected is not None and not ours == theirs == expected):
            found.append("%s: role check %s, auditd %s, recorded %s\n%s" % (
                label, ours, theirs, expected, output[-300:]))
    return found


def test_auditd_3_0_of_this_machine_agrees_with_the_role_check():
    version = subprocess.run(["auditctl", "-v"], capture_output=True, text=True, check=True).stdout
    assert "3.0" in version
    assert _disagreements("/", "3.0.9") == []


def test_auditd_4_0_of_debian_13_agrees_with_the_role_check(debian13_root):
    version = subprocess.run(["chroot", debian13_root, "auditctl", "-v"], capture_output=True, text=True, check=True).stdout
    assert "4.0" in version
    assert _disagreements(debian13_root, "4.0.2") == []
