# -*- coding: utf-8 -*-
# Copyright: (c) fleetaudit maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The incremental cursor: where the next run of a search starts, kept on the host between runs.

A cursor names a file of the log set (path, device, inode, first record), an offset in it, the
events at or after that offset that were returned already (their tokens, `seen`), the newest event
returned (`last`) and the oldest left for a later run (`waiting`), each as [sec, ms, serial].
PreviousRuns reads one, NextCursor makes the next (see log_search for the rules that move it)."""

from __future__ import annotations

import json
import os

from ansible_collections.fleetaudit.auditd.plugins.module_utils.host_io import atomic_write
from ansible_collections.fleetaudit.auditd.plugins.module_utils.log_set import LogSetError, log_series

CURSOR_VERSION = 1


def load_cursor(path):
    if not path or not os.path.exists(path):
        return None
    try:
        with open(path) as handle:
            cursor = json.load(handle)
    except (OSError, ValueError) as exc:
        raise LogSetError("cannot read cursor file %s: %s" % (path, exc))
    if not isinstance(cursor, dict) or cursor.get("version") != CURSOR_VERSION:
        raise LogSetError("cursor file %s is not a version %d cursor" % (path, CURSOR_VERSION))
    return cursor


def save_cursor(path, cursor):
    """Writes the cursor atomically (0600, parent 0700); returns True when its content changed."""
    if load_cursor(path) == cursor:
        return False
    directory = os.path.dirname(path)
    if directory and not os.path.isdir(directory):
        os.makedirs(directory, 0o700)
    atomic_write(path, json.dumps(cursor, sort_keys=True).encode("utf-8"))
    return True


def plan_scan(files, cursor):
    """[(LogFile, start offset)] to read, and whether the cursor's file was lost (rotated away or
    truncated), in which case events are de-duplicated by time and serial instead of offset. A
    cursor of another log is refused (LogSetError)."""
    if cursor is None:
        return [(f, 0) for f in files], False
    if files and log_series(cursor["path"]) not in {log_series(f.path) for f in files}:
        # Told apart by time and serial alone, the events of two logs would be skipped or repeated.
        raise LogSetError("the cursor was made for %s, which this search does not read: give each log "
                          "its own name (or cursor_file)" % cursor["path"])
    for index, log in enumerate(files):
        if (log.dev, log.inode) != (cursor["dev"], cursor["inode"]):
            continue
        if cursor["head"] and log.head != cursor["head"]:
            continue  # the inode was reused by a newer file
        if log.size < cursor["offset"]:
            return [(log, 0)] + [(f, 0) for f in files[index + 1:]], True
        return [(log, cursor["offset"])] + [(f, 0) for f in files[index + 1:]], False
    return [(f, 0) for f in files], True


def earliest(known, value):
    """The smaller of the two, or value when nothing is known yet."""
    return value if known is None else min(known, value)


class PreviousRuns:
    """What the cursor of the earlier runs says they returned."""

    def __init__(self, cursor, lost):
        # Tokens are unique: the events returned after the cursor are known even when its file was lost.
        self._seen = set(cursor["seen"]) if cursor else set()
        self._met = set()
        self.lost = bool(cursor) and lost
        self.last = cursor.get("last") if cursor else None
        self._waiting = cursor.get("waiting") if cursor else None

    def listed(self, token):
        """Whether the event `token` is in the cursor's seen list."""
        if token in self._seen:
            self._met.add(token)
            return True
        return False

    def returned_by_time(self, stamp):
        """Whether the earlier runs returned the event of `stamp` ([sec, ms, serial]), told by time
        and serial alone (the cursor's file was lost): no newer than the newest they returned, and
        older than the oldest they left for later (those returned after it are in the seen list)."""
        return self.lost and self.last is not None and stamp <= self.last \
            and (self._waiting is None or stamp < self._waiting)

    def not_reached(self):
        """The events of the seen list that this run did not reach: still ahead of the next one."""
        return sorted(self._seen - self._met)


class NextCursor:
    """The cursor this run leaves: a file, an offset in it, and the events there or after it that are
    returned already (`seen`)."""

    def __init__(self, previous):
        self.log = None
        self.offset = None
        self.seen = []
        self.held = False  # an event was left for the next run: the cursor stays before it
        self.last = previous.last  # [sec, ms, serial] of the newest event returned
        self.waiting = None  # ... of the oldest event left for the next run

    def pass_over(self, files, log, start, end):
        """A file with nothing to read (nothing new, or all before the time window)."""
        if self.held:
            return
        if end:
            self.log, self.offset, self.seen = log, max(start, end), []
            return
        # An empty file has no first record to be known by (its inode may go to another file): the
        # cursor stays at the end of the last file before it that has one, or as it was.
        known = [f for f in files[:files.index(log)] if f.head]
        if known:
            self.log, self.offset, self.seen = known[-1], known[-1].size, []

    def after(self, scan):
        """Moves on past one file's scan (a log_search.FileScan), unless an event was left before."""
        if self.held:
            self.seen.extend(token for _last, token in scan.returned)
            return
        # The records of an event found around a matching line may lie before scan.start (or in the
        # previous file): the next run never starts before this one did.
        self.log = scan.log
        self.offset = scan.end if scan.left is None else max(scan.start, scan.left)
        self.seen = scan.returned_from(self.offset)
        self.held = scan.left is not None

    def returned(self, stamp):
        if self.last is None or stamp > self.last:
            self.last = stamp

    def leave(self, stamp):
        self.waiting = earliest(self.waiting, stamp)

    def as_dict(self):
        return {
            "version": CURSOR_VERSION,
            "path": self.log.path,
            "dev": self.log.dev,
            "inode": self.log.inode,
            "head": self.log.head,
            "offset": self.offset,
            "seen": self.seen,
            "last": self.last,
            "waiting": self.waiting,
        }
