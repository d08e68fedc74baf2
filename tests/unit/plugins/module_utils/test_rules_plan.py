"""What an augenrules run decides (changed, check mode, immutable kernel, load, rollback contents),
on inputs recorded from real kernels: no root, no file written."""

import pytest

from ansible_collections.fleetaudit.auditd.plugins.module_utils.auditctl_output import parse_rule_listing, parse_status
from ansible_collections.fleetaudit.auditd.plugins.module_utils.rules_drift import (
    expected_state,
    parse_kernel_rules,
    rule_drift,
    settings_drift,
)
from ansible_collections.fleetaudit.auditd.plugins.module_utils.rule_syntax import parse_rule
from ansible_collections.fleetaudit.auditd.plugins.module_utils.rules_plan import (
    changed_names,
    desired_files,
    file_changes,
    immutable_failure,
    kernel_facts,
    pending_lines,
    plan_run,
)
from ansible_collections.fleetaudit.auditd.tests.unit.plugins.module_utils.audit_fixtures import VERSIONS, read, tables


def recorded_kernel(version, compiled_set, loaded_set, enabled=1):
    """kernel_facts for a kernel that loaded `loaded_set` and a compiled file holding `compiled_set`,
    both as recorded with that version's auditctl, under its recorded auditctl -s."""
    table = tables(version)
    rules = [parse_rule(line, table) for line in read(version, "sets", compiled_set + ".rules").splitlines()]
    expected_rules, expected_settings = expected_state([rule for rule in rules if rule is not None])
    listing = parse_rule_listing(read(version, "sets", loaded_set + ".list"))
    status = parse_status(read(version, "status.txt"))
    status["enabled"] = enabled
    drift = rule_drift(expected_rules, parse_kernel_rules(listing, table))
    drift["settings"] = settings_drift(expected_settings, status)
    return kernel_facts(status, None, drift, len(listing))


NO_KERNEL = kernel_facts(None, "auditctl -s: Operation not permitted", None, None)


@pytest.mark.parametrize("version", VERSIONS)
def test_nothing_to_do_changes_nothing(version):
    kernel = recorded_kernel(version, "30-stig", "30-stig")
    assert not kernel["kernel_changed"]
    plan = plan_run("loaded", False, [], False, kernel, unparsed=False)
    assert (plan.changed, plan.write, plan.load) == (False, False, False)


@pytest.mark.parametrize("version", VERSIONS)
def test_kernel_drift_is_loaded_by_a_real_run_only(version):
    kernel = recorded_kernel(version, "30-stig", "43-module-load")
    assert kernel["kernel_changed"] and kernel["drift"]["missing"] and kernel["drift"]["extra"]
    real = plan_run("loaded", False, [], False, kernel, unparsed=False)
    assert (real.changed, real.write, real.load) == (True, True, True)
    # Check mode reports exactly the same change and does nothing.
    check = plan_run("loaded", True, [], False, kernel, unparsed=False)
    assert (check.changed, check.write, check.load) == (True, False, False)
    # checked: changed says the kernel would change; compiled: the kernel is not its business.
    assert plan_run("checked", False, [], False, kernel, unparsed=False).changed is True
    assert plan_run("checked", False, [], False, kernel, unparsed=False).write is False
    compiled = plan_run("compiled", False, [], False, kernel, unparsed=False)
    assert (compiled.changed, compiled.write, compiled.load) == (False, False, False)


def test_changed_files_are_written_without_a_load_when_the_kernel_matches():
    kernel = recorded_kernel("3.0.9", "30-stig", "30-stig")
    plan = plan_run("loaded", False, ["50-local.rules"], True, kernel, unparsed=False)
    assert (plan.changed, plan.write, plan.load) == (True, True, False)
    # Unparsed lines (validate: false) are for auditctl to judge: a changed compiled file is loaded.
    plan = plan_run("loaded", False, ["50-local.rules"], True, kernel, unparsed=True)
    assert plan.load is True


def test_an_immutable_kernel_is_never_loaded_and_says_what_waits_for_a_reboot():
    kernel = recorded_kernel("4.0.2", "30-stig", "43-module-load", enabled=2)
    assert kernel["immutable"] and kernel["reboot_required"]
    assert kernel["pending"] == pending_lines(kernel["drift"])
    assert kernel["pending"][0].startswith("+ ")
    plan = plan_run("loaded", False, ["30-stig.rules"], True, kernel, unparsed=True)
    assert (plan.changed, plan.write, plan.load) == (True, True, False)
    # state=checked: only a load could change such a kernel, and none can.
    assert plan_run("checked", False, [], False, kernel, unparsed=False).changed is False
    assert immutable_failure(kernel, "report") is None
    assert immutable_failure(kernel, "fail").startswith("the kernel is immutable (enabled 2)")


def test_without_kernel_audit_files_are_managed_and_nothing_is_loaded():
    assert NO_KERNEL == {"kernel_available": False, "kernel_unavailable_reason": "auditctl -s: Operation not permitted",
                         "kernel_changed": False, "immutable": False, "reboot_required": False, "pending": []}
    plan = plan_run("loaded", False, ["50-local.rules"], True, NO_KERNEL, unparsed=True)
    assert (plan.changed, plan.write, plan.load) == (True, True, False)
    assert immutable_failure(NO_KERNEL, "fail") is None


def test_a_repaired_interrupted_run_is_a_change():
    assert plan_run("loaded", False, [], False, NO_KERNEL, unparsed=False, recovered=True).changed is True
    assert plan_run("loaded", False, [], False, NO_KERNEL, unparsed=False, recovered=True).write is False


def test_desired_files_put_in_the_given_files_and_purge_the_other_rules():
    current = {"10-base.rules": b"-D\n", "99-old.rules": b"-w /x\n", "README": b"notes"}
    given = {"10-base.rules": b"-D\n-b 8192\n"}
    assert desired_files(current, given, purge=False) == dict(current, **given)
    assert desired_files(current, given, purge=True) == {"10-base.rules": b"-D\n-b 8192\n", "README": b"notes"}


def test_changed_names_include_a_given_file_whose_mode_is_not_the_safe_one():
    current = {"10-base.rules": b"-D\n", "20-same.rules": b"-e 1\n", "30-gone.rules": b""}
    desired = {"10-base.rules": b"-D\n-b 1\n", "20-same.rules": b"-e 1\n", "40-new.rules": b"-e 1\n"}
    modes = {"20-same.rules": 0o666}
    names = changed_names(current, desired, {"20-same.rules"}, modes.get, 0o640)
    assert names == ["10-base.rules", "20-same.rules", "30-gone.rules", "40-new.rules"]
    assert changed_names(current, desired, (), modes.get, 0o640) == ["10-base.rules", "30-gone.rules", "40-new.rules"]


def test_file_changes_record_what_a_rollback_puts_back_in_commit_order():
    current = {"50-a.rules": b"old\n", "60-gone.rules": b"x\n"}
    desired = {"50-a.rules": b"new\n"}
    changes = file_changes("/d", ["50-a.rules", "60-gone.rules"], current, desired, "/c/audit.rules",
                           b"compiled before\n", b"compiled after\n", lambda: b"prev before\n")
    assert changes == [
        ("/d/50-a.rules", b"old\n", b"new\n"),
        ("/d/60-gone.rules", b"x\n", None),
        ("/c/audit.rules.prev", b"prev before\n", b"compiled before\n"),
        ("/c/audit.rules", b"compiled before\n", b"compiled after\n"),
    ]
    # No compiled file yet: no .prev either. An unchanged compiled file: neither is touched.
    assert file_changes("/d", [], {}, {}, "/c/audit.rules", None, b"c\n", lambda: pytest.fail("read")) == [
        ("/c/audit.rules", None, b"c\n")]
    assert file_changes("/d", [], {}, {}, "/c/audit.rules", b"c\n", b"c\n", lambda: pytest.fail("read")) == []


def test_pending_lines_say_what_a_load_would_change():
    drift = {"missing": ["-w /etc/passwd -p wa -k identity"], "extra": ["-w /etc/hosts -p wa"],
             "reordered": False, "settings": {"backlog_limit": {"expected": 8192, "actual": 64}}}
    assert pending_lines(drift) == ["+ -w /etc/passwd -p wa -k identity", "- -w /etc/hosts -p wa",
                                    "backlog_limit 8192 (now 64)"]
