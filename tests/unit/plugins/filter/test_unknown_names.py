from ansible_collections.fleetaudit.auditd.plugins.filter.unknown_names import unknown_names


def test_misspelled_names_come_with_the_closest_known_name():
    known = ["auditd_rule_bundles", "auditd_rules", "auditd_conf"]
    assert unknown_names(["auditd_rule_bundle", "auditd_rules", "auditd_zzz"], known) == [
        "auditd_rule_bundle (did you mean auditd_rule_bundles?)", "auditd_zzz"]
    assert unknown_names(known, known) == []
