import pytest

from ansible_collections.fleetaudit.auditd.plugins.module_utils.rule_render import RuleRenderError, render_rule, render_rules


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
    with pytest.raises(RuleRenderError, match=r"auditd_rules\[1\]: unknown option\(s\) perm for a watch rule"):
        render_rules([{"watch": "/etc/passwd"}, {"watch": "/etc/group", "perm": "wa"}])


def test_syscall_rule_without_syscalls_or_fields_is_an_error():
    with pytest.raises(RuleRenderError, match=r"auditd_rules\[0\]: a syscall rule needs"):
        render_rules([{"key": "nothing"}])


def test_wrong_type_is_an_error():
    with pytest.raises(RuleRenderError, match="expected a string or a dict, got int"):
        render_rule(42)
