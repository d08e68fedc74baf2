from ansible_collections.fleetaudit.auditd.plugins.filter.audit_rule_errors import audit_rule_errors


def test_errors_of_the_role_file_name_the_rule_as_the_user_wrote_it():
    errors = [{"file": "70-fleetaudit-local.rules", "line": 3, "rule": "-w /nonexist/x", "reason": "parent directory missing"}]
    assert audit_rule_errors(errors, [{"watch": "/etc/hosts"}, {"watch": "/nonexist/x"}],
                             file="70-fleetaudit-local.rules") == [
        "auditd_rules[1] (-w /nonexist/x): parent directory missing"]
