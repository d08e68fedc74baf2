import pytest

from ansible_collections.fleetaudit.auditd.plugins.module_utils.rule_render import (
    RuleRenderError,
    errors_in_user_terms,
    render_rule,
    render_rules,
)


def test_watch_with_perms_and_key():
    assert render_rule({"watch": "/etc/passwd", "perms": "wa", "key": "identity"}) == ["-w /etc/passwd -p wa -k identity"]


def test_watch_with_two_keys_and_no_perms():
    assert render_rule({"watch": "/usr/bin/dockerd", "key": ["cis-docker-1.1.3", "docker"]}) == [
        "-w /usr/bin/dockerd -k cis-docker-1.1.3 -k docker"]


def test_syscall_rule_gives_one_line_per_default_arch():
    rule = {"syscalls": ["chmod", "fchmod"], "fields": ["auid>=1000", "auid!=unset"], "key": "perm_mod"}
    assert render_rule(rule, ("b64", "b32")) == [
        "-a always,exit -F arch=b64 -S chmod,fchmod -F auid>=1000 -F auid!=unset -k perm_mod",
        "-a always,exit -F arch=b32 -S chmod,fchmod -F auid>=1000 -F auid!=unset -k perm_mod",
    ]


def test_explicit_arch_string_overrides_defaults():
    rule = {"action": "never", "list": "exit", "arch": "b32", "syscalls": "stime"}
    assert render_rule(rule, ("b64", "b32")) == ["-a never,exit -F arch=b32 -S stime"]


def test_field_rule_without_syscalls_has_no_arch():
    rule = {"fields": ["path=/usr/bin/sudo", "perm=x"], "key": "privileged"}
    assert render_rule(rule, ("b64", "b32")) == ["-a always,exit -F path=/usr/bin/sudo -F perm=x -k privileged"]


def test_raw_rule_and_string_are_kept():
    assert render_rules(["-e 1 ", {"rule": "-b 8192"}]) == ["-e 1", "-b 8192"]


def test_unknown_option_names_the_item():
    with pytest.raises(RuleRenderError, match=r"auditd_rules\[1\]: unknown option\(s\) perm \(did you mean perms\?\) for a watch rule"):
        render_rules([{"watch": "/etc/passwd"}, {"watch": "/etc/group", "perm": "wa"}])


def test_syscall_rule_without_syscalls_or_fields_is_an_error():
    with pytest.raises(RuleRenderError, match=r"auditd_rules\[0\]: a syscall rule needs"):
        render_rules([{"key": "nothing"}])


def test_wrong_type_is_an_error():
    with pytest.raises(RuleRenderError, match="expected a string or a dict, got int"):
        render_rule(42)


def test_rule_without_syscalls_is_refused_as_it_would_audit_every_call():
    with pytest.raises(RuleRenderError, match=r"auditd_rules\[0\]: no `syscalls`: the rule would audit every system call"):
        render_rules([{"fields": ["auid>=1000"], "key": "nosys"}])


def test_every_syscall_must_be_asked_for_with_all():
    assert render_rule({"syscalls": "all", "fields": ["auid>=1000"], "key": "nosys"}, ("b64", "b32")) == [
        "-a always,exit -S all -F auid>=1000 -k nosys"]
    assert render_rule({"syscalls": ["all"], "arch": "b64", "fields": ["auid=0"]}) == [
        "-a always,exit -F arch=b64 -S all -F auid=0"]
    with pytest.raises(RuleRenderError, match="give it alone"):
        render_rule({"syscalls": ["all", "open"], "fields": ["auid=0"]})


def test_rules_of_other_lists_need_no_syscalls():
    assert render_rule({"action": "never", "list": "exclude", "fields": ["msgtype=CWD"]}) == [
        "-a never,exclude -F msgtype=CWD"]


def test_path_and_perms_point_at_watch():
    with pytest.raises(RuleRenderError, match=r"auditd_rules\[0\]: no `watch`: a watch is written "
                                              r"\{watch: /etc/motd, perms: wa, key: KEY\}"):
        render_rules([{"path": "/etc/motd", "perms": "wa"}])


def test_unknown_option_suggests_the_closest():
    with pytest.raises(RuleRenderError, match=r"unknown option\(s\) syscall \(did you mean syscalls\?\)"):
        render_rule({"syscall": ["open"], "fields": ["auid=0"]})


def test_watch_path_permissions_and_keys_are_checked_before_the_host():
    with pytest.raises(RuleRenderError, match="must be absolute"):
        render_rule({"watch": "etc/passwd"})
    with pytest.raises(RuleRenderError, match="only the letters r, w, x and a"):
        render_rule({"watch": "/etc/passwd", "perms": "rwq"})
    with pytest.raises(RuleRenderError, match="1 to 31 characters"):
        render_rule({"watch": "/etc/passwd", "key": "k" * 32})


def test_errors_of_the_local_file_name_the_item():
    rules = [{"watch": "/etc/hosts"}, {"syscalls": ["nosuch"], "key": "x"}, "-w /etc/motd"]
    errors = [
        {"file": "70-local.rules", "line": 4, "rule": "-a always,exit -F arch=b32 -S nosuch -k x", "reason": "unknown syscall"},
        {"file": "70-local.rules", "line": 5, "rule": "-w /etc/motd", "reason": "duplicate"},
        {"file": "30-stig.rules", "line": 4, "rule": "-w /x", "reason": "missing"},
    ]
    assert errors_in_user_terms(errors, rules, ("b64", "b32"), "70-local.rules", 2) == [
        "auditd_rules[1] (-a always,exit -F arch=b32 -S nosuch -k x): unknown syscall",
        "auditd_rules[2] (-w /etc/motd): duplicate",
        "30-stig.rules:4: -w /x: missing",
    ]
