"""Rule sources combined on this machine's kernel: the host's 30-stig example set with bundles that
repeat its rules (loaded once, duplicates: merge), and a later watch of a watched file, which the
kernel never lets match (shadowed_rules)."""

import os
import subprocess
import uuid

from conftest import RULES_DIR, auditctl, kernel_rules, run_module, snapshot_dir
from keyed_events import _logged_count, wait_for_events

STIG = "/usr/share/doc/auditd/examples/rules/30-stig.rules"
BASE = {"10-base.rules": "-D\n-b 8192\n-f 1\n"}
# The identity and time_change bundles as the auditd role renders them on x86_64.
BUNDLES = {
    "30-fleetaudit-identity.rules": "".join("-w %s -p wa -k identity\n" % path for path in (
        "/etc/group", "/etc/passwd", "/etc/gshadow", "/etc/shadow", "/etc/security/opasswd")),
    "30-fleetaudit-time_change.rules": (
        "# bundle time_change\n"
        "-a always,exit -F arch=b64 -S adjtimex,settimeofday,clock_settime -k time-change\n"
        "-a always,exit -F arch=b32 -S adjtimex,settimeofday,clock_settime,stime -k time-change\n"
        "-w /etc/localtime -p wa -k time-change\n"),
}
ARGS = {"files": dict(BASE, **BUNDLES), "host_files": {"30-stig.rules": STIG}, "missing_paths": "skip", "purge": True}


def stig_line(rule):
    with open(STIG) as handle:
        return [number for number, text in enumerate(handle.read().split("\n"), 1) if text == rule][0]


def test_bundles_and_the_stig_set_load_each_rule_once_and_stay_idempotent():
    before = snapshot_dir(RULES_DIR), kernel_rules()
    refused = run_module("augenrules", ARGS)
    assert refused["failed"] and "duplicates=merge loads a rule that several files have once" in refused["msg"]
    assert {error["kept_at"] for error in refused["errors"]} >= {"30-fleetaudit-time_change.rules:4",
                                                                 "30-fleetaudit-identity.rules:1"}
    assert (snapshot_dir(RULES_DIR), kernel_rules()) == before

    loaded = run_module("augenrules", dict(ARGS, duplicates="merge"))
    assert not loaded.get("failed"), loaded.get("msg")
    expected = [(stig_line("-w /etc/localtime -p wa -k time-change"), "30-fleetaudit-time_change.rules:4")] + [
        (stig_line(rule), "30-fleetaudit-identity.rules:%d" % number)
        for number, rule in enumerate(BUNDLES["30-fleetaudit-identity.rules"].splitlines(), 1)]
    assert [(entry["file"], entry["line"], entry["kept_at"]) for entry in loaded["merged_rules"]] == \
        [("30-stig.rules", line, kept_at) for line, kept_at in expected]
    written = open(os.path.join(RULES_DIR, "30-stig.rules")).read().split("\n")
    assert written[expected[0][0] - 1] == ("# merged by fleetaudit.auditd: same rule as "
                                           "30-fleetaudit-time_change.rules:4: -w /etc/localtime -p wa -k time-change")
    # Each rule is in the kernel once; the compiled file is what augenrules compiles from the files.
    rules = kernel_rules()
    assert rules.count("-w /etc/localtime -p wa -k time-change") == 1
    assert rules.count("-w /etc/passwd -p wa -k identity") == 1
    assert "drift_after_load" not in loaded
    check = subprocess.run(["augenrules", "--check"], capture_output=True, text=True, check=True).stdout
    assert "No change" in check
    checked = run_module("augenrules", {"state": "checked"})
    assert checked["changed"] is False
    assert checked["drift"] == {"missing": [], "extra": [], "reordered": False, "settings": {}}
    again = run_module("augenrules", dict(ARGS, duplicates="merge"))
    assert again["changed"] is False and again["merged_rules"] == loaded["merged_rules"]

    # The set's own time-change rules are loaded, but the bundle's broader ones always match first.
    shadowed = {(entry["file"], entry["rule"]): entry["shadowed_by"] for entry in loaded["shadowed_rules"]}
    assert shadowed[("30-stig.rules", "-a always,exit -F arch=b64 -S adjtimex,settimeofday -F key=time-change")] \
        == "30-fleetaudit-time_change.rules:2"
    assert shadowed[("30-stig.rules", "-a always,exit -F arch=b64 -S clock_settime -F a0=0x0 -F key=time-change")] \
        == "30-fleetaudit-time_change.rules:2"


def test_the_kernel_records_only_the_first_of_two_watches_and_the_second_is_reported(tmp_path):
    watched = tmp_path / "watched"
    watched.write_text("")
    first, second = ("fa-shadow-%s-%s" % (which, uuid.uuid4().hex[:8]) for which in ("first", "second"))
    rules = "-w {0} -p wa -k {1}\n-a always,exit -F path={0} -F perm=wa -k {2}\n".format(watched, first, second)
    result = run_module("augenrules", {"files": dict(BASE, **{"50-shadow.rules": rules}), "purge": True})
    assert not result.get("failed"), result.get("msg")
    # Both are loaded: the kernel refuses only an equal rule, and these keys differ.
    assert "-w %s -p wa -k %s" % (watched, first) in kernel_rules()
    assert "-w %s -p wa -k %s" % (watched, second) in kernel_rules()
    [entry] = result["shadowed_rules"]
    assert (entry["file"], entry["line"], entry["shadowed_by"]) == ("50-shadow.rules", 2, "50-shadow.rules:1")
    assert entry["reason"].endswith("recorded with key %s, never with key %s" % (first, second))
    assert any("can never match" in warning and "50-shadow.rules:2" in warning for warning in result["warnings"])

    for _write in range(3):
        with open(str(watched), "a") as handle:
            handle.write("x\n")
    wait_for_events(first, 3)
    assert _logged_count(second) == 0
    # Without the first watch, the second one records.
    auditctl("-W", str(watched), "-p", "wa", "-k", first)
    with open(str(watched), "a") as handle:
        handle.write("y\n")
    wait_for_events(second, 1)


def test_a_syscall_rule_behind_a_broader_one_never_records(tmp_path):
    """As in the package's 42-injection set: `-S ptrace` before `-S ptrace -F a0=0x4`."""
    first, second = ("fa-shadow-%s-%s" % (which, uuid.uuid4().hex[:8]) for which in ("broad", "narrow"))
    rules = ("-a always,exit -F arch=b64 -S umask -F key={0}\n"
             "-a always,exit -F arch=b64 -S umask -F a0=0x12 -F key={1}\n").format(first, second)
    result = run_module("augenrules", {"files": dict(BASE, **{"50-shadow.rules": rules}), "purge": True})
    assert not result.get("failed"), result.get("msg")
    assert [(entry["line"], entry["shadowed_by"]) for entry in result["shadowed_rules"]] == [(2, "50-shadow.rules:1")]
    previous = os.umask(0o22)  # a0 = 0x12
    os.umask(previous)
    wait_for_events(first, 2)
    assert _logged_count(second) == 0
    # Without the broad rule, the narrow one records.
    auditctl("-d", "always,exit", "-F", "arch=b64", "-S", "umask", "-F", "key=" + first)
    os.umask(os.umask(0o22))
    wait_for_events(second, 1)
