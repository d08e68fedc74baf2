"""audisp-remote, dispatcher plugin and collector settings: validation in the user's terms, and
rendering into files that read back as written."""

import pytest

from ansible_collections.fleetaudit.auditd.plugins.module_utils.audit_remote import (
    collector_conf,
    collector_conf_errors,
    plugin_conf,
    remote_conf,
    remote_settings_errors,
    syslog_plugin_args,
)
from ansible_collections.fleetaudit.auditd.plugins.module_utils.auditd_conf import parse_auditd_conf

CLIENT = {"remote_server": "127.0.0.1", "port": 6060, "transport": "tcp", "mode": "immediate",
          "queue_depth": 10240, "format": "managed", "heartbeat_timeout": 30,
          "network_failure_action": "warn_once", "remote_ending_action": "reconnect"}


def test_remote_conf_reads_back_as_written_in_man_page_order():
    text = remote_conf(dict(reversed(list(CLIENT.items()))))
    assert parse_auditd_conf(text) == {name: str(value) for name, value in CLIENT.items()}
    names = [line.split(" = ")[0] for line in text.splitlines() if not line.startswith("#")]
    assert names[:3] == ["remote_server", "port", "transport"]


def test_exec_action_takes_a_script_path():
    assert remote_settings_errors(dict(CLIENT, network_failure_action="exec /usr/local/bin/alert")) == []
    assert remote_settings_errors(dict(CLIENT, network_failure_action="exec alert")) == [
        "auditd_remote: network_failure_action = 'exec alert' is not one of ignore, syslog, exec, warn_once, "
        "warn_once_continue, suspend, single, halt, stop, or 'exec /path'"]


@pytest.mark.parametrize("change, message", [
    ({"port": 0}, "auditd_remote: port = 0 is not a port number 1-65535"),
    ({"port": "60"}, None),  # extra vars arrive as strings
    ({"port": "6o"}, "auditd_remote: port = '6o' is not a port number 1-65535"),
    ({"transport": "tls"}, "auditd_remote: transport = 'tls' is not tcp or krb5"),
    ({"queue_depth": 0}, "auditd_remote: queue_depth = 0 is not a number of records, 1 or more"),
    ({"overflow_action": "stop"}, "auditd_remote: overflow_action = 'stop' is not one of ignore, syslog, suspend, single, halt"),
    ({"remote_server": "two words"}, "auditd_remote: remote_server = 'two words' is not a host name or address"),
    ({"local_port": "any"}, None),
    ({"local_port": 99999}, "auditd_remote: local_port = 99999 is not a port number 1-65535 or 'any'"),
])
def test_bad_values_are_named_with_what_they_should_be(change, message):
    errors = remote_settings_errors(dict(CLIENT, **change))
    assert errors == ([message] if message else [])


def test_unknown_setting_is_refused_with_the_known_ones():
    [error] = remote_settings_errors(dict(CLIENT, remote_srever="x"))
    assert error.startswith("auditd_remote: unknown setting 'remote_srever' (known: disk_error_action,")


def test_server_is_required_and_forward_mode_needs_managed_format():
    settings = dict(CLIENT, remote_server="", mode="forward", format="ascii")
    with pytest.raises(ValueError) as error:
        remote_conf(settings)
    assert str(error.value) == (
        "auditd_remote: remote_server = '' is not a host name or address; "
        "auditd_remote: remote_server is required to ship events (auditd_remote_server); "
        "auditd_remote: mode = forward needs format = managed (audisp-remote.conf(5))")


def test_plugin_file_active_and_inactive():
    assert parse_auditd_conf(plugin_conf(True, "/sbin/audisp-remote")) == {
        "active": "yes", "direction": "out", "path": "/sbin/audisp-remote", "type": "always", "format": "string"}
    assert parse_auditd_conf(plugin_conf(False, "/sbin/audisp-syslog", "LOG_INFO LOG_LOCAL6"))["active"] == "no"
    assert parse_auditd_conf(plugin_conf(False, "/sbin/audisp-syslog", "LOG_INFO LOG_LOCAL6"))["args"] == "LOG_INFO LOG_LOCAL6"


def test_syslog_arguments():
    assert syslog_plugin_args("log_notice") == "LOG_NOTICE"
    assert syslog_plugin_args("LOG_INFO", "log_local6") == "LOG_INFO LOG_LOCAL6"
    with pytest.raises(ValueError, match="auditd_syslog_facility: 'LOG_LOCAL9' is not one of"):
        syslog_plugin_args("LOG_INFO", "LOG_LOCAL9")
    with pytest.raises(ValueError, match="auditd_syslog_priority: 'INFO' is not one of"):
        syslog_plugin_args("INFO")


COLLECTOR = {"tcp_listen_port": 60, "tcp_max_per_addr": 16, "tcp_client_ports": "1-1023",
             "tcp_client_max_idle": 60, "space_left": 2048, "admin_space_left": 1024}


def test_collector_settings_pass():
    assert collector_conf_errors(COLLECTOR) == []


@pytest.mark.parametrize("change, message", [
    ({"tcp_listen_port": None}, "auditd_collector: tcp_listen_port is required for a collector"),
    ({"tcp_max_per_addr": 2000}, "auditd_collector: tcp_max_per_addr = 2000 is not a count, 1 to 1024"),
    ({"tcp_client_ports": "1023-1"},
     "auditd_collector: tcp_client_ports = '1023-1' is not a port or a range LOW-HIGH (no spaces) in 1-65535"),
    ({"tcp_client_ports": "1 - 1023"},
     "auditd_collector: tcp_client_ports = '1 - 1023' is not a port or a range LOW-HIGH (no spaces) in 1-65535"),
    ({"admin_space_left": 2048}, "auditd_collector: space_left (2048) must be above admin_space_left (2048), "
                                 "or auditd exits at start"),
])
def test_collector_errors(change, message):
    settings = {name: value for name, value in dict(COLLECTOR, **change).items() if value is not None}
    assert collector_conf_errors(settings) == [message]


def test_collector_conf_reads_back_and_refuses_bad_settings():
    assert parse_auditd_conf(collector_conf(COLLECTOR)) == {name: str(value) for name, value in COLLECTOR.items()}
    with pytest.raises(ValueError, match="tcp_listen_port is required"):
        collector_conf({"local_events": "no"})
