# Copyright: (c) 2026, fleetaudit maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where a host keeps the Docker files the ``docker`` bundle watches.

Docker installs differ: Debian's ``docker.io`` puts the daemon at ``/usr/sbin/dockerd`` and runc
at ``/usr/sbin/runc`` (``/usr/bin/runc`` is a symlink), Docker's ``docker-ce`` uses ``/usr/bin``,
a dockerd without a containerd service keeps containerd's socket under ``/run/docker``. An audit
watch on a symlink sees nothing of the file it points to, so each watch goes to the real path.

The role probes every candidate path on the host (its ``__auditd_docker_probe_script`` prints
``candidate<TAB>real path`` for each one that exists); ``resolve_watches`` turns what exists into
one watch per real path, and names each control with no existing path once.
"""

from __future__ import annotations

import posixpath

# Every watch of the bundle carries this key beside its control's own.
BUNDLE_KEY = "docker"


def parse_probe(stdout):
    """``{candidate: real path}`` from the probe's output."""
    found = {}
    for line in stdout.splitlines():
        candidate, sep, real = line.partition("\t")
        if sep and real:
            found[candidate] = real
    return found


def made_after_boot(path):
    """Whether a path lies in a directory that a service makes under /run after boot. Rules load
    at boot before containerd or dockerd start, and a watch whose directory does not exist yet
    fails and stops the load of every rule after it."""
    return path.startswith("/run/") and posixpath.dirname(path) != "/run"


def _keys(watch):
    return (["cis-docker-%s" % watch["cis"]] if watch.get("cis") else []) + [BUNDLE_KEY]


def resolve_watches(watches, found):
    """The watches for this host.

    ``watches`` is the role's table: ``{cis, what, perms, paths}`` per control, ``paths`` its
    candidates. ``found`` maps each candidate that exists to its real path. Returns one
    ``{cis, what, perms, keys, path, candidates, exists, after_boot, rule}`` per real path watched
    (``rule`` its auditctl line), in table order; a control none of whose candidates exists comes
    once, at its first candidate, with ``exists: false``, so that the role writes it skipped and
    reports it. A path ``made_after_boot`` has ``after_boot: true``: the role must not load it.
    """
    resolved = []
    for watch in watches:
        entry = {"cis": watch.get("cis"), "what": watch["what"], "perms": watch["perms"],
                 "keys": _keys(watch), "candidates": list(watch["paths"])}
        real_paths = []
        for candidate in watch["paths"]:
            real = found.get(candidate)
            if real and real not in real_paths:
                real_paths.append(real)
        placed = [(real, True) for real in real_paths] or [(watch["paths"][0], False)]
        for path, exists in placed:
            rule = "-w %s -p %s %s" % (path, watch["perms"], " ".join("-k " + key for key in entry["keys"]))
            resolved.append(dict(entry, path=path, exists=exists, after_boot=made_after_boot(path), rule=rule))
    return resolved
