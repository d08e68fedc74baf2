"""The auditd role's rule files composed in one filter: names, order, local rules, finalize file."""

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.fleetaudit.auditd.plugins.filter.audit_rule_files import audit_rule_files

NAMES = dict(base_file="10-fleetaudit-base.rules", bundle_file_pattern="30-fleetaudit-%s.rules",
             local_file="70-fleetaudit-local.rules", finalize_file="99-fleetaudit-finalize.rules")


def test_bundles_then_local_rules_then_the_finalize_file():
    files = audit_rule_files({"base": "-D\n-b 8192", "docker": "-w /usr/sbin/dockerd -p rwxa -k docker\n"},
                             rules=[{"watch": "/etc/hosts", "perms": "wa", "key": "hosts"},
                                    {"action": "always", "list": "exit", "syscalls": ["chmod"], "key": "perm"},
                                    "-w /etc/motd -p wa"],
                             arches=["b64", "b32"], **NAMES)
    assert list(files) == ["10-fleetaudit-base.rules", "30-fleetaudit-docker.rules", "70-fleetaudit-local.rules",
                           "99-fleetaudit-finalize.rules"]
    # Every content is a file's: it ends with its newline.
    assert files["10-fleetaudit-base.rules"] == "-D\n-b 8192\n"
    assert files["70-fleetaudit-local.rules"] == (
        "# Managed by fleetaudit.auditd: auditd_rules\n"
        "-w /etc/hosts -p wa -k hosts\n"
        "-a always,exit -F arch=b64 -S chmod -k perm\n"
        "-a always,exit -F arch=b32 -S chmod -k perm\n"
        "-w /etc/motd -p wa\n")
    assert files["99-fleetaudit-finalize.rules"] == "# Managed by fleetaudit.auditd: enable auditing\n-e 1\n"


def test_no_rules_no_local_file_and_immutable_finalizes_with_e2():
    files = audit_rule_files({}, rules=[], immutable=True, **NAMES)
    assert files == {"99-fleetaudit-finalize.rules":
                     "# Managed by fleetaudit.auditd: enable auditing, immutable until reboot\n-e 2\n"}


def test_a_bad_structured_rule_is_refused_in_the_terms_of_auditd_rules():
    with pytest.raises(AnsibleFilterError, match=r"auditd_rules\[0\]"):
        audit_rule_files({}, rules=[{"watch": "etc/hosts"}], **NAMES)
    with pytest.raises(AnsibleFilterError, match="auditd_rules must be a list"):
        audit_rule_files({}, rules={"watch": "/etc/hosts"}, **NAMES)


def test_the_file_names_are_the_roles_to_give():
    with pytest.raises(AnsibleFilterError, match="needs base_file"):
        audit_rule_files({"base": "-D"})
    with pytest.raises(AnsibleFilterError, match="takes {bundle: text}"):
        audit_rule_files(["base"], **NAMES)
