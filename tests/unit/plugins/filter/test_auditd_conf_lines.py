import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.fleetaudit.auditd.plugins.filter.auditd_conf_lines import auditd_conf_lines

DEFAULTS = {"write_logs": "yes", "space_left": 75, "admin_space_left": 50, "num_logs": 5}


def test_settings_go_over_the_defaults_in_their_order():
    assert auditd_conf_lines({"num_logs": 10, "write_logs": False, "q_depth": 4000}, DEFAULTS) == [
        "write_logs = no", "space_left = 75", "admin_space_left = 50", "num_logs = 10", "q_depth = 4000"]


def test_every_refused_setting_is_named_and_nothing_is_returned():
    with pytest.raises(AnsibleFilterError) as error:
        auditd_conf_lines({"max_log_file": "lots", "num_logs": 1000}, DEFAULTS)
    assert str(error.value).startswith("2 auditd.conf setting(s) that auditd would refuse, nothing written: "
                                       "auditd_conf.max_log_file: 'lots' is not accepted")
    assert "auditd_conf.num_logs: 1000 is not accepted by auditd: it takes a whole number from 0 to 999" in str(error.value)


def test_a_list_instead_of_settings_is_refused():
    with pytest.raises(AnsibleFilterError, match="auditd_conf must be a dictionary"):
        auditd_conf_lines(["num_logs=5"], DEFAULTS)
