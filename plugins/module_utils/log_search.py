# -*- coding: utf-8 -*-
# Copyright: (c) fleetaudit maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One search of the audit log set, and the incremental cursor it leaves for the next run.

The files are read in log order from where the earlier runs' cursor points (cursor.plan_scan). Each
event met there, whole (its records in other files of the set included), is judged by these rules,
the first that holds deciding:

1. returned before: in the cursor's seen list, or, when the cursor's file was lost (rotated away,
   truncated), no newer than the newest event returned and older than the oldest left for later:
   skipped;
2. not an audit record: skipped;
3. not ready: young and without its last record (it may still be growing), or after the time
   window's end (a later run, with a later end, returns it): left for the next run;
4. not matching the filter: skipped;
5. over `max_events`: the search stops; this event, and the events begun before it and not yet
   grouped, are left for the next run;
6. otherwise returned.

A search with a time window's end stops reading soon after that end (see scan.WindowEnd): the events
it does not read are left for the next run, as rule 3 would leave them.

The next cursor follows the files to their end until an event is left for the next run. From then
on it stays before that event, and only learns which events after it were returned, so that the
next run returns none of them again.
"""

from __future__ import annotations

import os
import time
from collections import OrderedDict

from ansible_collections.fleetaudit.auditd.plugins.module_utils.cursor import NextCursor, PreviousRuns, earliest, plan_scan
from ansible_collections.fleetaudit.auditd.plugins.module_utils.event_json import event_json
from ansible_collections.fleetaudit.auditd.plugins.module_utils.event_transport import CompressedEvents
from ansible_collections.fleetaudit.auditd.plugins.module_utils.log_set import LogSetError
from ansible_collections.fleetaudit.auditd.plugins.module_utils.records import AuditParseError
from ansible_collections.fleetaudit.auditd.plugins.module_utils.scan import (
    DEFAULT_LIMITS,
    GATHER_AFTER,
    GATHER_BEFORE,
    RotationSeam,
    WindowEnd,
    complete_end,
    last_time,
    needles_for,
    offset_at,
    scan_all,
    scan_matching,
    stamp_of,
)

# auditd's end_of_event_timeout: a syscall event is complete with its PROCTITLE record; one without
# it that is younger than this may still be growing, so an incremental run leaves it for the next.
EVENT_TIMEOUT = 2.0


class FileScan:
    """One file's share of the search."""

    def __init__(self, log, start, end, completed):
        self.log, self.start, self.end = log, start, end
        # Events of the previous file completed from this one: {token: offset of its last record here}.
        self.completed = completed
        # Events of this file completed from the next one, in the same form.
        self.taken = {}
        # Events of a full scan begun and not yet grouped (see scan.scan_all).
        self.unfinished = OrderedDict()
        self.left = None  # offset of the first event left for the next run
        self.returned = []  # (offset of its last record, token) of the events returned, now or before

    def add_returned(self, raw):
        self.returned.append((raw.last_offset, raw.token.decode()))

    def returned_from(self, offset):
        """The events returned, now or before, that have a record at or after `offset`, in this file
        or completed from it."""
        return [token for last, token in self.returned if last >= offset] \
            + [token.decode() for token, last in self.completed.items() if last >= offset]


class _Search:
    """One run of search(): the file being read, the events returned so far, the next cursor."""

    def __init__(self, files, event_filter, redactor, previous, max_events, now, annotate, limits):
        self.files = files
        self.filter = event_filter
        self.redactor = redactor
        self.previous = previous
        self.max_events = max_events
        self.now = now
        self.annotate = annotate
        self.limits = limits
        # Events after the window's end are left for a later run: the scan stops soon after it.
        self.window_end = None if event_filter.end is None else \
            WindowEnd(event_filter.end, limits.window_end_slack, previous.last if previous.lost else None)
        self.needles = needles_for(event_filter)
        self.events = CompressedEvents(event_filter.keys)
        self.next = NextCursor(previous)
        self.truncated = False
        self.scanned = 0

    def read_file(self, log, start, next_log, completed):
        """Searches one file from `start`; returns its events completed from `next_log`."""
        try:
            fd = os.open(log.path, os.O_RDONLY)
        except OSError as exc:
            raise LogSetError("cannot read audit log %s: %s" % (log.path, exc.strerror))
        try:
            end = complete_end(fd, os.fstat(fd).st_size)
            if end <= start or (self.filter.start is not None
                                and last_time(fd, end) < self.filter.start - EVENT_TIMEOUT):
                self.next.pass_over(self.files, log, start, end)
                return {}
            if self.filter.start is not None:
                start = offset_at(fd, start, end, self.filter.start - EVENT_TIMEOUT, self.limits)
            self.scanned += end - start
            scan = FileScan(log, start, end, completed)
            for raw in self._whole_events(fd, scan, next_log):
                if not self._judge(raw, scan):
                    break
            if self.past_window_end:
                self.scanned -= end - self.window_end.stopped_at
                self._leave_unfinished(scan)
            self.next.after(scan)
            if self.truncated or self.past_window_end:
                self.next.seen.extend(self.previous.not_reached())
            return scan.taken
        finally:
            os.close(fd)

    def _whole_events(self, fd, scan, next_log):
        """The file's events, with their records that a rotation put at the end of the previous file
        or at the start of the next one."""
        position = self.files.index(scan.log)
        previous_tail = RotationSeam(self.files[position - 1], at_end=True) if position else None
        next_head = RotationSeam(next_log, at_end=False) if next_log is not None else None
        if self.needles:
            events = scan_matching(fd, scan.start, scan.end, self.needles, scan.completed, self.limits,
                                   self.window_end)
        else:
            events = scan_all(fd, scan.start, scan.end, scan.completed, scan.unfinished, self.limits,
                              self.window_end)
        for raw in events:
            if previous_tail is not None and raw.offset < GATHER_AFTER:
                # The records before the rotation sort before this file's.
                before = len(previous_tail.text())
                for at, line in previous_tail.records(raw.token):
                    raw.add(at - before, line)
            if next_head is not None and not raw.complete and raw.last_offset >= scan.end - GATHER_BEFORE:
                for at, line in next_head.records(raw.token):
                    raw.add(scan.end + at, line)
                    scan.taken[raw.token] = at
            yield raw

    def _judge(self, raw, scan):
        """Applies the rules (see the module's docstring) to one event; False when the search stops."""
        if self.previous.listed(raw.token.decode()):
            scan.add_returned(raw)
            return True
        try:
            records = raw.records()
        except AuditParseError:
            return True
        first = records[0]
        stamp = [first["sec"], first["ms"], first["serial"]]
        if self.previous.returned_by_time(stamp):
            # In the seen list if the cursor stays before it: the next run has no time rule.
            scan.add_returned(raw)
            return True
        when = first["sec"] + first["ms"] / 1000.0
        # In a rotated file too, an event may still be growing: the rest of an event cut by the
        # rotation may not be written yet.
        if (not raw.complete and when > self.now - EVENT_TIMEOUT) \
                or (self.filter.end is not None and when > self.filter.end):
            self._leave(scan, raw.offset, stamp)
            return True
        if not self.filter.matches(records):
            return True
        if self.max_events and self.events.count >= self.max_events:
            self.truncated = True
            self._leave(scan, raw.offset, stamp)
            self._leave_unfinished(scan)
            return False
        self.redactor.event(records)
        self.events.add(*event_json(records, self.annotate))
        scan.add_returned(raw)
        self.next.returned(stamp)
        return True

    @property
    def past_window_end(self):
        """Whether the scan stopped past the time window's end (see scan.WindowEnd)."""
        return self.window_end is not None and self.window_end.reached

    def _leave_unfinished(self, scan):
        """Leaves the events begun and not grouped yet when the search stops, unless returned before."""
        for other in scan.unfinished.values():
            if self.previous.returned_by_time(stamp_of(other.token)):
                scan.add_returned(other)
            else:
                self._leave(scan, other.offset, stamp_of(other.token))

    def _leave(self, scan, offset, stamp):
        """Leaves the event at `offset` (of the file scanned) for the next run."""
        scan.left = earliest(scan.left, offset)
        self.next.leave(stamp)


def search(files, event_filter, redactor, cursor=None, max_events=0, now=None, annotate=None,
           limits=DEFAULT_LIMITS):
    """Runs one search over the log set (LogFile objects, oldest first). Returns a dict: events_gz
    (base64), count, count_by_key, truncated, scanned_bytes, events_bytes, transfer_bytes, files,
    cursor (the new one, or the given one when there was nothing to read), cursor_lost.

    `annotate(records)`, when given, is called with each returned event's records (redacted) and
    gives fields added at the end of its summary, before the event is encoded and compressed (the
    containers of container_attribution): the events are compressed once, never decoded again on
    the host. `limits` (a scan.ScanLimits) sets the sizes the files are scanned in."""
    now = time.time() if now is None else now
    plan, lost = plan_scan(files, cursor)
    run = _Search(files, event_filter, redactor, PreviousRuns(cursor, lost), max_events, now,
                  annotate, limits)
    completed = {}
    for number, (log, start) in enumerate(plan):
        next_log = plan[number + 1][0] if number + 1 < len(plan) else None
        completed = run.read_file(log, start, next_log, completed)
        if run.truncated or run.past_window_end:
            break
    return dict(
        run.events.result(),
        truncated=run.truncated,
        scanned_bytes=run.scanned,
        files=[log.path for log, _start in plan],
        cursor=run.next.as_dict() if run.next.log is not None else cursor,
        cursor_lost=run.previous.lost,
    )
