"""Rule parsing and the canonical form auditctl -l prints."""

import pytest

from ansible_collections.fleetaudit.auditd.plugins.module_utils.rule_syntax import RuleError, parse_rule
from ansible_collections.fleetaudit.auditd.tests.unit.plugins.module_utils.audit_fixtures import tables

TABLES = tables()


def normalized(text):
    return parse_rule(text, TABLES).normalized


@pytest.mark.parametrize("written, listed", [
    ("-w /etc/sudoers.d/ -p aw -k scope", "-w /etc/sudoers.d -p wa -k scope"),
    ("-w /etc/shadow", "-w /etc/shadow -p rwxa"),
    ("-a exit,always -F arch=b32 -S creat -S open -F auid!=4294967295 -k perm",
     "-a always,exit -F arch=b32 -S open,creat -F auid!=-1 -F key=perm"),
    ("-a always,exit -F auid>=1000 -F arch=x86_64 -S openat,open -F auid!=unset",
     "-a always,exit -F arch=b64 -S open,openat -F auid>=1000 -F auid!=-1"),
    ("-a always,exit -F path=/usr/bin/sudo -F perm=x -F auid>=1000",
     "-a always,exit -S all -F path=/usr/bin/sudo -F perm=x -F auid>=1000"),
    ("-a always,exit -F dir=/etc/ssh/ -F perm=aw -F key=ssh", "-w /etc/ssh/ -p wa -k ssh"),
    ("-a always,exit -F arch=b64 -S mount -F a0=16 -F a1=-1", "-a always,exit -F arch=b64 -S mount -F a0=0x10 -F a1=0xFFFFFFFF"),
    ("-a always,exit -F arch=b64 -S unlink -F exit=-2 -F gid=root -F filetype=file",
     "-a always,exit -F arch=b64 -S unlink -F exit=-ENOENT -F gid=0 -F filetype=32768"),
    ("-a always,exit -F arch=b64 -S open -F exit=EACCES -F loginuid=0 -F uid=root",
     "-a always,exit -F arch=b64 -S open -F exit=13 -F auid=0 -F uid=0"),
    ("-a always,exclude -F msgtype>=1100", "-a always,exclude -F msgtype>=USER_AUTH"),
    ("-a always,exit -F arch=b64 -S 2,3 -F pers=0x10 -F sessionid=unset",
     "-a always,exit -F arch=b64 -S open,close -F pers=16 -F sessionid=-1"),
    ("-a always,exit -F arch=b64 -S execve -C loginuid!=uid -k a -k b",
     "-a always,exit -F arch=b64 -S execve -C auid!=uid -F key=a -F key=b"),
    ("-a never,filesystem -F fstype=tracefs", "-a never,filesystem -F fstype=tracefs"),
    ("-a never,task", "-a never,task"),
])
def test_normalized_is_what_auditctl_lists(written, listed):
    assert normalized(written) == listed
    assert parse_rule(written, TABLES).identity == parse_rule(listed, TABLES).identity


# auditctl 4.0.2 -l, recorded on this kernel: an arch-bound perm rule with its permission's syscalls.
PERM_WA_SYSCALLS_4_0 = ("open,bind,truncate,ftruncate,rename,mkdir,rmdir,creat,link,unlink,symlink,chmod,fchmod,"
                        "chown,fchown,lchown,mknod,acct,swapon,quotactl,setxattr,lsetxattr,fsetxattr,removexattr,"
                        "lremovexattr,fremovexattr,openat,mkdirat,mknodat,fchownat,unlinkat,renameat,linkat,"
                        "symlinkat,fchmodat,fallocate,renameat2,openat2")


def test_perm_rule_listed_with_its_syscalls_is_the_same_rule():
    written = parse_rule("-a always,exit -F arch=b64 -F path=/etc/passwd -F perm=wa -F key=identity", TABLES)
    listed_4_0 = parse_rule("-a always,exit -F arch=b64 -S %s -F path=/etc/passwd -F perm=wa -F key=identity"
                            % PERM_WA_SYSCALLS_4_0, TABLES)
    listed_3_0 = parse_rule("-a always,exit -F arch=b64 -S all -F path=/etc/passwd -F perm=wa -F key=identity", TABLES)
    assert written.identity == listed_4_0.identity == listed_3_0.identity
    other_perm = parse_rule("-a always,exit -F arch=b64 -F path=/etc/passwd -F perm=w -F key=identity", TABLES)
    assert other_perm.identity != written.identity


def test_field_order_and_compare_sides_do_not_matter():
    one = parse_rule("-a always,exit -F arch=b64 -S open -F uid=0 -F auid>=1000 -C uid=auid", TABLES)
    two = parse_rule("-a always,exit -F arch=b64 -S open -C auid=uid -F auid>=1000 -F uid=0", TABLES)
    assert one.identity == two.identity


@pytest.mark.parametrize("first, second", [
    ("-w /etc/hosts -p wa -k a", "-w /etc/hosts -p wa -k b"),
    ("-a always,exit -F arch=b64 -S open", "-a always,exit -F arch=b32 -S open"),
    ("-a always,exit -F arch=b64 -S open", "-a never,exit -F arch=b64 -S open"),
    ("-a always,exit -F arch=b64 -S open -F auid>=1000", "-a always,exit -F arch=b64 -S open -F auid>1000"),
    ("-w /etc/hosts -p wa", "-w /etc/hosts -p w"),
])
def test_different_rules_differ(first, second):
    assert parse_rule(first, TABLES).identity != parse_rule(second, TABLES).identity


def test_comments_and_blank_lines_are_not_rules():
    assert parse_rule("", TABLES) is None
    assert parse_rule("   # indented comment", TABLES) is None


@pytest.mark.parametrize("text, controls", [
    ("-D", {"-D": None}),
    ("-b 8192", {"-b": "8192"}),
    ("--backlog_wait_time 60000", {"--backlog_wait_time": "60000"}),
    ("-e 1", {"-e": "1"}),
    ("-f 2", {"-f": "2"}),
    ("-r 100", {"-r": "100"}),
    ("-i", {"-i": None}),
    ("-c", {"-c": None}),
    ("--loginuid-immutable", {"--loginuid-immutable": None}),
])
def test_control_rules(text, controls):
    rule = parse_rule(text, TABLES)
    assert (rule.kind, rule.controls) == ("control", controls)


def test_rule_error_is_a_value_error():
    # Callers that know nothing of rules catch ValueError; validation catches RuleError.
    with pytest.raises(ValueError) as caught:
        parse_rule("-a always,exit -F arch=b64 -S nope", TABLES)
    assert isinstance(caught.value, RuleError)
    assert str(caught.value) == "unknown syscall nope for x86_64"
