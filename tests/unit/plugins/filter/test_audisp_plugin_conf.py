"""The plugin file of laurel: its program's arguments (--config), as Debian's package writes them."""

from ansible_collections.fleetaudit.auditd.plugins.filter.audisp_plugin_conf import audisp_plugin_conf


def test_laurel_plugin_file_passes_its_configuration():
    text = audisp_plugin_conf(True, "/usr/sbin/laurel", args="--config /etc/laurel/config.toml")
    settings = dict(line.split(" = ", 1) for line in text.splitlines() if not line.startswith("#"))
    # The keys and values of Debian's /etc/audit/plugins.d/laurel.conf (laurel 0.5.1).
    assert settings == {"active": "yes", "direction": "out", "path": "/usr/sbin/laurel", "type": "always",
                        "args": "--config /etc/laurel/config.toml", "format": "string"}


def test_syslog_arguments_still_come_from_priority_and_facility():
    text = audisp_plugin_conf(False, "/sbin/audisp-syslog", syslog_priority="LOG_INFO", syslog_facility="LOG_LOCAL6")
    assert "active = no\n" in text and "args = LOG_INFO LOG_LOCAL6\n" in text
