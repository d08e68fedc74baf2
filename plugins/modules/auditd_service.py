#!/usr/bin/python
# Copyright: (c) 2026, fleetaudit maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: auditd_service
short_description: Start, restart or reload the audit daemon in a way that really takes effect
version_added: 1.0.0
author: fleetaudit maintainers (@fleetaudit)
description:
  - Manages the C(auditd) daemon, whose systemd unit refuses a manual stop (C(RefuseManualStop=yes)),
    so that M(ansible.builtin.service) with C(use=service) or C(systemctl restart) silently leaves
    the old daemon running, or fails.
  - A restart here signals the running daemon to exit, waits for it, starts it again through its
    service manager (systemd when it runs the host, the daemon binary otherwise) and fails unless
    the daemon's PID changed.
  - A reload sends C(SIGHUP), which makes auditd re-read C(auditd.conf) without a restart.
attributes:
  check_mode:
    support: full
    description: Reports what would be done and does nothing.
  diff_mode:
    support: none
    description: There is no file to show a difference of.
options:
  state:
    description:
      - V(started) starts the daemon if it does not run.
      - V(restarted) stops the running daemon and starts a new one, and checks that the PID changed.
      - V(reloaded) sends C(SIGHUP) to the running daemon.
    type: str
    choices: [started, restarted, reloaded]
    default: started
  enabled:
    description:
      - Whether the daemon starts at boot (systemd hosts only; ignored where systemd does not run).
      - Unset leaves the boot setting as it is.
    type: bool
  timeout:
    description: Seconds to wait for the daemon to stop or start.
    type: int
    default: 30
notes:
  - On hosts without systemd as PID 1 (containers, minimal machines) the daemon binary is started
    directly.
seealso:
  - module: fleetaudit.auditd.auditd_info
"""

EXAMPLES = r"""
- name: Restart auditd after its configuration changed
  fleetaudit.auditd.auditd_service:
    state: restarted

- name: Make sure auditd runs and starts at boot
  fleetaudit.auditd.auditd_service:
    state: started
    enabled: true
"""

RETURN = r"""
pid:
  description: PID of the running daemon afterwards (C(0) in check mode when none ran).
  returned: always
  type: int
  sample: 4780
previous_pid:
  description: PID of the daemon before the task (C(0) when none ran).
  returned: always
  type: int
  sample: 4711
service_manager:
  description: How the daemon was handled, V(systemd) or V(direct).
  returned: always
  type: str
  sample: systemd
enabled:
  description:
    - Whether the daemon starts at boot (systemd hosts), otherwise null. True when
      C(systemctl is-enabled) answers C(enabled), C(enabled-runtime), C(static), C(generated),
      C(indirect) or C(alias), as M(fleetaudit.auditd.auditd_info) reports it.
  returned: always
  type: bool
"""

import os
import signal
import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.fleetaudit.auditd.plugins.module_utils.host_io import boot_enabled, daemon_pid, run_command, systemd_runs

UNIT = "auditd.service"


class AuditdService:
    def __init__(self, module):
        self.module = module
        self.timeout = module.params["timeout"]
        self.systemctl = None
        if systemd_runs():
            self.systemctl = module.get_bin_path("systemctl", required=True)

    def _run(self, args, what):
        rc, out, err = run_command(self.module, args)
        if rc != 0:
            self.module.fail_json(msg="could not %s auditd: %s exited %d: %s"
                                  % (what, " ".join(args), rc, (err or out).strip()))
        return out

    def _wait(self, predicate, what):
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            pid = daemon_pid()
            if predicate(pid):
                return pid
            time.sleep(0.1)
        self.module.fail_json(msg="auditd did not %s within %d seconds" % (what, self.timeout))

    def start(self):
        if self.systemctl:
            self._run([self.systemctl, "start", UNIT], "start")
        else:
            self._run([self.module.get_bin_path("auditd", required=True, opt_dirs=["/usr/sbin", "/sbin"])], "start")
        return self._wait(lambda pid: pid != 0, "start")

    def stop(self, pid):
        # systemd refuses `stop` for auditd.service; a signal to the daemon is the supported way.
        if self.systemctl:
            self._run([self.systemctl, "kill", "--signal=SIGTERM", UNIT], "stop")
        else:
            os.kill(pid, signal.SIGTERM)
        self._wait(lambda current: current != pid, "stop")

    def is_enabled(self):
        return boot_enabled(self.module, self.systemctl, UNIT)

    def set_enabled(self, enabled):
        self._run([self.systemctl, "enable" if enabled else "disable", UNIT], "enable" if enabled else "disable")


def main():
    module = AnsibleModule(
        argument_spec=dict(
            state=dict(type="str", default="started", choices=["started", "restarted", "reloaded"]),
            enabled=dict(type="bool"),
            timeout=dict(type="int", default=30),
        ),
        supports_check_mode=True,
    )
    service = AuditdService(module)
    state = module.params["state"]
    previous_pid = pid = daemon_pid()
    changed = False

    if state == "reloaded" and not previous_pid:
        module.fail_json(msg="cannot reload auditd: the daemon does not run")
    if state == "started" and not previous_pid or state == "restarted":
        changed = True
        if not module.check_mode:
            if previous_pid:
                service.stop(previous_pid)
            pid = service.start()
            if pid == previous_pid:
                module.fail_json(msg="auditd was not restarted: PID %d did not change" % pid)
    elif state == "reloaded":
        changed = True
        if not module.check_mode:
            os.kill(previous_pid, signal.SIGHUP)

    enabled = None
    if service.systemctl:
        enabled = service.is_enabled()
        wanted = module.params["enabled"]
        if wanted is not None and wanted != enabled:
            changed = True
            if not module.check_mode:
                service.set_enabled(wanted)
            enabled = wanted

    module.exit_json(changed=changed, pid=pid, previous_pid=previous_pid,
                     service_manager="systemd" if service.systemctl else "direct", enabled=enabled)


if __name__ == "__main__":
    main()
