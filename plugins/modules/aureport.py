#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) fleetaudit maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: aureport
short_description: Run an aureport report and return it as structured rows
version_added: 1.0.0
description:
  - Runs C(aureport) on the host over the audit log set (or a given log file or directory) and
    returns the report as structured rows, plus the raw text.
  - Never reads standard input (C(aureport) would, from a pipe); runs in the C locale.
  - Where auditd has not written a log yet (a host without kernel audit, such as a container), the
    report has no events, as the M(fleetaudit.auditd.ausearch) search there has none; C(aureport)
    reads an empty input (V(/dev/null)) instead of failing on the missing log.
  - Each line of the report is redacted on the host (O(redact), O(redact_defaults)), as
    M(fleetaudit.auditd.ausearch) does in events (a TTY report shows the keystrokes typed).
  - Times are returned as events have them, ISO 8601 UTC (V(2026-11-26T16:54:10.000Z)), converted
    on the host from the local time that C(aureport) prints, in the host's time zone (the C(TZ)
    of the task's environment, else C(/etc/localtime)); C(aureport) prints whole seconds, so the
    rows' milliseconds are V(000).
author:
  - fleetaudit maintainers (@fleetaudit)
attributes:
  check_mode:
    support: full
    description: The module only reads; it runs the same in check mode.
  diff_mode:
    support: none
    description: Nothing to show a difference of.
options:
  report:
    description:
      - The report, as C(aureport) names its options (V(summary) is the general summary; V(failed)
        and V(success) are the general summary of failed or of successful events).
    type: str
    default: summary
    choices: [summary, anomaly, auth, avc, comm, config, crypto, event, executable, failed, file, host,
              integrity, key, login, mac, mods, pid, response, success, syscall, terminal, tty, user, virt]
  summary:
    description:
      - Totals per value (C(aureport --summary)), for example one row per key with its count.
      - Only with a report of values (V(key), V(executable), ...). With the general summaries
        (V(summary), V(failed), V(success)), which C(aureport) prints the same with or without it,
        the task fails rather than ignore it.
    type: bool
    default: false
  success:
    description:
      - Only successful (V(true)) or only failed (V(false)) events (C(aureport --success) or
        C(--failed)), for example failed authentications with O(report=auth); by default both.
    type: bool
  interpret:
    description:
      - Numbers as names (uids, syscalls), like C(aureport --interpret).
    type: bool
    default: false
  start:
    description:
      - Events at or after this time. An ISO 8601 time (local time when it has no offset) or one of
        the words V(now), V(recent), V(boot), V(today), V(yesterday), V(this-week), V(week-ago),
        V(this-month), V(this-year).
    type: str
  end:
    description:
      - Events at or before this time, in the same forms as O(start) (V(today) ends now, as in
        C(ausearch) and C(aureport)).
    type: str
  node:
    description:
      - Only events of this host, by the C(node=) name before each record (C(aureport --node), an
        exact match); on a collector, one client's events.
    type: str
    version_added: 1.1.0
  input:
    description:
      - A log file or a directory of log files. By default the log set that
        C(/etc/audit/auditd.conf) names, as C(aureport --input-logs) reads it.
    type: path
  include_raw:
    description:
      - Return aureport's text as it printed it, in RV(raw), besides the rows. V(false) leaves it
        out, for a report kept in a file (the role M(fleetaudit.auditd.gather) does so by default)
        or a large one.
    type: bool
    default: true
    version_added: 1.1.0
notes:
  - In the hour that a change from summer time repeats, a row's local time is read as the first
    of the two (the event's serial in the V(event) column finds the exact time with
    M(fleetaudit.auditd.ausearch)).
  - Reading the system log set needs root.
seealso:
  - module: fleetaudit.auditd.ausearch
  - name: aureport(8)
    description: The audit report tool.
    link: https://man7.org/linux/man-pages/man8/aureport.8.html
extends_documentation_fragment:
  - fleetaudit.auditd.redact
"""

EXAMPLES = r"""
- name: Events per key today
  fleetaudit.auditd.aureport:
    report: key
    summary: true
    start: today
  register: keys_today

- name: Failed authentications this week
  fleetaudit.auditd.aureport:
    report: auth
    success: false
    start: this-week
  register: auth_report
"""

RETURN = r"""
title:
  description: The report's title line.
  returned: success
  type: str
  sample: Key Summary Report
columns:
  description:
    - Column names of the rows (empty for the general summary).
    - aureport's C(date) and C(time) columns are one column, C(time).
  returned: success
  type: list
  elements: str
  sample: [time, key, success, exe, auid, event]
rows:
  description:
    - One dict per report line, keyed by column; counts, event serials, pids and ids are integers.
    - C(time) is ISO 8601 UTC, as in the events of M(fleetaudit.auditd.ausearch) (aureport prints
      the host's local date and time).
  returned: success
  type: list
  elements: dict
  sample: [{total: 366, key: docker}, {time: "2026-11-26T16:54:10.000Z", key: docker, success: "yes",
            exe: /usr/bin/dockerd, auid: -1, event: 16771}]
count:
  description: The number of rows; V(0) when no event matched, which is not an error.
  returned: success, for every report but the general summary (which has RV(general_summary) instead)
  type: int
  sample: 1
general_summary:
  description:
    - The general summary's lines, keyed by their label in snake case (empty for other reports).
    - Its time ranges (C(range_of_time_in_logs), C(selected_time_for_report)) are
      C({start, end}) in ISO 8601 UTC, or V(null) when no event was found.
  returned: success
  type: dict
  sample: {number_of_logins: 3, number_of_failed_authentications: 0,
           range_of_time_in_logs: {start: "2026-11-26T16:54:10.919Z", end: "2026-11-26T16:54:18.451Z"}}
raw:
  description: aureport's output as it printed it (local times).
  returned: success, unless O(include_raw=false)
  type: str
cmd:
  description: The command that ran.
  returned: success
  type: list
  elements: str
  sample: [/usr/sbin/aureport, --key, --summary, --input-logs]
"""

import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.fleetaudit.auditd.plugins.module_utils.log_set import LogSetError, configured_log_set
from ansible_collections.fleetaudit.auditd.plugins.module_utils.redaction import module_redactor
from ansible_collections.fleetaudit.auditd.plugins.module_utils.timespec import TIME_WORDS, parse_time
from ansible_collections.fleetaudit.auditd.plugins.module_utils.aureport_output import (
    NO_EVENTS,
    REPORTS,
    command,
    parse,
    redacted,
    with_utc_times,
)

# The configuration aureport --input-logs reads.
AUDITD_CONF = "/etc/audit/auditd.conf"


def _time(value):
    """Time words pass through to aureport; ISO 8601 times become POSIX seconds."""
    if value is None:
        return None
    word = value.strip().lower()
    return word if word in TIME_WORDS else parse_time(value)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            report=dict(type="str", default="summary", choices=sorted(REPORTS)),
            summary=dict(type="bool", default=False),
            success=dict(type="bool"),
            interpret=dict(type="bool", default=False),
            start=dict(type="str"),
            end=dict(type="str"),
            node=dict(type="str"),
            input=dict(type="path"),
            include_raw=dict(type="bool", default=True),
            redact=dict(type="list", elements="str", default=[]),
            redact_defaults=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    params = module.params
    if params["input"] and not os.path.exists(params["input"]):
        module.fail_json(msg="audit log path %s does not exist" % params["input"])
    aureport = module.get_bin_path("aureport", required=True)
    try:
        # Where auditd has written no log yet, aureport reads an empty input instead of failing.
        input_path = params["input"] or (None if configured_log_set(AUDITD_CONF) else os.devnull)
        cmd = command(aureport, params["report"], summary=params["summary"], success=params["success"],
                      start=_time(params["start"]), end=_time(params["end"]), input_path=input_path,
                      interpret=params["interpret"], node=params["node"])
        redactor = module_redactor(params["redact"], params["redact_defaults"])
    except (ValueError, LogSetError) as exc:
        module.fail_json(msg=str(exc))
    except OSError as exc:
        module.fail_json(msg="cannot read the audit log set: %s" % exc)
    # aureport prints keys and names as the log holds them, any bytes: undecodable ones come back
    # escaped (\xe9), since a result with invalid UTF-8 cannot reach the controller.
    rc, out, err = module.run_command(cmd, environ_update={"LC_ALL": "C"}, encoding=None)
    out, err = (stream.decode("utf-8", "backslashreplace") for stream in (out, err))
    out = redacted(out, redactor)
    # aureport exits 1 when nothing matched; that is a report with no rows, not an error.
    if rc != 0 and not (rc == 1 and NO_EVENTS in out):
        module.fail_json(msg="aureport failed (exit %d): %s" % (rc, (err or out).strip()), cmd=cmd, rc=rc)
    try:
        # aureport printed local times, in this process's time zone: converted here, where it is known.
        report = with_utc_times(parse(out))
    except ValueError as exc:
        module.fail_json(msg=str(exc), cmd=cmd, raw=out)
    if params["include_raw"]:
        report["raw"] = out
    module.exit_json(changed=False, cmd=cmd, **report)


if __name__ == "__main__":
    main()
