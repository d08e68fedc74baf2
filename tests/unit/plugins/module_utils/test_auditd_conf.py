"""auditd.conf values checked the way auditd's parser checks them.

Each case below was run through the real auditd parser (audit 3.0.9 on Debian 12 and 4.0.2 on
Debian 13, see tests/integration/host/test_auditd_conf_parser.py, which replays GRAMMAR_CASES
against the daemon): `accepted` is what auditd did with it.
"""

import pytest

from ansible_collections.fleetaudit.auditd.plugins.module_utils.auditd_conf import (
    GRAMMAR,
    conf_errors,
    conf_lines,
    conf_value_text,
    configured_log_file,
    known_settings,
    parse_auditd_conf,
)

# A valid base the cases are written over (as the role's defaults are).
BASE = {"space_left": 75, "admin_space_left": 50, "flush": "INCREMENTAL_ASYNC", "freq": 50}

# (setting, value, accepted by auditd 3.0.9 and 4.0.2)
GRAMMAR_CASES = [
    # whole numbers: digits only, no sign, no unit, no decimals
    ("max_log_file", 8, True),
    ("max_log_file", "lots", False),
    ("max_log_file", "8M", False),
    ("max_log_file", "-1", False),
    ("max_log_file", "1.5", False),
    ("max_log_file", "18446744073709551615", True),
    ("max_log_file", "99999999999999999999", False),
    # bounded numbers
    ("num_logs", 999, True),
    ("num_logs", 1000, False),
    ("priority_boost", 2147483647, True),
    ("priority_boost", 2147483648, False),
    ("q_depth", 99999, True),
    ("q_depth", 100000, False),
    ("tcp_listen_port", 0, False),
    ("tcp_listen_port", 65535, True),
    ("tcp_listen_port", 65536, False),
    ("tcp_max_per_addr", 1024, True),
    ("tcp_max_per_addr", 1025, False),
    ("end_of_event_timeout", 2, True),
    # port ranges
    ("tcp_client_ports", "1-1023", True),
    ("tcp_client_ports", "1023-1", False),
    ("tcp_client_ports", "1024", True),
    # enumerations, in any case
    ("max_log_file_action", "ROTATE", True),
    ("max_log_file_action", "keep_logs", True),
    ("max_log_file_action", "exec /bin/true", False),
    ("max_log_file_action", "email", False),
    ("flush", "sync", True),
    ("flush", "always", False),
    ("log_format", "ENRICHED", True),
    ("log_format", "nolog", True),
    ("log_format", "json", False),
    ("name_format", "HOSTNAME", True),  # fqd and numeric: the host must resolve its own name
    ("name_format", "ip", False),
    ("overflow_action", "SYSLOG", True),
    ("overflow_action", "rotate", False),
    ("transport", "TCP", True),
    ("transport", "KRB5", True),
    ("transport", "udp", False),
    # failure actions and their exceptions
    ("space_left_action", "SUSPEND", True),
    ("space_left_action", "halt", True),
    ("space_left_action", "email", True),
    ("space_left_action", "exec /bin/true", True),
    ("space_left_action", "exec", False),
    ("space_left_action", "reboot", False),
    ("admin_space_left_action", "single", True),
    ("admin_space_left_action", "exec", False),
    ("disk_full_action", "halt", True),
    ("disk_full_action", "email", False),
    ("disk_error_action", "syslog", True),
    ("disk_error_action", "rotate", False),
    ("disk_error_action", "email", False),
    # yes/no, YAML booleans written as yes/no
    ("write_logs", "no", True),
    ("write_logs", False, True),
    ("local_events", True, True),
    ("use_libwrap", "true", False),
    ("enable_krb5", "maybe", False),
    ("max_log_file", True, False),
    # sizes: megabytes or 1% to 99%
    ("space_left", "25%", True),
    ("space_left", "100%", False),
    ("space_left", "-1", False),
    ("space_left", "0%", False),
    ("admin_space_left", "10%", True),
    # paths
    ("log_file", "/var/log/audit/audit.log", True),
    ("log_file", "audit.log", False),
    ("log_file", "/var/audit.log", True),
    ("log_file", "/x/audit.log", False),
    # e-mail form (verify_email yes, the default)
    ("action_mail_acct", "root", True),
    ("action_mail_acct", "x", False),
    ("action_mail_acct", "a@b", False),
    ("action_mail_acct", "a+b@example.com", False),
    ("action_mail_acct", "audit-team@example.com", True),
    # words
    ("log_group", "adm", True),
    ("log_group", 4, True),
    ("name", "web1", True),
    ("name", "two words", False),
    ("name", "", False),
    ("dispatcher", "/sbin/audispd", True),
    ("disp_qos", "lossy", True),
    # keys
    ("report_interval", 300, False),
    ("max_logfile", 8, False),
]

# What auditd takes and the role refuses on purpose: settings in another case than the role's
# defaults would be written twice; percentages where the admin threshold is not below space_left
# make auditd log an error at start and act on the wrong threshold.
STRICTER_CASES = [
    {"Max_Log_File": 8},
    dict(BASE, space_left="10%", admin_space_left="20%"),
]


# Whole files auditd refuses once every line is read (its sanity check and node name).
CROSS_CASES = [
    (dict(BASE, space_left=50), False),
    (dict(BASE, space_left=51), True),
    (dict(BASE, freq=0), False),
    (dict(BASE, freq=0, flush="data"), True),
    (dict(BASE, name_format="user"), False),
    (dict(BASE, log_group="adm", log_file="/var/log/audit.log"), False),
    (dict(BASE, log_group="root", log_file="/var/log/audit.log"), True),
]


def case_settings(setting, value):
    """The settings a grammar case is checked in: the base, the case, and what it needs."""
    settings = dict(BASE, **{setting: value})
    if setting == "name":
        settings["name_format"] = "user"
    return settings


@pytest.mark.parametrize("setting, value, accepted", GRAMMAR_CASES,
                         ids=["%s=%s" % (setting, value) for setting, value, _accepted in GRAMMAR_CASES])
def test_value_is_judged_as_auditd_judges_it(setting, value, accepted):
    errors = conf_errors(case_settings(setting, value), user_keys=[setting], version="3.0.9")
    assert (errors == []) is accepted, errors
    if not accepted:
        assert errors[0].startswith("auditd_conf.%s: " % setting)


@pytest.mark.parametrize("settings, accepted", CROSS_CASES)
def test_whole_file_is_judged_as_auditd_judges_it(settings, accepted):
    assert (conf_errors(settings, user_keys=settings) == []) is accepted


@pytest.mark.parametrize("settings", STRICTER_CASES)
def test_stricter_than_auditd_where_its_result_is_wrong(settings):
    assert conf_errors(settings, user_keys=settings)


def test_message_names_the_setting_the_value_and_what_is_accepted():
    assert conf_errors(dict(BASE, max_log_file="lots"), ["max_log_file"]) == [
        "auditd_conf.max_log_file: 'lots' is not accepted by auditd: it takes a whole number of megabytes "
        "(0 or more, digits only)"]


def test_unknown_setting_suggests_the_closest():
    assert conf_errors({"max_logfile": 8}) == [
        "auditd_conf.max_logfile: unknown auditd.conf setting for audit 3.0 (did you mean max_log_file?)"]


def test_newer_setting_names_the_version_it_needs():
    [error] = conf_errors({"report_interval": 300}, version="4.0.2")
    assert "needs audit 4.1 or newer" in error
    assert "report_interval" in known_settings("4.1.0") and "report_interval" not in known_settings("4.0.2")


def test_space_left_must_be_above_admin_space_left():
    [error] = conf_errors(dict(BASE, space_left=50), ["space_left"])
    assert error == ("auditd_conf.space_left: space_left = 50 must be larger than admin_space_left = 50 "
                     "(the role's default) (auditd refuses to start otherwise)")
    assert conf_errors(dict(BASE, space_left="10%", admin_space_left="20%"), ["admin_space_left"])
    # Megabytes against a percentage depend on the partition: auditd takes it, so do we.
    assert conf_errors(dict(BASE, space_left="10%"), ["space_left"]) == []


def test_incremental_flush_needs_a_frequency():
    [error] = conf_errors(dict(BASE, freq=0), ["freq"])
    assert error.startswith("auditd_conf.freq: flush = incremental_async needs freq above 0")
    assert conf_errors(dict(BASE, freq=0, flush="data"), ["freq", "flush"]) == []


def test_user_name_format_needs_a_name():
    assert conf_errors(dict(BASE, name_format="user"), ["name_format"])


def test_log_group_is_refused_for_a_log_directly_in_var_log():
    [error] = conf_errors(dict(BASE, log_group="adm", log_file="/var/log/audit.log"), ["log_file"])
    assert "directly in /var/log" in error
    assert conf_errors(dict(BASE, log_group="root", log_file="/var/log/audit.log"), ["log_file"]) == []


def test_email_form_is_not_checked_without_verify_email():
    assert conf_errors(dict(BASE, verify_email="no", action_mail_acct="x"), ["action_mail_acct"]) == []


def test_line_longer_than_auditd_reads_is_refused():
    assert conf_errors(dict(BASE, name_format="user", name="a" * 151), ["name"]) == []
    [error] = conf_errors(dict(BASE, name_format="user", name="a" * 152), ["name"])
    assert "at most 158 characters" in error


def test_a_newline_cannot_inject_a_setting():
    [error] = conf_errors(dict(BASE, name_format="user", name="web1\nlocal_events = no"), ["name"])
    assert error.startswith("auditd_conf.name: ")


# The settings auditd.conf(5) of audit 3.0.9 documents, plus the two its parser still takes and ignores.
DOCUMENTED = """local_events log_file write_logs log_format log_group priority_boost flush freq num_logs
name_format name max_log_file max_log_file_action verify_email action_mail_acct space_left
space_left_action admin_space_left admin_space_left_action disk_full_action disk_error_action
tcp_listen_port tcp_listen_queue tcp_max_per_addr use_libwrap tcp_client_ports tcp_client_max_idle
transport enable_krb5 krb5_principal krb5_key_file distribute_network q_depth overflow_action
max_restarts plugin_dir end_of_event_timeout dispatcher disp_qos""".split()


def test_every_setting_auditd_conf_documents_has_a_rule():
    assert sorted(GRAMMAR) == sorted(DOCUMENTED) == known_settings("3.0.9") == known_settings("4.0.2")


def test_values_are_written_as_auditd_reads_them():
    assert conf_value_text(False) == "no" and conf_value_text(True) == "yes" and conf_value_text(8) == "8"
    assert conf_lines({"write_logs": False, "num_logs": 5}) == ["write_logs = no", "num_logs = 5"]


def test_parse_keeps_values_as_text():
    assert parse_auditd_conf("# c\nNum_Logs = 5\n\nspace_left_action = exec /x\n") == {
        "num_logs": "5", "space_left_action": "exec /x"}


def test_configured_log_file_is_auditds_default_when_not_set():
    assert configured_log_file(parse_auditd_conf("Log_File = /srv/audit/a.log\n")) == "/srv/audit/a.log"
    assert configured_log_file(parse_auditd_conf("num_logs = 5\nlog_file =\n")) == "/var/log/audit/audit.log"
