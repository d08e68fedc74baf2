# Copyright: (c) 2026, fleetaudit maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""This host's auditd daemon, found through /proc (pid files go stale)."""

from __future__ import annotations

import os


def _pid_namespace(pid="self"):
    try:
        return os.readlink("/proc/%s/ns/pid" % pid)
    except OSError:
        return None


def auditd_pids():
    """PIDs of the auditd processes of this PID namespace. An auditd in a container (an audit
    collector) shows in the host's /proc too: it is another daemon, never this host's."""
    own = _pid_namespace()
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/comm" % entry) as handle:
                if handle.read().strip() == "auditd" and _pid_namespace(entry) == own:
                    pids.append(int(entry))
        except OSError:
            continue
    return sorted(pids)
