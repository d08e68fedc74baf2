# Copyright: (c) 2026, fleetaudit maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the modules ask of the host itself, each done one way.

- `run_command`: every command in the C locale (auditctl, ausearch and systemctl translate
  their messages and dates otherwise, and the parsers read the English ones);
- `read_status` / `kernel_status`: ``auditctl -s``, or why the kernel's audit is out of reach;
- `auditd_pids` / `daemon_pid` / `process_start_time`: this host's audit daemon, from /proc;
- `starts_at_boot` / `boot_enabled`: whether systemd starts auditd at boot;
- `atomic_write`: a file replaced in one rename, its temporary file never left behind.

The functions that run a command take the module (anything with AnsibleModule's
``run_command``); nothing here imports Ansible.
"""

from __future__ import annotations

import os
import tempfile
import time

from ansible_collections.fleetaudit.auditd.plugins.module_utils.auditctl_output import parse_status, unavailable_reason

COMMAND_ENVIRONMENT = {"LC_ALL": "C"}
# `systemctl is-enabled` answers that mean the unit starts at boot (with exit 0, man systemctl).
BOOT_ENABLED = frozenset(("enabled", "enabled-runtime", "static", "generated", "indirect", "alias"))
SYSTEMD_RUNTIME_DIR = "/run/systemd/system"
# `auditctl -s` that printed nothing is asked again this many times in all, this many seconds apart.
STATUS_ATTEMPTS = 3
STATUS_PAUSE = 0.5


def run_command(module, args, **kwargs):
    """``module.run_command(args)`` in the C locale; returns ``(rc, out, err)``."""
    return module.run_command(args, environ_update=COMMAND_ENVIRONMENT, **kwargs)


def read_status(rc, out, err, is_root=None):
    """``(status dict, None)`` from what ``auditctl -s`` printed, or ``(None, reason)`` when it
    says no status (a container, a kernel without audit, no root)."""
    status = parse_status(out) if rc == 0 else {}
    if "enabled" not in status:
        return None, unavailable_reason(rc, out, err, os.geteuid() == 0 if is_root is None else is_root)
    return status, None


def kernel_status(module, auditctl, attempts=STATUS_ATTEMPTS, pause=STATUS_PAUSE):
    """Runs ``auditctl -s``: ``(status, None)`` or ``(None, reason)``. An answer of nothing at all
    (exit 0, no output: seen once on a Debian 13 VM under heavy load) is asked again, `attempts`
    times in all, before it counts as no kernel audit."""
    if not auditctl:
        return None, "auditctl not found"
    for attempt in range(attempts):
        rc, out, err = run_command(module, [auditctl, "-s"])
        if rc != 0 or out.strip() or err.strip():
            break
        if attempt + 1 < attempts:
            time.sleep(pause)
    return read_status(rc, out, err)


def _pid_namespace(pid="self"):
    try:
        return os.readlink("/proc/%s/ns/pid" % pid)
    except OSError:
        return None


def process_name(pid):
    try:
        with open("/proc/%d/comm" % pid) as handle:
            return handle.read().strip()
    except (IOError, OSError):
        return None


def auditd_pids():
    """PIDs of the auditd processes of this PID namespace. An auditd in a container (an audit
    collector) shows in the host's /proc too: it is another daemon, never this host's."""
    own = _pid_namespace()
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and process_name(int(entry)) == "auditd" and _pid_namespace(entry) == own:
            pids.append(int(entry))
    return sorted(pids)


def daemon_pid(kernel_pid=None):
    """PID of this host's running auditd, or 0: the PID the kernel sends events to (``auditctl
    -s`` pid) when that process is an auditd, else the first auditd of this PID namespace."""
    if kernel_pid and process_name(kernel_pid) == "auditd":
        return kernel_pid
    pids = auditd_pids()
    return pids[0] if pids else 0


def process_start_time(pid):
    """When process `pid` started, in seconds since the epoch, or None."""
    try:
        with open("/proc/%d/stat" % pid) as handle:
            # Field 22 (clock ticks since boot), counted after the command name in parentheses.
            ticks = int(handle.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/uptime") as handle:
            uptime = float(handle.read().split()[0])
    except (IOError, OSError, IndexError, ValueError):
        return None
    # Boot time from the uptime clock, not /proc/stat's btime, which is rounded to the second.
    return time.time() - uptime + ticks / float(os.sysconf("SC_CLK_TCK"))


def systemd_runs():
    """Whether systemd is this host's service manager (sd_booted's test)."""
    return os.path.isdir(SYSTEMD_RUNTIME_DIR)


def starts_at_boot(answer):
    """True or False from a ``systemctl is-enabled`` answer; None (no service manager that
    knows) and a boolean (already decided) are returned as they are."""
    if answer is None or isinstance(answer, bool):
        return answer
    return str(answer).strip() in BOOT_ENABLED


def boot_enabled(module, systemctl, unit):
    """Whether systemd starts `unit` at boot."""
    return starts_at_boot(run_command(module, [systemctl, "is-enabled", unit])[1])


def atomic_write(path, data, mode=0o600):
    """Replaces `path` with `data` (bytes) in one rename, synced first.

    The data goes to a hidden temporary file beside `path` (same file system); whatever fails,
    that file is removed and the error raised, and `path` keeps its old content.
    """
    directory, name = os.path.split(path)
    fd, temporary = tempfile.mkstemp(dir=directory or ".", prefix=".%s." % name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fchmod(handle.fileno(), mode)
            os.fsync(handle.fileno())
        os.rename(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
