#!/usr/bin/python
# Copyright: (c) 2026, fleetaudit maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: auditd_info
short_description: Facts about the audit daemon and the kernel's audit state
version_added: 1.0.0
author:
  - fleetaudit maintainers (@fleetaudit)
description:
  - Read-only. Returns the auditd version, whether the daemon runs, the kernel's audit status
    (C(auditctl -s)) including immutable mode and the loginuid lock, the number of loaded rules,
    the log file with its size, and the parsed C(auditd.conf).
  - In a container or on a kernel without audit, RV(kernel_available=false) says why and the
    rest is still returned.
attributes:
  check_mode:
    support: full
    description: Changes nothing in any mode.
  diff_mode:
    support: none
    description: Returns no diff.
options:
  conf_path:
    description: Path of C(auditd.conf).
    type: path
    default: /etc/audit/auditd.conf
notes:
  - Requires C(auditctl) (the auditd package) and root for the kernel's status.
seealso:
  - module: fleetaudit.auditd.augenrules
  - module: fleetaudit.auditd.auditd_service
"""

EXAMPLES = r"""
- name: Read the audit facts
  fleetaudit.auditd.auditd_info:
  register: audit

- name: Say when the kernel needs a reboot before rules can change
  ansible.builtin.debug:
    msg: "{{ inventory_hostname }} is immutable"
  when: audit.immutable
"""

RETURN = r"""
version:
  description: The audit userspace version (C(auditctl -v)), or null when auditctl is missing.
  returned: always
  type: str
  sample: 3.0.9
installed:
  description: Whether auditctl is installed.
  returned: always
  type: bool
service:
  description:
    - C(running) (the daemon's process exists), C(pid), C(started) (when the daemon started, in
      seconds since the epoch, from C(/proc)), C(manager) (C(systemd) when systemd runs the host,
      otherwise C(none)), and with systemd C(active) as systemctl reports and C(enabled), true when
      C(systemctl is-enabled) answers C(enabled), C(enabled-runtime), C(static), C(generated),
      C(indirect) or C(alias) (the same answer M(fleetaudit.auditd.auditd_service) and the
      compliance report give).
  returned: always
  type: dict
  sample: {running: true, pid: 4780, started: 1796425662.18, manager: none}
kernel_available:
  description: Whether the kernel's audit status can be read.
  returned: always
  type: bool
kernel_unavailable_reason:
  description: Why it cannot (for example C(Operation not permitted) in a container).
  returned: when RV(kernel_available) is false
  type: str
status:
  description:
    - C(auditctl -s) parsed, integers as integers; C(enabled), C(failure), C(pid), C(rate_limit),
      C(backlog_limit), C(lost), C(backlog), C(backlog_wait_time), C(loginuid_immutable) (0 or 1)
      and what else the version prints.
  returned: when RV(kernel_available) is true
  type: dict
  sample: {enabled: 1, failure: 1, pid: 4780, rate_limit: 0, backlog_limit: 8192, lost: 0,
           backlog: 0, backlog_wait_time: 60000, loginuid_immutable: 0}
enabled:
  description: The kernel's C(enabled) value (2 is immutable).
  returned: when RV(kernel_available) is true
  type: int
immutable:
  description: Whether the kernel is in immutable mode.
  returned: always
  type: bool
loginuid_immutable:
  description: Whether the login UID is locked (C(--loginuid-immutable)).
  returned: always
  type: bool
loaded_rules:
  description: Number of rules in the kernel (C(auditctl -l)).
  returned: when RV(kernel_available) is true
  type: int
log_file:
  description: The log file C(auditd.conf) names, with C(path), C(exists) and C(size) in bytes.
  returned: always
  type: dict
  sample: {path: /var/log/audit/audit.log, exists: true, size: 1048576}
conf:
  description: C(auditd.conf) as a dictionary of names (lower-cased) and values; empty when the file is missing.
  returned: always
  type: dict
conf_path:
  description: The C(auditd.conf) read.
  returned: always
  type: str
conf_mtime:
  description: When C(auditd.conf) was last modified, in seconds since the epoch; null when it is missing.
  returned: always
  type: float
conf_changed_since_start:
  description:
    - Whether C(auditd.conf) changed after the running daemon started, so that the daemon runs
      older settings than the file says (a restart is due). False when the daemon does not run.
  returned: always
  type: bool
"""

import os
import re

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.fleetaudit.auditd.plugins.module_utils.auditctl_output import parse_rule_listing
from ansible_collections.fleetaudit.auditd.plugins.module_utils.auditd_conf import configured_log_file, parse_auditd_conf
from ansible_collections.fleetaudit.auditd.plugins.module_utils.host_io import (
    boot_enabled,
    daemon_pid,
    kernel_status,
    process_start_time,
    run_command,
    systemd_runs,
)

_VERSION = re.compile(r"version\s+(\S+)")


def service_state(module, kernel_pid):
    service = {"manager": "systemd" if systemd_runs() else "none"}
    pid = daemon_pid(kernel_pid) or None
    service.update(running=pid is not None, pid=pid, started=process_start_time(pid) if pid else None)
    systemctl = module.get_bin_path("systemctl")
    if service["manager"] == "systemd" and systemctl:
        service["active"] = run_command(module, [systemctl, "is-active", "auditd"])[1].strip()
        service["enabled"] = boot_enabled(module, systemctl, "auditd")
    return service


def main():
    module = AnsibleModule(
        argument_spec=dict(conf_path=dict(type="path", default="/etc/audit/auditd.conf")),
        supports_check_mode=True,
    )
    conf_path = module.params["conf_path"]
    result = dict(changed=False, conf_path=conf_path, immutable=False, loginuid_immutable=False,
                  kernel_available=False, version=None)
    conf_text = ""
    if os.path.exists(conf_path):
        with open(conf_path) as handle:
            conf_text = handle.read()
    result["conf"] = parse_auditd_conf(conf_text)
    log_path = configured_log_file(result["conf"])
    exists = os.path.isfile(log_path)
    result["log_file"] = dict(path=log_path, exists=exists, size=os.path.getsize(log_path) if exists else None)

    auditctl = module.get_bin_path("auditctl", opt_dirs=["/sbin", "/usr/sbin"])
    result["installed"] = auditctl is not None
    if auditctl:
        _rc, out, err = run_command(module, [auditctl, "-v"])
        match = _VERSION.search(out + err)
        result["version"] = match.group(1) if match else None
    status, reason = kernel_status(module, auditctl)
    if status:
        listing = run_command(module, [auditctl, "-l"], check_rc=True)[1]
        result.update(kernel_available=True, status=status, enabled=status["enabled"],
                      immutable=status["enabled"] == 2,
                      loginuid_immutable=status.get("loginuid_immutable") == 1,
                      loaded_rules=len(parse_rule_listing(listing)))
    else:
        status = {}
        result["kernel_unavailable_reason"] = reason
    service = result["service"] = service_state(module, status.get("pid"))
    result["conf_mtime"] = os.path.getmtime(conf_path) if os.path.exists(conf_path) else None
    # /proc's start time counts clock ticks: a file written in the same tick is not newer.
    result["conf_changed_since_start"] = bool(
        service["started"] and result["conf_mtime"] and result["conf_mtime"] > service["started"] + 0.01)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
