"""Combining rule sources: copies of one rule merged, rules that an earlier rule shadows."""

import pytest

from ansible_collections.fleetaudit.auditd.plugins.module_utils.rule_check import validate_lines
from ansible_collections.fleetaudit.auditd.plugins.module_utils.rules_compile import source_lines
from ansible_collections.fleetaudit.auditd.plugins.module_utils.rules_overlap import (
    format_shadowed,
    merge_duplicates,
    shadowed_rules,
)
from ansible_collections.fleetaudit.auditd.tests.unit.plugins.module_utils.audit_fixtures import tables

TABLES = tables()
DIRECTORIES = ("/etc", "/etc/sudoers.d", "/etc/ssh", "/var/log")


def isdir(path):
    return path in DIRECTORIES


def validated(files):
    return validate_lines(source_lines(files), TABLES, check_paths=False)


# The README's bundles (identity, time_change) and the host's 30-stig set, as Debian 12 has them.
BUNDLE_TIME = ("# bundle time_change\n"
               "-a always,exit -F arch=b64 -S adjtimex,settimeofday,clock_settime -k time-change\n"
               "-a always,exit -F arch=b32 -S adjtimex,settimeofday,clock_settime,stime -k time-change\n"
               "-w /etc/localtime -p wa -k time-change\n")
BUNDLE_IDENTITY = "-w /etc/group -p wa -k identity\n-w /etc/passwd -p wa -k identity\n"
STIG = ("-a always,exit -F arch=b32 -S adjtimex,settimeofday,stime -F key=time-change\n"
        "-a always,exit -F arch=b64 -S adjtimex,settimeofday -F key=time-change\n"
        "-a always,exit -F arch=b64 -S clock_settime -F a0=0x0 -F key=time-change\n"
        "-w /etc/localtime -p wa -k time-change\n"
        "-w /etc/group -p wa -k identity\n"
        "-w /etc/passwd -p wa -k identity\n"
        "-w /etc/hosts -p wa -k system-locale\n")
LOCAL = "-w /etc/hosts -p wa -k hosts\n"


def test_copies_from_other_files_are_commented_out_naming_the_copy_that_stays():
    contents = {"30-fleetaudit-identity.rules": BUNDLE_IDENTITY, "30-fleetaudit-time_change.rules": BUNDLE_TIME,
                "30-stig.rules": STIG}
    _parsed, errors = validated(sorted(contents.items()))
    assert [(error["file"], error["line"], error["kept_at"]) for error in errors] == [
        ("30-stig.rules", 4, "30-fleetaudit-time_change.rules:4"),
        ("30-stig.rules", 5, "30-fleetaudit-identity.rules:1"),
        ("30-stig.rules", 6, "30-fleetaudit-identity.rules:2")]
    texts, merged, remaining = merge_duplicates(contents, errors)
    assert remaining == []
    assert list(texts) == ["30-stig.rules"]
    lines = texts["30-stig.rules"].split("\n")
    assert lines[3] == ("# merged by fleetaudit.auditd: same rule as 30-fleetaudit-time_change.rules:4: "
                        "-w /etc/localtime -p wa -k time-change")
    assert lines[:3] == STIG.split("\n")[:3] and lines[6:] == STIG.split("\n")[6:]
    assert merged[0] == {"file": "30-stig.rules", "line": 4, "rule": "-w /etc/localtime -p wa -k time-change",
                         "kept_at": "30-fleetaudit-time_change.rules:4"}
    # Merged, the files validate: each rule is loaded once.
    merged_contents = dict(contents, **texts)
    assert validated(sorted(merged_contents.items()))[1] == []


def test_copies_in_one_file_and_in_files_not_written_stay_errors():
    contents = {"50-own.rules": "-w /etc/hosts -p wa -k h\n-w /etc/hosts -p wa -k h\n"}
    _parsed, errors = validated([("40-other.rules", "-w /etc/group -p wa\n"), ("50-own.rules", contents["50-own.rules"]),
                                 ("60-not-managed.rules", "-w /etc/group -p wa\n")])
    texts, merged, remaining = merge_duplicates(contents, errors)
    assert (texts, merged) == ({}, [])
    assert [(error["file"], error["line"]) for error in remaining] == [("50-own.rules", 2), ("60-not-managed.rules", 1)]


def shadows(files):
    parsed, errors = validated(files)
    assert errors == []
    return [(entry["file"], entry["line"], entry["shadowed_by"]) for entry in shadowed_rules(parsed, isdir)]


def test_readme_watch_on_hosts_after_stig_is_shadowed_and_says_which_key_wins():
    parsed, _errors = validated([("30-stig.rules", "-w /etc/hosts -p wa -k system-locale\n"), ("70-local.rules", LOCAL)])
    [entry] = shadowed_rules(parsed, isdir)
    assert (entry["file"], entry["line"], entry["rule"]) == ("70-local.rules", 1, "-w /etc/hosts -p wa -k hosts")
    assert (entry["shadowed_by"], entry["shadowing_rule"]) == ("30-stig.rules:1", "-w /etc/hosts -p wa -k system-locale")
    assert entry["reason"].endswith("recorded with key system-locale, never with key hosts")
    assert format_shadowed([entry]) == ("70-local.rules:1: -w /etc/hosts -p wa -k hosts (shadowed by 30-stig.rules:1: "
                                        "-w /etc/hosts -p wa -k system-locale)")


def test_stig_time_rules_after_the_bundle_are_shadowed():
    assert shadows([("30-fleetaudit-time_change.rules", BUNDLE_TIME.replace("-w /etc/localtime -p wa -k time-change\n", "")),
                    ("30-stig.rules", STIG.split("-w /etc/localtime", maxsplit=1)[0])]) == [
        ("30-stig.rules", 1, "30-fleetaudit-time_change.rules:3"),
        ("30-stig.rules", 2, "30-fleetaudit-time_change.rules:2"),
        ("30-stig.rules", 3, "30-fleetaudit-time_change.rules:2")]


@pytest.mark.parametrize("first, later", [
    # Same file, permissions covered, whatever the form.
    ("-w /etc/hosts -p wa -k a", "-w /etc/hosts -p w -k b"),
    ("-w /etc/hosts -k a", "-a always,exit -F path=/etc/hosts -F perm=wa -F auid>=1000 -k b"),
    ("-a always,exit -F path=/etc/hosts -F perm=wa -k a", "-w /etc/hosts -p wa -k b"),
    # Directories: the same one, or one below it.
    ("-w /etc/sudoers.d/ -p wa -k a", "-w /etc/sudoers.d -p wa -k b"),
    ("-a always,exit -F dir=/etc/ -F perm=wa -k a", "-w /etc/ssh/ -p w -k b"),
    # Syscalls: a superset, same or no arch, fewer conditions; a never rule hides what follows.
    ("-a always,exit -F arch=b64 -S open,openat -k a", "-a always,exit -F arch=b64 -S openat -F auid>=1000 -k b"),
    ("-a always,exit -S all -F auid=0 -k a", "-a always,exit -F arch=b64 -S openat -F auid=0 -F uid=0 -k b"),
    ("-a never,exit -F arch=b64 -S openat", "-a always,exit -F arch=b64 -S openat -k b"),
    ("-a always,exit -F arch=b64 -S openat -k same", "-a always,exit -F arch=b64 -S openat -F auid>=1000 -k same"),
])
def test_later_rule_is_shadowed(first, later):
    assert shadows([("10.rules", first + "\n"), ("20.rules", later + "\n")]) == [("20.rules", 1, "10.rules:1")]


@pytest.mark.parametrize("first, later", [
    ("-w /etc/hosts -p wa -k a", "-w /etc/hosts -p r -k b"),
    ("-w /etc/hosts -p w -k a", "-w /etc/hosts -p wa -k b"),
    ("-a always,exit -F path=/etc/hosts -F perm=wa -F auid>=1000 -k a", "-w /etc/hosts -p wa -k b"),
    ("-w /etc/hosts -p wa -k a", "-w /etc/hostname -p wa -k b"),
    # A directory watch is on the exit list; a file watch on its inode's list, checked after it.
    ("-w /etc/ -p wa -k a", "-w /etc/hosts -p wa -k b"),
    ("-w /etc/ssh/ -p wa -k a", "-w /etc/ -p wa -k b"),
    ("-a always,exit -F arch=b64 -S openat -k a", "-a always,exit -F arch=b32 -S openat -k b"),
    ("-a always,exit -F arch=b64 -S openat -k a", "-a always,exit -F arch=b64 -S open,openat -k b"),
    ("-a always,exit -F arch=b64 -S openat -F auid>=1000 -k a", "-a always,exit -F arch=b64 -S openat -k b"),
    ("-a always,exit -F arch=b64 -S openat -k a", "-a always,exclude -F msgtype=CWD"),
])
def test_later_rule_still_matches(first, later):
    assert shadows([("10.rules", first + "\n"), ("20.rules", later + "\n")]) == []


def test_a_prepended_rule_comes_first_in_the_kernel():
    assert shadows([("10.rules", "-w /etc/hosts -p wa -k a\n"), ("20.rules", "-A always,exit -F path=/etc/hosts -F perm=wa -k b\n")]) \
        == [("10.rules", 1, "20.rules:1")]
