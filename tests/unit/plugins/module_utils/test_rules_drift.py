"""Expected kernel state and drift, on rule sets recorded from a real kernel: the rules loaded with
audit 3.0.9's and 4.0.2's auditctl and what each one's ``auditctl -l`` listed afterwards."""

import pytest

from ansible_collections.fleetaudit.auditd.plugins.module_utils.rule_check import validate_lines
from ansible_collections.fleetaudit.auditd.plugins.module_utils.rule_syntax import parse_rule
from ansible_collections.fleetaudit.auditd.plugins.module_utils.auditctl_output import parse_rule_listing
from ansible_collections.fleetaudit.auditd.plugins.module_utils.rules_compile import source_lines
from ansible_collections.fleetaudit.auditd.plugins.module_utils.rules_drift import (
    expected_state,
    has_drift,
    listing_matches,
    parse_kernel_rules,
    rule_drift,
    settings_drift,
)
from ansible_collections.fleetaudit.auditd.tests.unit.plugins.module_utils.audit_fixtures import (
    VERSIONS,
    read,
    rule_sets,
    tables,
)

TABLES = tables()


def parsed(text):
    rules = [parse_rule(line, TABLES) for line in text.splitlines()]
    return [rule for rule in rules if rule is not None]


CASES = [(version, name) for version in VERSIONS for name in rule_sets(version)]


def test_the_recordings_cover_both_versions_and_the_example_sets():
    for version in VERSIONS:
        names = rule_sets(version)
        assert {"forms", "30-stig", "30-pci-dss-v31", "43-module-load", "44-installers"} <= set(names)
        assert len(names) >= 30


@pytest.mark.parametrize("version, name", CASES)
def test_recorded_rule_set_reads_back_without_drift(version, name):
    version_tables = tables(version)
    lines = source_lines([(name, read(version, "sets", name + ".rules"))])
    rules, errors = validate_lines(lines, version_tables, check_paths=False)
    assert errors == []
    expected, _settings = expected_state([rule for _line, rule in rules])
    listing = parse_rule_listing(read(version, "sets", name + ".list"))
    drift = rule_drift(expected, parse_kernel_rules(listing, version_tables))
    assert drift == {"missing": [], "extra": [], "reordered": False}
    assert len(expected) == len(listing)


def test_a_changed_kernel_rule_shows_as_missing_and_extra():
    listing = parse_rule_listing(read("3.0.9", "sets", "43-module-load.list"))
    listing[0] = listing[0].replace("-F key=", "-F key=x")
    listing.append("-w /etc/out-of-band -p wa -k oob")
    rules = parsed(read("3.0.9", "sets", "43-module-load.rules"))
    drift = rule_drift(expected_state(rules)[0], parse_kernel_rules(listing, TABLES))
    assert len(drift["missing"]) == 1 and drift["missing"][0] in read("3.0.9", "sets", "43-module-load.list")
    assert drift["extra"] == [listing[0], "-w /etc/out-of-band -p wa -k oob"]


def test_expected_state_replays_auditctl():
    rules = parsed(
        "-w /etc/old -p wa -k old\n"
        "-D\n"
        "-w /etc/a -p wa -k a\n"
        "-a never,exclude -F msgtype=CWD\n"
        "-w /etc/b -p wa -k b\n"
        "-w /etc/c -p wa -k c\n"
        "-A always,exit -F arch=b64 -S open -k first\n"
        "-W /etc/b -p wa -k b\n"
        "-D -k c\n"
        "-a never,user -F uid=0\n"
        "-b 8192\n-f 2\n-r 50\n--backlog_wait_time 1000\n-e 1\n--loginuid-immutable\n")
    expected, settings = expected_state(rules)
    assert [rule.normalized for rule in expected] == [
        "-a never,user -F uid=0",
        "-a always,exit -F arch=b64 -S open -F key=first",
        "-w /etc/a -p wa -k a",
        "-a never,exclude -F msgtype=CWD",
    ]
    assert settings == {"backlog_limit": 8192, "failure": 2, "rate_limit": 50, "backlog_wait_time": 1000,
                        "enabled": 1, "loginuid_immutable": 1}


def test_order_matters_within_a_list():
    one = parsed("-a never,exit -F arch=b64 -S open -F uid=0\n-a always,exit -F arch=b64 -S open\n")
    drift = rule_drift(one, list(reversed(one)))
    assert drift == {"missing": [], "extra": [], "reordered": True}
    assert has_drift(dict(drift, settings={}))


def test_lingering_arch_in_the_listing():
    """auditctl -l names an arch-less rule's syscalls with the previous rule's table."""
    rules = parsed("-a always,exit -F arch=b32 -S open -k a\n-a always,exit -S adjtimex -k t\n")
    listed = ["-a always,exit -F arch=b32 -S open -F key=a",
              "-a always,exit -S sched_get_priority_max -F key=t"]
    drift = rule_drift(expected_state(rules)[0], parse_kernel_rules(listed, TABLES))
    assert not drift["missing"] and not drift["extra"]


def test_settings_drift():
    status = {"enabled": 1, "failure": 1, "backlog_limit": 64, "backlog_wait_time": 60000}
    assert settings_drift({"backlog_limit": 8192, "failure": 1}, status) == {
        "backlog_limit": {"expected": 8192, "actual": 64}}
    assert settings_drift({}, status) == {}


def test_unparsable_kernel_line_is_kept_as_extra():
    drift = rule_drift([], parse_kernel_rules(["-a always,exit -F key=with space"], TABLES))
    assert drift["extra"] == ["-a always,exit -F key=with space"]


@pytest.mark.parametrize("version, name", CASES)
def test_loadable_lines_parse_back_to_the_same_rules(version, name):
    """What a failed load's rollback feeds auditctl -R is the rule the kernel listed."""
    version_tables = tables(version)
    listed = parse_kernel_rules(parse_rule_listing(read(version, "sets", name + ".list")), version_tables)
    reloaded = [parse_rule(rule.loadable, version_tables) for rule in listed]
    assert [rule.identity for rule in reloaded] == [rule.identity for rule in listed]


def test_loadable_forms_auditctl_accepts():
    rule = parse_rule("-a always,exit -F arch=b64 -S open -F pid=-1 -F filetype=file -F auid<=-2", TABLES, listed=True)
    assert rule.loadable == "-a always,exit -F arch=b64 -S 2 -F pid=4294967295 -F filetype=file -F auid<=4294967294"
    watch = parse_kernel_rules(["-w /etc/ssh/ -p wa -k sshd"], TABLES)[0]
    assert watch.loadable == "-a always,exit -F dir=/etc/ssh/ -F perm=wa -F key=sshd"


def test_listing_matches_only_when_text_equal_and_unambiguous():
    rules = parsed("-w /etc/passwd -p wa -k identity\n-a always,exit -F arch=b64 -S openat,open -k a\n")
    expected = expected_state(rules)[0]
    listing = ["-w /etc/passwd -p wa -k identity", "-a always,exit -F arch=b64 -S open,openat -F key=a"]
    assert listing_matches(expected, listing)
    assert not listing_matches(expected, listing[:1])
    assert not listing_matches(expected, list(reversed(listing)))
    archless = expected_state(parsed("-a always,exit -S adjtimex -k t\n"))[0]
    assert not listing_matches(archless, ["-a always,exit -S adjtimex -F key=t"])


@pytest.mark.parametrize("version, name", CASES)
def test_listing_matches_agrees_with_the_full_comparison(version, name):
    version_tables = tables(version)
    rules, _errors = validate_lines(source_lines([(name, read(version, "sets", name + ".rules"))]),
                                    version_tables, check_paths=False)
    expected = expected_state([rule for _line, rule in rules])[0]
    listing = parse_rule_listing(read(version, "sets", name + ".list"))
    if listing_matches(expected, listing):
        assert rule_drift(expected, parse_kernel_rules(listing, version_tables)) == \
            {"missing": [], "extra": [], "reordered": False}
    else:
        # Only the quirks the fast path leaves to the full comparison.
        assert name in ("forms", "44-installers", "70-einval")
