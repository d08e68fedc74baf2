# -*- coding: utf-8 -*-
# Copyright: (c) fleetaudit maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The audit log set: the files a search reads, oldest first, each known across renames by its
device, inode and first record."""

from __future__ import annotations

import os
import re

from ansible_collections.fleetaudit.auditd.plugins.module_utils.auditd_conf import (
    configured_log_file,
    parse_auditd_conf,
)

_ROTATED = re.compile(r"^(?P<base>.+?)(?:\.(?P<index>\d+))?$")
_COMPRESSED = (".gz", ".bz2", ".xz", ".zst", ".lz4", ".Z")


class LogSetError(Exception):
    """The log set cannot be read (missing path, unreadable file, bad cursor file)."""


class LogFile:
    """One file of the log set, identified across renames by device, inode and first record."""

    __slots__ = ("path", "dev", "inode", "size", "head")

    def __init__(self, path):
        try:
            stat = os.stat(path)
            with open(path, "rb") as handle:
                first = handle.read(256)
        except OSError as exc:
            raise LogSetError("cannot read audit log %s: %s" % (path, exc.strerror))
        self.path = path
        self.dev = stat.st_dev
        self.inode = stat.st_ino
        self.size = stat.st_size
        start = first.find(b"msg=audit(")
        end = first.find(b")", start)
        self.head = first[start + 10:end].decode("ascii", "replace") if start >= 0 and end > start else ""


def log_set(path):
    """Files to read, oldest first: a file alone, or a directory's `NAME`, `NAME.1`, ... sets
    (rotated `.N` before `.N-1`, the live file last). Compressed files (logrotate's `compress`) are
    left out: they hold no text to read, and one sorted after the live file would take the
    incremental cursor away from it."""
    if not os.path.exists(path):
        raise LogSetError("audit log path %s does not exist" % path)
    if not os.path.isdir(path):
        return [LogFile(path)]
    order = []
    for name in os.listdir(path):
        full = os.path.join(path, name)
        if not os.path.isfile(full) or name.endswith(_COMPRESSED):
            continue
        match = _ROTATED.match(name)
        index = int(match.group("index")) if match.group("index") else 0
        order.append((match.group("base"), -index, full))
    return [LogFile(full) for _base, _index, full in sorted(order)]


def default_log_set(log_file):
    """The live log that auditd.conf names and its rotated `.N` files, oldest first (maybe none)."""
    directory, base = os.path.split(log_file)
    if not os.path.isdir(directory or "."):
        raise LogSetError("audit log directory %s does not exist" % directory)
    rotated = []
    for name in os.listdir(directory or "."):
        if name.startswith(base + ".") and name[len(base) + 1:].isdigit():
            rotated.append((-int(name[len(base) + 1:]), os.path.join(directory, name)))
    paths = [path for _index, path in sorted(rotated)]
    if os.path.exists(log_file):
        paths.append(log_file)
    # Empty when auditd has written nothing yet, as on a host without kernel audit (a container):
    # a search there finds no events rather than failing.
    return [LogFile(path) for path in paths]


def configured_log_set(auditd_conf):
    """The log set (see default_log_set) of the `log_file` that the auditd.conf at this path names."""
    try:
        with open(auditd_conf) as handle:
            conf = handle.read()
    except OSError as exc:
        raise LogSetError("cannot read %s: %s" % (auditd_conf, exc.strerror))
    return default_log_set(configured_log_file(parse_auditd_conf(conf)))


def log_series(path):
    """The log a file belongs to: its directory and its name without the rotation's `.N`."""
    directory, name = os.path.split(path)
    return directory, _ROTATED.match(name).group("base")
