"""What this machine's kernel and auditctl (3.0.9) take differently than written, and where their
limits are: the facts behind the augenrules module's validation, each next to what validation
says about the same input. Then the module itself refusing these inputs before anything changes.

Every test puts the kernel's rules and settings back (and the session fixture once more).
"""

import json

import pytest

from conftest import (
    RULES_DIR,
    RULES_FILE,
    _restore_kernel,
    auditctl,
    host_tables,
    kernel_rules,
    kernel_status,
    run_module,
    run_playbook,
    snapshot_dir,
)
from ansible_collections.fleetaudit.auditd.plugins.module_utils.rule_check import kernel_hz, validate_lines
from ansible_collections.fleetaudit.auditd.plugins.module_utils.rule_syntax import MAX_KEYS_BYTES, MAX_LINE_BYTES
from ansible_collections.fleetaudit.auditd.plugins.module_utils.rules_compile import source_lines

SYSCALLS = "-a always,exit -F arch=b64 -S open"
TABLES = host_tables()


def reasons(text):
    """Validation's reasons for one rules file holding `text` (nothing for a valid file)."""
    return [error["reason"] for error in validate_lines(source_lines([("50-edge.rules", text)]), TABLES)[1]]


@pytest.fixture
def scratch_kernel():
    """An empty kernel rule list for the test; the rules and settings found come back after it."""
    rules, status = kernel_rules(), kernel_status()
    assert status["enabled"] != "2"
    auditctl("-D")
    yield
    _restore_kernel(rules, status)
    assert kernel_rules() == rules


def load_file(tmp_path, data):
    """`auditctl -R` of a file holding `data` (bytes); returns its exit code."""
    path = tmp_path / "edge.rules"
    path.write_bytes(data)
    return auditctl("-R", str(path), check=False).returncode


@pytest.mark.parametrize("option, value, status_key, kernel_value", [
    ("-b", "4294967296", "backlog_limit", "0"),
    ("-b", "99999999999", "backlog_limit", "1215752191"),
    ("-r", "4294967296", "rate_limit", "0"),
])
def test_backlog_and_rate_keep_32_bits(scratch_kernel, option, value, status_key, kernel_value):
    assert auditctl(option, value).returncode == 0
    assert kernel_status()[status_key] == kernel_value
    assert auditctl(option, "4294967295").returncode == 0
    assert kernel_status()[status_key] == "4294967295"
    assert reasons("%s %s\n" % (option, value)) == [
        "%s %s is out of range: the kernel's %s holds 0 to 4294967295: auditctl would set %s %s%s"
        % (option, value, status_key, status_key, kernel_value, " (no limit)" if kernel_value == "0" else "")]
    assert reasons("%s 4294967295\n" % option) == []


def test_backlog_wait_time_limit_is_600_jiffies_per_hz(scratch_kernel):
    hz = kernel_hz()
    assert hz in (100, 250, 300, 1000), "CONFIG_HZ not found in /proc/config.gz or /boot/config-*"
    limit = 600 * hz
    assert auditctl("--backlog_wait_time", str(limit)).returncode == 0
    assert kernel_status()["backlog_wait_time"] == str(limit)
    refused = auditctl("--backlog_wait_time", str(limit + 1), check=False)
    assert refused.returncode != 0
    # auditctl's message names another setting: what validation says instead.
    assert "backlog limit request" in refused.stderr
    assert reasons("--backlog_wait_time %d\n" % limit) == []
    assert reasons("--backlog_wait_time %d\n" % (limit + 1)) == [
        "--backlog_wait_time %d is over %d, the most this host's kernel (HZ=%d) takes: "
        "10 times its default wait of 60 s, counted in jiffies" % (limit + 1, limit, hz)]


# Each -F value or syscall number auditctl 3.0.9 loads as another one: the rule, what the kernel
# lists, and validation's reason.
WRAPPED = [
    ("-F uid=4294967296", "-F uid=0", "uid=4294967296 is out of range"),
    ("-F auid>=-2147483649", "-F auid>=2147483647", "auditctl would load auid=2147483647"),
    ("-F uid=08", "-F uid=0", "a leading 0 makes it octal"),
    ("-F pid=4294967296", "-F pid=0", "auditctl would load pid=0"),
    ("-F a0=0x100000000", "-F a0=0x0", "auditctl would load a0=0"),
    ("-F exit=2147483648", "-F exit=-2147483648", "auditctl would load exit=-2147483648"),
    ("-F sessionid=4294967296", "-F sessionid=0", "auditctl would load sessionid=0"),
]


@pytest.mark.parametrize("field, listed, reason", WRAPPED)
def test_field_values_keep_32_bits(scratch_kernel, field, listed, reason):
    auditctl(*("%s %s -k wrapped" % (SYSCALLS, field)).split())
    assert kernel_rules() == ["%s %s -F key=wrapped" % (SYSCALLS, listed)]
    assert reason in reasons("%s %s -k wrapped\n" % (SYSCALLS, field))[0]


def test_syscall_numbers_past_the_mask_are_classes_or_wrap(scratch_kernel):
    auditctl("-a", "always,exit", "-F", "arch=b32", "-S", "4294967297", "-k", "wrapped")
    auditctl("-a", "always,exit", "-F", "arch=b64", "-S", "2047", "-k", "class")
    listing = kernel_rules()
    assert listing[0] == "-a always,exit -F arch=b32 -S exit -F key=wrapped"
    # Bit 2047 is a syscall class: the kernel expands it into the directory-writing syscalls.
    assert "mkdir" in listing[1] and "rename" in listing[1]
    assert "out of range (0 to 2031)" in reasons("-a always,exit -F arch=b32 -S 4294967297\n")[0]
    assert "out of range (0 to 2031)" in reasons("-a always,exit -F arch=b64 -S 2047\n")[0]
    assert reasons("-a always,exit -F arch=b64 -S 2031\n") == []


@pytest.mark.parametrize("field, refusal, reason", [
    ("-F uid=-1", "Invalid argument", "only auid can be unset"),
    ("-F euid=unset", "Invalid argument", "only auid can be unset"),
    ("-F gid=4294967295", "Invalid argument", "the kernel refuses -1"),
    ("-F gid=-1", "Unknown group: -1", "unknown group '-1' in gid"),
    ("-F pid=-5", "-F value should be number for pid", "field pid takes no negative number"),
])
def test_values_auditctl_or_the_kernel_refuse(scratch_kernel, field, refusal, reason):
    refused = auditctl(*("%s %s" % (SYSCALLS, field)).split(), check=False)
    assert refused.returncode != 0 and refusal in refused.stderr
    assert reason in reasons("%s %s\n" % (SYSCALLS, field))[0]


def test_unset_auid_and_values_at_the_limits_load(scratch_kernel):
    rule = SYSCALLS + " -F auid!=unset -F uid=4294967294 -F gid=4294967294 -F a0=0xFFFFFFFF -F pid=4294967295"
    auditctl(*rule.split())
    assert kernel_rules() == [SYSCALLS + " -F auid!=-1 -F uid=-2 -F gid=-2 -F a0=0xFFFFFFFF -F pid=-1"]
    assert reasons(rule + "\n") == []


def test_keys_share_the_kernels_256_bytes(scratch_kernel, tmp_path):
    assert MAX_KEYS_BYTES == 256
    fits = ["-w /etc/hosts -p wa -k " + "k" * 256, "-w /etc/group -p wa -k %s -k %s" % ("a" * 127, "b" * 128)]
    assert load_file(tmp_path, "\n".join(fits).encode() + b"\n") == 0
    assert kernel_rules() == fits
    assert reasons("\n".join(fits) + "\n") == []
    auditctl("-D")
    for too_long in ("-w /etc/hosts -p wa -k " + "k" * 257, "-w /etc/group -p wa -k %s -k %s" % ("a" * 128, "b" * 128)):
        assert load_file(tmp_path, too_long.encode() + b"\n") != 0
        assert kernel_rules() == []
        assert "the kernel takes at most 256" in reasons(too_long + "\n")[0]


@pytest.mark.parametrize("key, listed, reason", [
    (b"abc\x00def", "-w /etc/hosts -p wa -k abc", "auditctl ends the rule there"),
    (b"abc\x01def", "-w /etc/hosts -p wa -k abc -k def", "would list two keys"),
    (b"a!=b", None, "auditctl reads key=a!=b as a field comparison"),
])
def test_keys_the_kernel_would_not_keep_as_written(scratch_kernel, tmp_path, key, listed, reason):
    line = b"-w /etc/hosts -p wa -k " + key
    status = load_file(tmp_path, line + b"\n")
    assert kernel_rules() == ([listed] if listed else [])
    assert (status == 0) == bool(listed)
    assert reason in reasons(line.decode() + "\n")[0]


def test_lines_longer_than_auditctls_buffer_are_cut(scratch_kernel, tmp_path):
    def padded(size):
        line = SYSCALLS + " " * (size - len(SYSCALLS) - 12) + " -k long-key"
        assert len(line) == size
        return line
    after = "-w /etc/hosts -p wa -k after"
    assert load_file(tmp_path, ("%s\n%s\n" % (padded(MAX_LINE_BYTES), after)).encode()) == 0
    assert kernel_rules() == [SYSCALLS + " -F key=long-key", after]
    assert reasons("%s\n%s\n" % (padded(MAX_LINE_BYTES), after)) == []
    auditctl("-D")
    # Two bytes more: fgets stops short of the key's last letter, read as a rule of its own.
    assert load_file(tmp_path, ("%s\n%s\n" % (padded(MAX_LINE_BYTES + 2), after)).encode()) != 0
    assert kernel_rules() == [SYSCALLS + " -F key=long-ke"]
    assert reasons(padded(MAX_LINE_BYTES + 1) + "\n")[0].startswith("line is 6143 bytes long")
    auditctl("-D")
    ten_thousand = "-a always,exit -F arch=b64 -S " + "a" * 9970
    assert load_file(tmp_path, ten_thousand.encode() + b"\n") != 0
    assert reasons(ten_thousand + "\n")[0].startswith("line is 10000 bytes long")


def test_field_order_and_count_make_other_rules(scratch_kernel):
    uid_gid = SYSCALLS + " -F uid=0 -F gid=0 -k order"
    gid_uid = SYSCALLS + " -F gid=0 -F uid=0 -k order"
    uid_uid = SYSCALLS + " -F uid=0 -F uid=0 -k order"
    for rule in (uid_gid, gid_uid, uid_uid):
        auditctl(*rule.split())
    assert kernel_rules() == [rule.replace("-k order", "-F key=order") for rule in (uid_gid, gid_uid, uid_uid)]
    again = auditctl(*uid_gid.split(), check=False)
    assert again.returncode != 0 and "Rule exists" in again.stderr
    assert reasons("\n".join((uid_gid, gid_uid, uid_uid)) + "\n") == []
    assert reasons("%s\n%s\n" % (uid_gid, uid_gid)) == ["duplicate of 50-edge.rules:1 (the kernel refuses a rule that exists)"]


def test_dir_field_on_a_file_loads_as_a_file_watch(scratch_kernel, tmp_path):
    regular = tmp_path / "file"
    regular.write_text("")
    auditctl("-a", "always,exit", "-F", "dir=%s" % regular, "-F", "perm=w", "-k", "dir-on-file")
    assert kernel_rules() == ["-w %s -p w -k dir-on-file" % regular]
    assert reasons("-a always,exit -F dir=%s -F perm=w\n" % regular) == [
        "%s is not a directory (-F dir= watches a directory tree; use -w or -F path= for a file)" % regular]


def test_module_refuses_them_before_anything_changes(tmp_path):
    """Through the module: files and host_files (non-UTF-8 bytes too), reported at file:line as
    JSON, with nothing written or loaded."""
    base = {"10-base.rules": "-D\n-b 8192\n-f 1\n--backlog_wait_time 60000\n",
            "50-good.rules": "-w /etc/passwd -p wa -k identity\n"}
    assert not run_module("augenrules", {"files": base, "purge": True}).get("failed")
    latin1 = tmp_path / "latin1.rules"
    latin1.write_bytes(b"-w /etc/group -p wa -k identity\n-w /etc/hosts -p wa -k caf\xe9\n")
    before = snapshot_dir(RULES_DIR), kernel_rules(), kernel_status()["backlog_limit"]
    edges = ("-b 4294967296\n--backlog_wait_time 700000\n%s -F uid=4294967296\n"
             "-w /etc/hosts -p wa -k abc\x00def\n-a always,exit -F arch=b64 -S %s\n" % (SYSCALLS, "a" * 10000))
    result = run_module("augenrules", {"files": dict(base, **{"60-edge.rules": edges}),
                                       "host_files": {"70-latin1.rules": str(latin1)}})
    assert result["failed"]
    assert [(error["file"], error["line"]) for error in result["errors"]] == [
        ("60-edge.rules", line) for line in range(1, 6)] + [("70-latin1.rules", 2)]
    assert result["errors"][-1]["rule"] == "-w /etc/hosts -p wa -k caf\\xe9"
    assert result["errors"][-1]["reason"] == "byte \\xe9 at column 27 is not UTF-8: rule files must be UTF-8 text"
    assert result["msg"].startswith("6 invalid audit rule(s), nothing changed: 60-edge.rules:1: -b 4294967296: "
                                    "-b 4294967296 is out of range")
    assert result["errors"][1]["reason"].startswith("--backlog_wait_time 700000 is over")
    assert (snapshot_dir(RULES_DIR), kernel_rules(), kernel_status()["backlog_limit"]) == before


# A playbook is YAML, and JSON is YAML.
ROLE_PLAY = json.dumps([{"name": "Apply the auditd role in check mode", "hosts": "localhost", "gather_facts": False,
                         "roles": [{"role": "fleetaudit.auditd.auditd", "vars": {"auditd_rule_bundles": ["base"]}}]}])


def failed_messages(tmp_path, variables):
    """The messages of the failed tasks (or loop items) of the role run with `variables` in check mode."""
    playbook = tmp_path / "play.yml"
    playbook.write_text(ROLE_PLAY)
    returncode, report = run_playbook(playbook, "--check", "-e", json.dumps(variables))
    assert returncode != 0
    messages = []
    for task in report["plays"][0]["tasks"]:
        result = task["hosts"].get("localhost", {})
        if result.get("failed"):
            name = task["task"]["name"].split(" : ")[-1]
            items = [item for item in result.get("results", []) if item.get("failed")] or [result]
            messages += [(name, item["msg"]) for item in items]
    return messages


def compiled_state():
    return snapshot_dir(RULES_DIR), open(RULES_FILE, "rb").read(), kernel_rules(), kernel_status()


@pytest.mark.parametrize("variable, value, reason", [
    ("auditd_buffer_size", 4294967296, "(0 to 4294967295): the kernel's backlog_limit is 32-bit"),
    ("auditd_backlog_wait_time", 700000, "(0 to 600000): a kernel waits at most 10 times its default of 60 s"),
])
def test_role_refuses_kernel_settings_out_of_range_first(tmp_path, variable, value, reason):
    before = compiled_state()
    [(task, message)] = failed_messages(tmp_path, {variable: value})
    assert task == "Check the kernel settings against what a kernel takes"
    assert message.startswith("%s: %d is out of range %s" % (variable, value, reason)), message
    assert compiled_state() == before


def test_role_passes_what_a_kernel_may_take_and_the_module_checks_this_one(tmp_path):
    """600000 suits a kernel with HZ=1000; on this one augenrules refuses it, at file:line."""
    hz = kernel_hz()
    assert hz is not None and hz < 1000
    before = compiled_state()
    messages = failed_messages(tmp_path, {"auditd_buffer_size": 4294967295, "auditd_backlog_wait_time": 600000})
    # The module refuses the line; the role's rescue says so again as the play's last word.
    assert [task for task, _message in messages] == ["Converge the rule files, compile and load them",
                                                     "Say why the rules were refused, in the terms of the role's variables"]
    for _task, message in messages:
        assert ("10-fleetaudit-base.rules:5: --backlog_wait_time 600000: --backlog_wait_time 600000 is over %d, "
                "the most this host's kernel (HZ=%d) takes" % (600 * hz, hz)) in message
    assert compiled_state() == before
