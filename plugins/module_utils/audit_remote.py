# -*- coding: utf-8 -*-
# Copyright: (c) fleetaudit maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Central collection settings: the audisp-remote client, the dispatcher plugin files of
``/etc/audit/plugins.d`` and an aggregating auditd (collector), validated and rendered.

Pure logic, no Ansible import. audit 3.0.x (Debian 12) and 4.0.x (Debian 13) share the
``plugins.d`` layout and the same ``audisp-remote.conf`` options (compared on both man pages).
Every error names the setting in the user's terms, so a bad value fails before a file is written.
"""

from __future__ import annotations

import re

_ACTIONS = ("ignore", "syslog", "exec", "warn_once", "warn_once_continue", "suspend", "single", "halt", "stop")
_OVERFLOW_ACTIONS = ("ignore", "syslog", "suspend", "single", "halt")
_STARTUP_ACTIONS = ("ignore", "syslog", "exec", "warn_once", "warn_once_continue")
_REMOTE_ENDING_ACTIONS = _ACTIONS + ("reconnect",)


def _int(value):
    """An integer, or a string of digits as extra vars and templates give them; else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _port(value):
    number = _int(value)
    return number is not None and 1 <= number <= 65535


def _count(minimum):
    return lambda value: _int(value) is not None and _int(value) >= minimum


def _word(value):
    return isinstance(value, str) and bool(re.match(r"^[A-Za-z0-9_.:/@-]+$", value))


def _one_of(*choices):
    return lambda value: isinstance(value, str) and value.lower() in choices


def _local_port(value):
    return value == "any" or _port(value)


def _action(choices):
    """An action word; `exec` takes a script path after it, as the man page documents."""
    def check(value):
        if not isinstance(value, str) or not value.strip():
            return False
        words = value.split()
        if words[0].lower() == "exec":
            return len(words) == 2 and words[1].startswith("/")
        return len(words) == 1 and words[0].lower() in choices
    return check


# audisp-remote.conf(5) of audit 3.0.9 and 4.0.2: setting -> (check, what a good value is).
REMOTE_SETTINGS = {
    "remote_server": (_word, "a host name or address"),
    "port": (_port, "a port number 1-65535"),
    "local_port": (_local_port, "a port number 1-65535 or 'any'"),
    "transport": (_one_of("tcp", "krb5"), "tcp or krb5"),
    "mode": (_one_of("immediate", "forward"), "immediate or forward"),
    "queue_file": (lambda value: isinstance(value, str) and value.startswith("/"), "an absolute path"),
    "queue_depth": (_count(1), "a number of records, 1 or more"),
    "format": (_one_of("managed", "ascii"), "managed or ascii"),
    "network_retry_time": (_count(1), "seconds, 1 or more"),
    "max_tries_per_record": (_count(1), "a count, 1 or more"),
    "max_time_per_record": (_count(1), "seconds, 1 or more"),
    "heartbeat_timeout": (_count(0), "seconds, 0 (off) or more"),
    "network_failure_action": (_action(_ACTIONS), "one of %s, or 'exec /path'" % ", ".join(_ACTIONS)),
    "disk_low_action": (_action(_ACTIONS), "an action of audisp-remote.conf(5)"),
    "disk_full_action": (_action(_ACTIONS), "an action of audisp-remote.conf(5)"),
    "disk_error_action": (_action(_ACTIONS), "an action of audisp-remote.conf(5)"),
    "remote_ending_action": (_action(_REMOTE_ENDING_ACTIONS), "reconnect or an action of audisp-remote.conf(5)"),
    "generic_error_action": (_action(_ACTIONS), "an action of audisp-remote.conf(5)"),
    "generic_warning_action": (_action(_ACTIONS), "an action of audisp-remote.conf(5)"),
    "queue_error_action": (_action(_ACTIONS), "an action of audisp-remote.conf(5)"),
    "overflow_action": (_action(_OVERFLOW_ACTIONS), "one of %s" % ", ".join(_OVERFLOW_ACTIONS)),
    "startup_failure_action": (_action(_STARTUP_ACTIONS), "one of %s, or 'exec /path'" % ", ".join(_STARTUP_ACTIONS)),
    "enable_krb5": (_one_of("yes", "no"), "yes or no"),
    "krb5_principal": (_word, "a principal such as auditd/host"),
    "krb5_client_name": (_word, "a name such as auditd"),
    "krb5_key_file": (lambda value: isinstance(value, str) and value.startswith("/"), "an absolute path"),
}

# auditd.conf settings of an aggregating auditd: setting -> (check, what a good value is).
COLLECTOR_SETTINGS = {
    "tcp_listen_port": (_port, "a port number 1-65535"),
    "tcp_listen_queue": (_count(1), "a count, 1 or more"),
    "tcp_max_per_addr": (lambda value: _count(1)(value) and _int(value) <= 1024, "a count, 1 to 1024"),
    "tcp_client_ports": (lambda value: _port(value) or bool(
        isinstance(value, str) and re.match(r"^\d{1,5}(-\d{1,5})?$", value)
        and all(1 <= int(part) <= 65535 for part in value.split("-"))
        and int(value.split("-")[0]) <= int(value.split("-")[-1])),
        "a port or a range LOW-HIGH (no spaces) in 1-65535"),
    "tcp_client_max_idle": (_count(0), "seconds, 0 (never) or more"),
}

SYSLOG_FACILITIES = tuple(["LOG_LOCAL%d" % number for number in range(8)]
                          + ["LOG_AUTH", "LOG_AUTHPRIV", "LOG_DAEMON", "LOG_SYSLOG", "LOG_USER"])
SYSLOG_PRIORITIES = ("LOG_DEBUG", "LOG_INFO", "LOG_NOTICE", "LOG_WARNING", "LOG_ERR", "LOG_CRIT",
                     "LOG_ALERT", "LOG_EMERG")


def _value_text(value):
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def validate_settings(settings, known, label):
    """Error messages (empty when all is well) for settings checked against `known`, each naming
    `label` (the variable the user set) and the setting."""
    errors = []
    for name in sorted(settings):
        if name not in known:
            errors.append("%s: unknown setting %r (known: %s)" % (label, name, ", ".join(sorted(known))))
            continue
        check, wanted = known[name]
        if not check(settings[name]):
            errors.append("%s: %s = %r is not %s" % (label, name, settings[name], wanted))
    return errors


def remote_settings_errors(settings, label="auditd_remote"):
    """What is wrong with audisp-remote.conf settings, beyond each value: the combinations the
    man page forbids."""
    errors = validate_settings(settings, REMOTE_SETTINGS, label)
    if not settings.get("remote_server"):
        errors.append("%s: remote_server is required to ship events (auditd_remote_server)" % label)
    if str(settings.get("mode", "")).lower() == "forward" and str(settings.get("format", "managed")).lower() != "managed":
        errors.append("%s: mode = forward needs format = managed (audisp-remote.conf(5))" % label)
    return errors


def render_settings(settings, header):
    """`name = value` lines in the given order, after a comment header."""
    lines = ["# %s" % line if line else "#" for line in header.splitlines()]
    lines += ["%s = %s" % (name, _value_text(value)) for name, value in settings.items()]
    return "\n".join(lines) + "\n"


def plugin_conf(active, path, args=None, header="Managed by fleetaudit.auditd."):
    """A dispatcher plugin file of /etc/audit/plugins.d (the same keys in audit 3.0 and 4.0)."""
    settings = {"active": bool(active), "direction": "out", "path": path, "type": "always"}
    if args:
        settings["args"] = args
    settings["format"] = "string"
    return render_settings(settings, header)


def syslog_plugin_args(priority, facility=None):
    """audisp-syslog's arguments (a priority, then optionally a facility), validated."""
    priority = str(priority or "LOG_INFO").upper()
    if priority not in SYSLOG_PRIORITIES:
        raise ValueError("auditd_syslog_priority: %r is not one of %s" % (priority, ", ".join(SYSLOG_PRIORITIES)))
    if not facility:
        return priority
    facility = str(facility).upper()
    if facility not in SYSLOG_FACILITIES:
        raise ValueError("auditd_syslog_facility: %r is not one of %s" % (facility, ", ".join(SYSLOG_FACILITIES)))
    return "%s %s" % (priority, facility)


def remote_conf(settings, label="auditd_remote"):
    """audisp-remote.conf text; ValueError listing every problem when a setting is wrong."""
    errors = remote_settings_errors(settings, label)
    if errors:
        raise ValueError("; ".join(errors))
    ordered = {name: settings[name] for name in REMOTE_SETTINGS if name in settings}
    return render_settings(ordered, "Managed by fleetaudit.auditd: audisp-remote ships this host's events\n"
                                    "to its collector. See audisp-remote.conf(5).")


def collector_conf_errors(settings, label="auditd_collector"):
    """What is wrong with a collector's auditd.conf settings (the tcp_* ones, and the space
    thresholds auditd refuses to start with: space_left must stay above admin_space_left)."""
    tcp = {name: value for name, value in settings.items() if name in COLLECTOR_SETTINGS}
    errors = validate_settings(tcp, COLLECTOR_SETTINGS, label)
    if "tcp_listen_port" not in tcp:
        errors.append("%s: tcp_listen_port is required for a collector" % label)
    space_left, admin_space_left = settings.get("space_left"), settings.get("admin_space_left")
    if (_int(space_left) is not None and _int(admin_space_left) is not None
            and _int(space_left) <= _int(admin_space_left)):
        errors.append("%s: space_left (%s) must be above admin_space_left (%s), or auditd exits at start"
                      % (label, space_left, admin_space_left))
    return errors


def collector_conf(settings, label="auditd_collector"):
    """A collector's whole auditd.conf text; ValueError listing every problem."""
    errors = collector_conf_errors(settings, label)
    if errors:
        raise ValueError("; ".join(errors))
    return render_settings(settings, "Managed by fleetaudit.auditd.collector: this auditd receives the events of\n"
                                     "its clients (audisp-remote). See auditd.conf(5).")
