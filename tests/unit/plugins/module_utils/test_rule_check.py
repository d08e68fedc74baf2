"""Rule files checked with file and line: every refused line, host paths, limits, duplicates."""

import json

import pytest

from ansible_collections.fleetaudit.auditd.plugins.module_utils.rule_check import format_errors, skip_missing_paths, validate_lines
from ansible_collections.fleetaudit.auditd.plugins.module_utils.rules_compile import source_lines
from ansible_collections.fleetaudit.auditd.tests.unit.plugins.module_utils.audit_fixtures import tables

TABLES = tables()


# One bad rule of each kind, with the reason validation gives.
BAD_RULES = [
    ("-a always,exit -F arch=b64 -S no_such_call", "unknown syscall no_such_call for x86_64"),
    ("-a always,exit -F arch=b32 -S openat2x", "unknown syscall openat2x for i386"),
    ("-a always,exit -F arch=b64 -S open -F nosuchfield=1", "unknown field nosuchfield"),
    ("-a always,exit -F arch=b64 -S open -F auid=>1000", "unknown user '>1000' in auid"),
    ("-a always,exit -F arch=b64 -S open -F uid~0", "is not NAME OPERATOR VALUE"),
    ("-a always,exit -F arch=b64 -S open -F a0=zero", "'zero' is not a number"),
    ("-a always,exit -F arch=b64 -S open -F path>/etc", "field path takes only = or !="),
    ("-a always,exit -F arch=b64 -S open -F perm!=w", "field perm takes only ="),
    ("-w /etc/passwd -p wq", "bad permission letters 'wq'"),
    ("-a always,exit -F path=/etc/passwd -F perm=rwxz", "bad permission letters 'rwxz'"),
    ("-w /etc/hosts -k " + "k" * 257, "key is 257 bytes long: the kernel takes at most 256"),
    ("-a always,exit -F arch=b64 -S open -F key=" + "\u00e9" * 129, "key is 258 bytes long"),
    ("-w /etc/hosts -k %s -k %s" % ("a" * 128, "b" * 128), "the 2 keys take 257 bytes, joined by a separator"),
    ("-w /etc/hosts -p wa -k abc\x00def", "control character \\x00 at column 27: auditctl ends the rule there"),
    ("-w /etc/hosts -p wa -k abc\x01def", "control character \\x01 at column 27: the kernel joins the keys"),
    ("-w /etc/hosts -p wa -k abc\x07def", "control character \\x07 at column 27"),
    ("-w /etc/hosts -p wa -k a!=b", "auditctl reads key=a!=b as a field comparison and refuses it"),
    ("-a always,exit -F arch=b64 -S " + "a" * 10000, "line is 10030 bytes long: auditctl reads at most 6142"),
    ("-w /no-such-dir-here/file -p wa", "parent directory /no-such-dir-here of"),
    ("-a always,exit -F dir=/no-such-dir-here -F perm=wa", "directory /no-such-dir-here does not exist"),
    ("-a always,exit -F path=/no-such-dir-here/x -F perm=wa", "parent directory /no-such-dir-here"),
    ("-e 3", "-e takes 0, 1 or 2"),
    ("-e enable", "-e takes 0, 1 or 2"),
    ("-f 5", "-f takes 0, 1 or 2"),
    ("-b many", "-b takes a non-negative integer"),
    ("--backlog_wait_time -1", "--backlog_wait_time takes a non-negative integer"),
    ("-b 4294967296", "-b 4294967296 is out of range: the kernel's backlog_limit holds 0 to 4294967295: "
                      "auditctl would set backlog_limit 0 (no limit)"),
    ("-b 99999999999", "auditctl would set backlog_limit 1215752191"),
    ("-b 18446744073709551616", "backlog_limit holds 0 to 4294967295"),
    ("-r 4294967296", "-r 4294967296 is out of range: the kernel's rate_limit holds 0 to 4294967295: "
                      "auditctl would set rate_limit 0 (no limit)"),
    ("-b 08", "'08' is not a number as written: a leading 0 makes it octal"),
    ("--backlog_wait_time 700000", "--backlog_wait_time 700000 is over 600000, the most any kernel"),
    ("-f 01", "-f takes 0, 1 or 2"),
    ("-a always,exit -F arch=b64 -S open -F uid=4294967296",
     "uid=4294967296 is out of range: the kernel holds 0 to 4294967295 there, and auditctl would load uid=0"),
    ("-a always,exit -F arch=b64 -S open -F auid>=-2147483649",
     "the kernel holds -2147483648 to 4294967295 there, and auditctl would load auid=2147483647"),
    ("-a always,exit -F arch=b64 -S open -F uid=08", "auditctl would read 0"),
    ("-a always,exit -F arch=b64 -S open -F euid=-1", "the kernel refuses -1 (4294967295, unset) as a user"),
    ("-a always,exit -F arch=b64 -S open -F obj_uid=unset", "only auid can be unset"),
    ("-a always,exit -F arch=b64 -S open -F gid=4294967295", "the kernel refuses -1 (4294967295, unset) as a group"),
    ("-a always,exit -F arch=b64 -S open -F gid=-1", "unknown group '-1' in gid (auditctl reads a gid with a minus"),
    ("-a always,exit -F arch=b64 -S open -F pid=-5", "field pid takes no negative number"),
    ("-a always,exit -F arch=b64 -S open -F pid=4294967296", "auditctl would load pid=0"),
    ("-a always,exit -F arch=b64 -S open -F sessionid=4294967296", "auditctl would load sessionid=0"),
    ("-a always,exit -F arch=b64 -S open -F a0=0x100000000", "auditctl would load a0=0"),
    ("-a always,exit -F arch=b64 -S open -F exit=2147483648",
     "the kernel holds -2147483648 to 2147483647 there, and auditctl would load exit=-2147483648"),
    ("-a always,exclude -F msgtype=4294967296", "auditctl would load msgtype=0"),
    ("-a always,exclude -F msgtype=-5", "unknown message type -5"),
    ("-a always,exit -F arch=b32 -S 4294967297", "syscall number 4294967297 is out of range (0 to 2031)"),
    ("-a always,exit -F arch=b64 -S 2047", "the kernel's syscall mask ends with 16 bits that select syscall classes"),
    ("-a always,entry -F arch=b64 -S open", "the entry list is deprecated"),
    ("-a always,nolist -S open", "unknown list 'nolist'"),
    ("-a sometimes,exit -S open", "unknown action 'sometimes'"),
    ("-a always", "-a needs LIST,ACTION"),
    ("-a always,task -S open", "-S can only be used with the exit list, not task"),
    ("-a always,user -F arch=b64 -F msgtype=bogus", "unknown message type bogus"),
    ("-a always,exit -F arch=b64 -S open -F msgtype=1100", "msgtype can only be used with the exclude or user list"),
    ("-a always,exclude -F path=/etc", "field path can only be used with the exit list"),
    ("-a always,exclude -F ppid=1", "cannot be used with the exclude list"),
    ("-a always,exit -S open -F arch=b64", "-F arch must be given before -S"),
    ("-a always,exit -F arch=b128 -S open", "unknown arch b128"),
    ("-a always,exit -F arch=b64 -S open -F uid=no-such-user-x", "unknown user 'no-such-user-x'"),
    ("-a always,exit -F arch=b64 -S open -F gid=no-such-group-x", "unknown group 'no-such-group-x'"),
    ("-a always,exit -F arch=b64 -S open -F exit=-ENOSUCH", "unknown errno -ENOSUCH"),
    ("-a always,exit -F arch=b64 -S open -F filetype=pipe", "unknown file type pipe"),
    ("-a always,exit -F arch=b64 -S open -C uid=pid", "-C cannot compare pid"),
    ("-a always,exit -F arch=b64 -S open -C uid>euid", "-C takes only = or !="),
    ("-w etc/passwd -p wa", "watch path 'etc/passwd' is not absolute"),
    ("-p wa -w /etc/passwd", "-p needs a watch (-w) given before it"),
    ("-w /etc/passwd -a always,exit", "more than one of -a, -A, -d, -w, -W"),
    ("-k lonely", "-k needs a rule (-a or -w) or -D"),
    ("-x", "unknown option -x"),
    ("--no-such-option", "unknown option --no-such-option"),
    ("-w /etc/passwd stray", "unexpected word 'stray'"),
    ("\t-w /etc/passwd -p wa", "tab character"),
    ("-w /etc/passwd -p wa\r", "carriage return"),
    ("-w /etc/passwd -p", "option -p needs a value"),
    ("-l", "option -l does not belong in a rules file"),
    ("-b 100 -w /etc/passwd", "control options (-b) mixed with a rule"),
    ("-a never,filesystem -F uid=0", "cannot be used with the filesystem list"),
]


@pytest.mark.parametrize("text, reason", BAD_RULES)
def test_each_bad_rule_is_refused_with_its_reason(text, reason):
    lines = source_lines([("50-bad.rules", "-w /etc/hosts -p wa\n" + text + "\n")])
    parsed, errors = validate_lines(lines, TABLES)
    assert len(parsed) == 1
    assert len(errors) == 1
    assert errors[0]["file"] == "50-bad.rules"
    assert errors[0]["line"] == 2
    assert errors[0]["rule"] == text
    assert reason in errors[0]["reason"]


def test_every_error_is_reported_not_only_the_first():
    text = "\n".join(rule for rule, _reason in BAD_RULES) + "\n"
    _parsed, errors = validate_lines(source_lines([("bad.rules", text)]), TABLES)
    assert [error["line"] for error in errors] == list(range(1, len(BAD_RULES) + 1))
    message = format_errors(errors, limit=2)
    assert message.startswith("bad.rules:1: %s: unknown syscall" % BAD_RULES[0][0])
    assert message.endswith("; and %d more" % (len(BAD_RULES) - 2))


def test_duplicates_are_refused_across_files_until_a_delete_all():
    lines = source_lines([
        ("10.rules", "-w /etc/hosts -p wa -k h\n-a always,exit -F arch=b64 -S open,openat\n"),
        ("20.rules", "-w /etc/hosts/ -p aw -k h\n-a always,exit -F arch=b64 -S openat -S open\n-D\n"
                     "-w /etc/hosts -p wa -k h\n"),
    ])
    _parsed, errors = validate_lines(lines, TABLES)
    assert [(error["file"], error["line"]) for error in errors] == [("20.rules", 1), ("20.rules", 2)]
    assert errors[0]["reason"] == "duplicate of 10.rules:1 (the kernel refuses a rule that exists)"


@pytest.mark.parametrize("text", [
    "-w /etc/hosts -p wa -k " + "k" * 256,
    "-w /etc/hosts -p wa -k %s -k %s" % ("a" * 127, "b" * 128),
    "-w /etc/hosts -p wa -k a=b>c<d&e",
    "-a always,exit -F arch=b64 -S open" + " " * (6142 - 48) + "-k " + "k" * 10,
    "-b 4294967295",
    "-b 0",
    "-r 4294967295",
    "--backlog_wait_time 600000",
    "-a always,exit -F arch=b64 -S open -F uid=4294967294 -F euid=-2 -F auid!=-1 -F suid=0x10 -F fsuid=010",
    "-a always,exit -F arch=b64 -S open -F auid=4294967295 -F gid=4294967294 -F sessionid=unset",
    "-a always,exit -F arch=b64 -S open -F a0=-1 -F a1=0xFFFFFFFF -F a2=-2147483648 -F a3=4294967295",
    "-a always,exit -F arch=b64 -S open -F exit=-2147483648 -F pid=4294967295 -F inode=4294967295",
    "-a always,exit -F arch=b64 -S open -F exit=2147483647",
    "-a always,exit -F arch=b64 -S 2031",
])
def test_values_at_the_kernel_limits_are_accepted(text):
    assert len(text.encode()) <= 6142
    # A kernel of unknown HZ: the most any kernel takes.
    _parsed, errors = validate_lines(source_lines([("50-edge.rules", text + "\n")]), TABLES, hz=lambda: None)
    assert errors == []


def test_a_line_of_6143_bytes_is_refused():
    text = "-a always,exit -F arch=b64 -S open" + " " * (6143 - 47) + "-k " + "k" * 10
    _parsed, errors = validate_lines(source_lines([("50-long.rules", text + "\n")]), TABLES)
    assert [error["reason"] for error in errors] == [
        "line is 6143 bytes long: auditctl reads at most 6142 (and the newline) at once "
        "and would take the rest for another rule"]


def test_bytes_that_are_not_utf8_are_refused_and_reported_as_escapes():
    data = b"-w /etc/hosts -p wa -k identity\n-w /etc/hosts -p wa -k caf\xe9\n"
    lines = source_lines([("50-latin1.rules", data.decode("utf-8", "surrogateescape"))])
    _parsed, errors = validate_lines(lines, TABLES)
    assert errors == [{"file": "50-latin1.rules", "line": 2, "rule": "-w /etc/hosts -p wa -k caf\\xe9",
                       "reason": "byte \\xe9 at column 27 is not UTF-8: rule files must be UTF-8 text"}]
    json.dumps(errors).encode("utf-8")
    assert "caf\\xe9" in format_errors(errors)


def test_backlog_wait_time_is_checked_against_the_hosts_kernel():
    def errors(text, hz, check_paths=True):
        lines = source_lines([("10-base.rules", text + "\n")])
        return [error["reason"] for error in validate_lines(lines, TABLES, check_paths=check_paths, hz=lambda: hz)[1]]
    assert errors("--backlog_wait_time 150000", 250) == []
    assert errors("--backlog_wait_time 150001", 250) == [
        "--backlog_wait_time 150001 is over 150000, the most this host's kernel (HZ=250) takes: "
        "10 times its default wait of 60 s, counted in jiffies"]
    assert errors("--backlog_wait_time 600000", None) == []
    assert errors("--backlog_wait_time 600000", 250, check_paths=False) == []


def test_fields_in_another_order_or_number_are_other_rules_to_the_kernel():
    lines = source_lines([("10.rules", "-a always,exit -F arch=b64 -S open -F uid=0 -F gid=0 -k r\n"
                                       "-a always,exit -F arch=b64 -S open -F gid=0 -F uid=0 -k r\n"
                                       "-a always,exit -F arch=b64 -S open -F uid=0 -F uid=0 -k r\n"
                                       "-a always,exit -F arch=b64 -S open -F uid=0 -k r\n"
                                       "-a always,exit -F arch=b64 -S open -F uid=root -F gid=0 -k r\n")])
    parsed, errors = validate_lines(lines, TABLES)
    assert len(parsed) == 4
    assert [(error["line"], error["reason"]) for error in errors] == [
        (5, "duplicate of 10.rules:1 (the kernel refuses a rule that exists)")]


def test_dir_field_on_a_file_is_not_a_directory(tmp_path):
    regular = tmp_path / "file"
    regular.write_text("")
    lines = source_lines([("a.rules", "-a always,exit -F dir=%s -F perm=wa\n" % regular)])
    assert [error["reason"] for error in validate_lines(lines, TABLES)[1]] == [
        "%s is not a directory (-F dir= watches a directory tree; use -w or -F path= for a file)" % regular]


def test_missing_watch_file_is_fine_when_its_parent_exists(tmp_path):
    lines = source_lines([("a.rules", "-w %s/missing -p wa\n-a always,exit -F path=%s/missing -F perm=x -F auid>=1000\n"
                           % (tmp_path, tmp_path))])
    assert validate_lines(lines, TABLES)[1] == []


def test_skip_missing_paths_comments_rules_out(tmp_path):
    present = tmp_path / "present"
    present.mkdir()
    text = ("# heading\n-w %s -p wa -k ok\n-w %s/gone -p wa -k gone\n"
            "-a always,exit -F dir=%s/gone-dir/ -F perm=wa -k dir\n-a always,exit -F arch=b64 -S open\n"
            % (present, tmp_path, tmp_path))
    result, skipped = skip_missing_paths("30.rules", text, TABLES)
    assert result.splitlines() == [
        "# heading", "-w %s -p wa -k ok" % present,
        "# skipped by fleetaudit.auditd: %s/gone does not exist: -w %s/gone -p wa -k gone" % (tmp_path, tmp_path),
        "# skipped by fleetaudit.auditd: %s/gone-dir/ does not exist: "
        "-a always,exit -F dir=%s/gone-dir/ -F perm=wa -k dir" % (tmp_path, tmp_path),
        "-a always,exit -F arch=b64 -S open",
    ]
    assert [(entry["line"], entry["path"]) for entry in skipped] == [
        (3, "%s/gone" % tmp_path), (4, "%s/gone-dir/" % tmp_path)]
