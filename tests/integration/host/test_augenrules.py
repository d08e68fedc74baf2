"""fleetaudit.auditd.augenrules against this machine's kernel: load, read back, drift, validation,
rollback, check mode, and every example rule set the host's auditd package ships.

The module runs through Ansible on the real /etc/audit (the session fixture restores it and the
kernel's rules and settings afterwards). Never immutable mode: conftest.run_module refuses it.
"""

import gzip
import os
import subprocess

import pytest

from conftest import RULES_DIR, RULES_FILE, auditctl, kernel_rules, kernel_status, run_module, snapshot_dir

EXAMPLES = "/usr/share/doc/auditd/examples/rules"
BASE = {
    "10-base.rules": "-D\n-b 8192\n-f 1\n--backlog_wait_time 60000\n",
}
RULES = (
    "-w /etc/passwd -p wa -k identity\n"
    "-w /etc/sudoers.d/ -p aw -k scope\n"
    "-a always,exit -F arch=b64 -S openat -S open -F exit=-EACCES -F auid>=1000 -F auid!=unset -k access\n"
    "-a always,exit -F arch=b32 -S open,creat -F exit=-EPERM -F auid!=4294967295 -F key=access\n"
    "-a always,exit -F path=/usr/bin/passwd -F perm=x -F auid>=1000 -F auid!=-1 -k passwd\n"
    "-a always,exit -F dir=/etc/ssh/ -F perm=wa -k sshd\n"
    "-a always,exit -F arch=b64 -S execve -C uid!=euid -F euid=root -k setuid\n"
    "-a never,exclude -F msgtype=CWD\n"
    "-a never,user -F uid=daemon\n"
)
# One per kind of mistake validation catches; each must come back with its file and line.
BAD_RULES = [
    "-a always,exit -F arch=b64 -S no_such_syscall -k bad",
    "-a always,exit -F arch=b32 -S no_such_syscall32 -k bad",
    "-a always,exit -F arch=b64 -S open -F nosuchfield=1",
    "-a always,exit -F arch=b64 -S open -F uid~0",
    "-a always,exit -F arch=b64 -S open -F path>/etc",
    "-a always,exit -F arch=b64 -S open -F perm!=w",
    "-w /etc/passwd -p wq -k badperm",
    "-a always,exit -F path=/etc/passwd -F perm=rwxz",
    "-w /etc/hosts -k " + "k" * 257,
    "-w /no-such-dir-fa/file -p wa",
    "-a always,exit -F dir=/no-such-dir-fa -F perm=wa",
    "-a always,exit -F path=/no-such-dir-fa/x -F perm=wa",
    "-e 3",
    "-f 5",
    "-b many",
    "-a always,entry -F arch=b64 -S open",
    "-a always,nolist -S open",
    "-a sometimes,exit -S open",
    "-a always,task -S open",
    "-a always,user -F msgtype=bogus",
    "-a always,exit -F arch=b64 -S open -F msgtype=1100",
    "-a always,exclude -F path=/etc",
    "-a always,exit -S open -F arch=b64",
    "-a always,exit -F arch=b128 -S open",
    "-a always,exit -F arch=b64 -S open -F uid=no-such-user-fa",
    "-a always,exit -F arch=b64 -S open -F exit=-ENOSUCH",
    "-a always,exit -F arch=b64 -S open -C uid=pid",
    "-w etc/passwd -p wa",
    "-p wa -w /etc/passwd",
    "-x",
    "-w /etc/passwd stray",
    "\t-w /etc/group -p wa",
    "-w /etc/passwd -p wa -k identity",
]


def files_with(rules, name="50-test.rules"):
    return dict(BASE, **{name: rules})


def state():
    """Everything a run may touch: rule files, compiled file, kernel rules and settings."""
    compiled = open(RULES_FILE, "rb").read() if os.path.exists(RULES_FILE) else None
    status = {key: value for key, value in kernel_status().items()
              if key in ("enabled", "failure", "rate_limit", "backlog_limit", "backlog_wait_time")}
    return snapshot_dir(RULES_DIR), compiled, kernel_rules(), status


def augenrules_check():
    return subprocess.run(["augenrules", "--check"], capture_output=True, text=True, check=True).stdout


@pytest.fixture
def loaded():
    """The kernel and /etc/audit holding BASE + RULES, loaded by the module."""
    result = run_module("augenrules", {"files": files_with(RULES), "purge": True})
    assert not result.get("failed"), result.get("msg")
    return result


def test_load_reads_back_without_drift_and_is_idempotent():
    first = run_module("augenrules", {"files": {"10-other.rules": "-w /etc/group -p wa -k other\n"}, "purge": True})
    assert not first.get("failed"), first.get("msg")
    assert kernel_rules() == ["-w /etc/group -p wa -k other"]
    loaded = run_module("augenrules", {"files": files_with(RULES), "purge": True})
    assert loaded["changed"] and loaded["kernel_available"]
    assert loaded["files_changed"] == ["10-base.rules", "10-other.rules", "50-test.rules"]
    assert loaded["drift"]["extra"] == ["-w /etc/group -p wa -k other"]
    assert len(loaded["drift"]["missing"]) == 9
    assert loaded["loaded_rules"] == 9 == len(kernel_rules())
    assert "drift_after_load" not in loaded
    assert "No change" in augenrules_check()
    status = kernel_status()
    assert (status["backlog_limit"], status["backlog_wait_time"], status["failure"]) == ("8192", "60000", "1")
    again = run_module("augenrules", {"files": files_with(RULES), "purge": True})
    assert again["changed"] is False
    assert (again["files_changed"], again["rules_changed"], again["kernel_changed"]) == ([], False, False)
    assert again["drift"] == {"missing": [], "extra": [], "reordered": False, "settings": {}}
    assert sorted(os.listdir(RULES_DIR)) == ["10-base.rules", "50-test.rules"]
    assert oct(os.stat(os.path.join(RULES_DIR, "50-test.rules")).st_mode & 0o777) == "0o640"


def test_out_of_band_rule_is_extra_and_loaded_removes_it(loaded):
    auditctl("-w", "/etc/hosts", "-p", "wa", "-k", "out-of-band")
    auditctl("-b", "320")
    before = state()
    checked = run_module("augenrules", {"state": "checked"})
    assert checked["changed"] and checked["kernel_changed"] and not checked["rules_changed"]
    assert checked["drift"]["extra"] == ["-w /etc/hosts -p wa -k out-of-band"]
    assert checked["drift"]["missing"] == []
    assert checked["drift"]["settings"] == {"backlog_limit": {"expected": 8192, "actual": 320}}
    in_check_mode = run_module("augenrules", {}, check=True)
    assert in_check_mode["changed"] and in_check_mode["drift"] == checked["drift"]
    assert state() == before
    fixed = run_module("augenrules", {})
    assert fixed["changed"] and fixed["kernel_changed"] and fixed["drift"] == checked["drift"]
    assert "-w /etc/hosts -p wa -k out-of-band" not in kernel_rules()
    assert kernel_status()["backlog_limit"] == "8192"
    assert run_module("augenrules", {"state": "checked"})["changed"] is False


def test_kernel_rule_missing_is_reported_and_restored(loaded):
    auditctl("-W", "/etc/passwd", "-p", "wa", "-k", "identity")
    checked = run_module("augenrules", {"state": "checked"})
    assert checked["drift"]["missing"] == ["-w /etc/passwd -p wa -k identity"]
    assert run_module("augenrules", {})["kernel_changed"]
    assert "-w /etc/passwd -p wa -k identity" in kernel_rules()


def test_bad_rules_are_all_reported_and_nothing_changes(loaded):
    before = state()
    content = "\n".join(BAD_RULES[:-1]) + "\n"
    # The last one duplicates a rule of 50-test.rules, from another file.
    result = run_module("augenrules", {"files": dict(files_with(RULES), **{
        "60-bad.rules": content, "70-dup.rules": BAD_RULES[-1] + "\n"})})
    assert result["failed"]
    assert len(BAD_RULES) >= 30
    assert [(error["file"], error["line"]) for error in result["errors"]] == \
        [("60-bad.rules", number) for number in range(1, len(BAD_RULES))] + [("70-dup.rules", 1)]
    assert [error["rule"] for error in result["errors"]] == BAD_RULES
    assert result["errors"][-1]["reason"].startswith("duplicate of 50-test.rules:1")
    assert result["msg"].startswith("%d invalid audit rule(s), nothing changed: 60-bad.rules:1: " % len(BAD_RULES))
    assert state() == before


FORMS = os.path.join(os.path.dirname(__file__), "..", "..", "unit", "fixtures", "audit", "3.0.9", "sets", "forms.rules")


def test_failed_load_half_way_restores_files_and_kernel(loaded):
    # Kernel rules whose listing does not load back as printed (lingering arch names, -F dir=
    # watches listed as "-w DIR/", perm-first watches listed as " -p x-w PATH") must come back too.
    auditctl("-D")
    auditctl("-R", FORMS)
    before = state()
    broken = RULES.replace("-a never,exclude", "-w /no-such-dir-fa/x -p wa -k broken\n-a never,exclude")
    result = run_module("augenrules", {"files": files_with(broken, "50-test.rules"), "validate": False})
    assert result["failed"]
    assert "auditctl -R failed at 50-test.rules:8: -w /no-such-dir-fa/x -p wa -k broken" in result["msg"]
    assert "No such file or directory" in result["msg"]
    assert "previous rule files and kernel rules restored" in result["msg"]
    assert state() == before


def test_check_mode_and_checked_change_nothing_and_report_the_real_run(loaded):
    before = state()
    new_rules = RULES + "-w /etc/group -p wa -k identity\n"
    args = {"files": files_with(new_rules), "purge": True}
    in_check_mode = run_module("augenrules", args, check=True, diff=True)
    checked = run_module("augenrules", dict(args, state="checked"))
    assert state() == before
    for result in (in_check_mode, checked):
        assert result["changed"] and result["files_changed"] == ["50-test.rules"] and result["rules_changed"]
        assert result["drift"]["missing"] == ["-w /etc/group -p wa -k identity"]
    assert in_check_mode["diff"]["after"].endswith("-w /etc/group -p wa -k identity\n\n")
    real = run_module("augenrules", args)
    for key in ("changed", "files_changed", "rules_changed", "kernel_changed", "drift"):
        assert real[key] == checked[key], key
    assert "-w /etc/group -p wa -k identity" in kernel_rules()


def test_compiled_is_byte_identical_to_the_hosts_augenrules():
    files = {
        "10-base.rules": "-D\n-b 8192\n",
        "20-tricky.rules": "  # indented comment (a rule line for mawk, skipped by auditctl)\n"
                           "-w /etc/hosts -p wa -k hosts\r\n\n-f 1\n-D\n",
        "9-first.rules": "-a always,exit -F arch=b64 -S openat -k nine\n",
        "30-x.rules": "-w /etc/group -p wa -k group",
    }
    previous = open(RULES_FILE, "rb").read() if os.path.exists(RULES_FILE) else None
    result = run_module("augenrules", {"state": "compiled", "files": files, "purge": True, "validate": False})
    assert not result.get("failed"), result.get("msg")
    assert "No change" in augenrules_check()
    if previous is not None and result["rules_changed"]:
        assert open(RULES_FILE + ".prev", "rb").read() == previous
    assert oct(os.stat(RULES_FILE).st_mode & 0o777) == "0o640"


def test_compiled_does_not_touch_the_kernel(loaded):
    rules = kernel_rules()
    result = run_module("augenrules", {"state": "compiled", "files": files_with("-w /etc/group -p wa\n"),
                                       "purge": True})
    assert result["changed"] and result["kernel_changed"]
    assert kernel_rules() == rules


def test_host_files_gz_and_missing_paths_skip(tmp_path):
    source = tmp_path / "watch.rules.gz"
    with gzip.open(str(source), "wt") as handle:
        handle.write("-w /etc/passwd -p wa -k gz\n-w /etc/no-such-file-fa -p wa -k gone\n"
                     "-a always,exit -F dir=/no-such-dir-fa/ -F perm=wa -k gone-dir\n")
    args = {"files": BASE, "host_files": {"40-gz.rules": str(source)}, "missing_paths": "skip", "purge": True}
    result = run_module("augenrules", args)
    assert not result.get("failed"), result.get("msg")
    assert [(entry["file"], entry["line"], entry["path"]) for entry in result["skipped_rules"]] == [
        ("40-gz.rules", 2, "/etc/no-such-file-fa"), ("40-gz.rules", 3, "/no-such-dir-fa/")]
    written = open(os.path.join(RULES_DIR, "40-gz.rules")).read().splitlines()
    assert written[1] == ("# skipped by fleetaudit.auditd: /etc/no-such-file-fa does not exist: "
                          "-w /etc/no-such-file-fa -p wa -k gone")
    assert kernel_rules() == ["-w /etc/passwd -p wa -k gz"]
    assert run_module("augenrules", args)["changed"] is False


def _example_sets():
    names = sorted(name[:-len(".rules")] for name in os.listdir(EXAMPLES) if name.endswith(".rules"))
    # 11-loginuid sets --loginuid-immutable, which must never reach this kernel.
    return [name for name in names if name not in ("10-base-config", "99-finalize", "11-loginuid")]


def _finalize_without_immutable():
    with open(os.path.join(EXAMPLES, "99-finalize.rules")) as handle:
        return "".join(line for line in handle if "-e 2" not in line and "loginuid-immutable" not in line)


@pytest.mark.parametrize("name", _example_sets())
def test_example_rule_set_loads_without_false_drift(name):
    """Base config + the set + finalize (without -e 2), as the package's README-rules combines them."""
    args = {
        "host_files": {"10-base-config.rules": os.path.join(EXAMPLES, "10-base-config.rules"),
                       name + ".rules": os.path.join(EXAMPLES, name + ".rules")},
        "files": {"99-finalize.rules": _finalize_without_immutable()},
        "purge": True,
        "missing_paths": "skip",
    }
    result = run_module("augenrules", args)
    if name == "22-ignore-chrony":
        # The chrony user does not exist on this host: auditctl would refuse the rules.
        assert result["failed"]
        assert [(error["file"], error["line"], error["reason"]) for error in result["errors"]] == [
            ("22-ignore-chrony.rules", line, "unknown user 'chrony' in uid") for line in (2, 3)]
        return
    assert not result.get("failed"), result.get("msg")
    assert "drift_after_load" not in result, result["drift_after_load"]
    assert result["loaded_rules"] == len(kernel_rules())
    checked = run_module("augenrules", {"state": "checked"})
    assert checked["changed"] is False, checked["drift"]
    assert checked["drift"] == {"missing": [], "extra": [], "reordered": False, "settings": {}}
    assert "No change" in augenrules_check()
    for skipped in result["skipped_rules"]:
        assert not os.path.exists(skipped["path"])


def test_without_kernel_audit_files_are_managed_and_nothing_fails(tmp_path, namespaced_python):
    rules_dir, rules_file = tmp_path / "rules.d", tmp_path / "audit.rules"
    args = {"rules_dir": str(rules_dir), "rules_file": str(rules_file), "files": files_with(RULES)}
    before = kernel_rules()
    result = run_module("augenrules", args, extra_vars={"ansible_python_interpreter": namespaced_python})
    assert not result.get("failed"), result.get("msg")
    assert result["kernel_available"] is False and result["changed"]
    assert "Operation not permitted" in result["kernel_unavailable_reason"]
    assert sorted(os.listdir(str(rules_dir))) == ["10-base.rules", "50-test.rules"]
    assert rules_file.read_text().startswith("## This file is automatically generated from %s\n-D\n" % rules_dir)
    assert kernel_rules() == before
    bad = run_module("augenrules", dict(args, files={"60-bad.rules": "-w /etc/passwd -p wq\n"}),
                     extra_vars={"ansible_python_interpreter": namespaced_python})
    assert bad["failed"] and bad["errors"][0]["reason"].startswith("bad permission letters")
    again = run_module("augenrules", args, extra_vars={"ansible_python_interpreter": namespaced_python})
    assert again["changed"] is False
