# Copyright: (c) 2026, fleetaudit maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""``auditd.conf``: reading it, and checking settings the way auditd's own parser does.

auditd reads ``name = value [option]`` lines and exits at start on the first value it refuses
(the reason goes to syslog only), so a bad value written by a role stops auditing on the host.
`conf_errors` applies auditd's rules to settings before they are written: the grammar below is
auditd-config.c's, and each rule was checked against the real daemon's parser of audit 3.0.9
(Debian 12) and 4.0.2 (Debian 13), which agree on every one of them. What depends on the host
(whether a group or an ``exec`` program exists, whether the log directory exists) is left to it.
"""

from __future__ import annotations

import difflib
import re

# auditd reads a line into a 160-byte buffer with fgets: with its newline a line holds 158
# characters; a longer one is skipped (the setting silently keeps its default).
MAX_LINE_LENGTH = 158
ULONG_MAX = 2 ** 64 - 1
INT_MAX = 2 ** 31 - 1
TCP_PORT_MAX = 65535
DEFAULT_LOG_FILE = "/var/log/audit/audit.log"

YES_NO = ("yes", "no")
FAILURE_ACTIONS = ("ignore", "syslog", "rotate", "email", "exec", "suspend", "single", "halt")
_DIGITS = re.compile(r"^[0-9]+$")
_PERCENT = re.compile(r"^([0-9]+)%$")
_EMAIL_CHARACTERS = re.compile(r"^[A-Za-z0-9@._-]+$")


def parse_auditd_conf(text):
    """``{name: value}`` (names lower-cased, values stripped; integers stay strings, as auditd
    accepts words such as ``ignore`` in the same keys)."""
    settings = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, value = line.partition("=")
        if sep and name.strip():
            settings[name.strip().lower()] = value.strip()
    return settings


def configured_log_file(settings):
    """The live audit log that settings read by parse_auditd_conf name (auditd's default if none)."""
    return settings.get("log_file") or DEFAULT_LOG_FILE


def conf_value_text(value):
    """The text a setting is written as: booleans as auditd's yes/no (YAML reads ``no`` as false)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else str(value)


def _number(low=0, high=ULONG_MAX, unit=""):
    """A whole number, digits only (auditd refuses signs, spaces and decimals), within bounds."""
    accepted = "a whole number%s from %d to %d" % (unit, low, high) if high != ULONG_MAX \
        else "a whole number%s (%d or more, digits only)" % (unit, low)

    def check(text, settings):
        if not _DIGITS.match(text) or not low <= int(text) <= high:
            return accepted
        return None
    return check


def _choice(*words):
    accepted = "one of %s" % ", ".join(words)

    def check(text, settings):
        return None if text.lower() in words else accepted
    return check


def _yes_no(text, settings):
    return None if text.lower() in YES_NO else "yes or no (or a YAML boolean)"


def _any_word(text, settings):
    # Names (log_group, krb5_principal, name) the host resolves, or deprecated settings that
    # auditd ignores with a warning.
    return None


def _absolute_path(text, settings):
    return None if text.startswith("/") else "an absolute path"


def _log_file(text, settings):
    directory = text.rsplit("/", 1)[0]
    if not text.startswith("/") or len(directory) < 4:
        # auditd: "The directory name is too short" ('/var' is the shortest it takes).
        return "an absolute path of a file in a directory of at least 4 characters, such as /var/log/audit/audit.log"
    return None


def _space(text, settings):
    """Megabytes, or 1 to 99 followed by % of the log partition."""
    percent = _PERCENT.match(text)
    if (percent and 1 <= int(percent.group(1)) <= 99) or (not percent and _DIGITS.match(text)):
        return None
    return "a whole number of megabytes, or a percentage of the log partition from 1% to 99%"


def _action(*refused):
    words = tuple(word for word in FAILURE_ACTIONS if word not in refused)
    accepted = "one of %s (exec followed by the absolute path of a program)" % ", ".join(words) \
        if "exec" in words else "one of %s" % ", ".join(words)

    def check(text, settings):
        parts = text.split()
        if not parts or parts[0].lower() not in words:
            return accepted
        if parts[0].lower() == "exec":
            if len(parts) != 2 or not parts[1].startswith("/"):
                return "exec followed by the absolute path of a program (exec /usr/local/sbin/audit-space)"
        elif len(parts) > 1:
            return accepted
        return None
    return check


def _email(text, settings):
    # auditd checks the address only when verify_email is yes (its default), and only the form;
    # a domain it cannot resolve is not an error.
    if conf_value_text(settings.get("verify_email", "yes")).lower() != "yes":
        return None
    if len(text) < 2 or not _EMAIL_CHARACTERS.match(text):
        return "a local account or an e-mail address of at least 2 characters: letters, digits, @ . - _"
    if "@" in text and "." not in text.split("@", 1)[1]:
        return "an e-mail address with a dot after the @ (root@example.com)"
    return None


def _port_range(text, settings):
    low, sep, high = text.partition("-")
    if _DIGITS.match(low) and (not sep or _DIGITS.match(high)):
        first, last = int(low), int(high) if sep else int(low)
        if first <= last <= TCP_PORT_MAX:
            return None
    return "a port or a range of ports LOW-HIGH, from 0 to 65535"


# Setting: check(text, settings) -> None, or what auditd accepts. Settings that take a second
# word (an option) are the actions, whose `exec` takes a program.
GRAMMAR = {
    "action_mail_acct": _email,
    "admin_space_left": _space,
    "admin_space_left_action": _action(),
    "disk_error_action": _action("email", "rotate"),
    "disk_full_action": _action("email"),
    "disp_qos": _any_word,
    "dispatcher": _any_word,
    "distribute_network": _yes_no,
    "enable_krb5": _yes_no,
    "end_of_event_timeout": _number(unit=" of seconds"),
    "flush": _choice("none", "incremental", "incremental_async", "data", "sync"),
    "freq": _number(high=INT_MAX),
    "krb5_key_file": _absolute_path,
    "krb5_principal": _any_word,
    "local_events": _yes_no,
    "log_file": _log_file,
    "log_format": _choice("raw", "enriched", "nolog"),
    "log_group": _any_word,
    "max_log_file": _number(unit=" of megabytes"),
    "max_log_file_action": _choice("ignore", "syslog", "suspend", "rotate", "keep_logs"),
    "max_restarts": _number(high=INT_MAX),
    "name": _any_word,
    "name_format": _choice("none", "hostname", "fqd", "numeric", "user"),
    "num_logs": _number(high=999),
    "overflow_action": _choice("ignore", "syslog", "suspend", "single", "halt"),
    "plugin_dir": _absolute_path,
    "priority_boost": _number(high=INT_MAX),
    "q_depth": _number(high=99999),
    "space_left": _space,
    "space_left_action": _action(),
    "tcp_client_max_idle": _number(high=INT_MAX, unit=" of seconds"),
    "tcp_client_ports": _port_range,
    "tcp_listen_port": _number(low=1, high=TCP_PORT_MAX),
    "tcp_listen_queue": _number(low=1, high=TCP_PORT_MAX),
    "tcp_max_per_addr": _number(low=1, high=1024),
    "transport": _choice("tcp", "krb5"),
    "use_libwrap": _yes_no,
    "verify_email": _yes_no,
    "write_logs": _yes_no,
}
# Settings whose value may be two words ("exec /path").
_TWO_WORD_SETTINGS = frozenset(("space_left_action", "admin_space_left_action", "disk_full_action", "disk_error_action"))
# audit 3.0 and 4.0 stop at start on "Unknown keyword" for these, which later auditd.conf(5) pages
# document: they need a newer audit on the host.
NEWER_SETTINGS = {"report_interval": (4, 1)}


def known_settings(version):
    """The settings auditd `version` (``"3.0.9"``, ``"4.0"``) knows."""
    wanted = _version_tuple(version)
    return sorted(set(GRAMMAR) | {name for name, since in NEWER_SETTINGS.items() if wanted >= since})


def _version_tuple(version):
    numbers = re.findall(r"\d+", str(version or ""))[:2]
    return tuple(int(number) for number in numbers) if numbers else (0, 0)


def _space_pair(settings):
    """``(space_left, admin_space_left)`` as comparable ``(unit, number)`` or None."""
    pair = []
    for name in ("space_left", "admin_space_left"):
        text = conf_value_text(settings.get(name, "0"))
        percent = _PERCENT.match(text)
        pair.append(("%", int(percent.group(1))) if percent else ("MB", int(text)) if _DIGITS.match(text) else None)
    return pair


def _shown(name, value, user_keys):
    return "%s = %s%s" % (name, conf_value_text(value), "" if name in user_keys else " (the role's default)")


def _cross_errors(settings, user_keys, prefix):
    """What auditd checks once the whole file is read (its sanity_check and node name)."""
    errors = []
    space, admin = _space_pair(settings)
    if space and admin and space[0] == admin[0] and space[1] <= admin[1]:
        blamed = "space_left" if "space_left" in user_keys or "admin_space_left" not in user_keys else "admin_space_left"
        errors.append("%s%s: %s must be larger than %s (auditd refuses to start otherwise)"
                      % (prefix, blamed, _shown("space_left", settings["space_left"], user_keys),
                         _shown("admin_space_left", settings["admin_space_left"], user_keys)))
    flush = conf_value_text(settings.get("flush", "none")).lower()
    if flush in ("incremental", "incremental_async") and conf_value_text(settings.get("freq", "0")) == "0":
        errors.append("%sfreq: flush = %s needs freq above 0 (the number of records between flushes)" % (prefix, flush))
    if conf_value_text(settings.get("name_format", "none")).lower() == "user" and not settings.get("name"):
        errors.append("%sname: name_format = user needs name, the name to put in events" % prefix)
    group = conf_value_text(settings.get("log_group", "root"))
    log_file = conf_value_text(settings.get("log_file", DEFAULT_LOG_FILE))
    if group not in ("root", "0") and log_file.rsplit("/", 1)[0] == "/var/log":
        errors.append("%slog_file: %s is directly in /var/log, where auditd refuses to apply log_group = %s "
                      "(it would change a system directory's group); use a directory of its own" % (prefix, log_file, group))
    return errors


def conf_errors(settings, user_keys=(), version="3.0", prefix="auditd_conf."):
    """Everything auditd `version` would refuse in `settings` ({name: value}), as messages that
    name the setting (``auditd_conf.max_log_file``), the value and what auditd accepts.

    `user_keys` are the settings the user gave (the others are defaults); they are the ones
    blamed when two settings disagree.
    """
    user_keys = frozenset(user_keys)
    known = known_settings(version)
    errors = []
    for name in sorted(settings, key=str):
        value = settings[name]
        if name not in known:
            close = difflib.get_close_matches(str(name).lower(), known, n=1)
            hint = "did you mean %s?" % close[0] if close else "auditd.conf(5) lists the settings"
            if str(name).lower() in known:
                hint = "write it in lower case, %s" % str(name).lower()
            elif name in NEWER_SETTINGS:
                hint = "it needs audit %s or newer, the host's audit is %s" % (".".join(map(str, NEWER_SETTINGS[name])), version)
            errors.append("%s%s: unknown auditd.conf setting for audit %s (%s)" % (prefix, name, version, hint))
            continue
        text = conf_value_text(value)
        if isinstance(value, bool) and GRAMMAR.get(name) is not _yes_no:
            reason = "a boolean only fits yes/no settings"
        elif isinstance(value, (dict, list, float)):
            reason = "a single value, not a %s" % type(value).__name__
        elif not text.strip() or "\n" in text or "\r" in text:
            reason = "a value on one line (auditd stops reading auditd.conf at an empty value)"
        elif len(text.split()) > 1 and name not in _TWO_WORD_SETTINGS:
            reason = "one word (auditd refuses a second word here)"
        elif len("%s = %s" % (name, text)) > MAX_LINE_LENGTH:
            reason = "a line of at most %d characters (auditd skips a longer line)" % MAX_LINE_LENGTH
        else:
            check = GRAMMAR.get(name)
            reason = check(text.strip(), settings) if check else None
        if reason:
            errors.append("%s%s: %r is not accepted by auditd: it takes %s" % (prefix, name, value, reason))
    if not errors:
        errors.extend(_cross_errors(settings, user_keys, prefix))
    return errors


def conf_lines(settings):
    """``name = value`` lines in the order given."""
    return ["%s = %s" % (name, conf_value_text(value).strip()) for name, value in settings.items()]
