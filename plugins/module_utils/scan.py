# -*- coding: utf-8 -*-
# Copyright: (c) fleetaudit maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The scan of one audit log file, in fixed-size memory-mapped windows (peak memory stays bounded
whatever the log size). With keys or message types, a C-speed byte search finds candidate lines
(` key="K"`, the hex form of K for multi-key rules, `type=T msg=`) and only the records of those
events are gathered; otherwise every line is read and grouped by serial. Also: where a file's
complete lines end, where a time window starts in it, where a scan may stop past a window's end
(WindowEnd), and the records of an event that a rotation cut into two files."""

from __future__ import annotations

import mmap
import os
from collections import OrderedDict

from ansible_collections.fleetaudit.auditd.plugins.module_utils.log_set import LogSetError
from ansible_collections.fleetaudit.auditd.plugins.module_utils.records import parse_event

# Records of one event sit close together in the log even when events interleave; these bound how
# far from a matching line the other records of its event are looked for.
GATHER_BEFORE = 4 * 1024
GATHER_AFTER = 64 * 1024

# Bytes read at once after a matching line: most events end within them (a whole event is about
# 1 KiB; a longer one takes more reads).
GATHER_BLOCK = 2 * 1024
WINDOW = 8 * 1024 * 1024

# Events kept open while grouping a full scan; each is emitted once this many younger ones follow.
PENDING_EVENTS = 256

# A time window's start is found by bisection to within this many bytes.
BISECT_SLACK = 64 * 1024

# Records are written in about time order: an event is stamped when it begins and written when it
# ends, so one that took long (a blocking system call) comes late. A scan that meets a record this
# many seconds past a time window's end takes it that every event of the window is behind it; one
# written later still is left for the next run (see WindowEnd).
WINDOW_END_SLACK = 60.0


class ScanLimits(object):
    """The sizes a scan works with (the constants above by default): tests give small ones, so that
    windows, pending events and bisection steps fall everywhere in a small log."""

    def __init__(self, window=WINDOW, pending_events=PENDING_EVENTS, bisect_slack=BISECT_SLACK,
                 window_end_slack=WINDOW_END_SLACK):
        self.window = window
        self.pending_events = pending_events
        self.bisect_slack = bisect_slack
        self.window_end_slack = window_end_slack


DEFAULT_LIMITS = ScanLimits()


class WindowEnd(object):
    """The end of a search's time window (POSIX seconds), and where a scan stopped for it.

    Past a record more than `slack` seconds after the end, no record of an event of the window
    comes any more: a scan yields the events of the window it has begun, whole, and stops there.
    Every event after that point is past the end, and would only be left for a later run. `reached`
    tells the caller that the scan stopped (the events it did not read, and those begun and not
    yielded, are left for a later run), `stopped_at` at which offset. `slack` None never stops.
    `returned` is the [sec, ms, serial] of the newest event the earlier runs returned when they are
    told by time (their cursor's file was lost): those must be met to be known, so the scan reads
    past it too."""

    def __init__(self, end, slack, returned=None):
        self.end = end if returned is None else max(end, returned[0] + returned[1] / 1000.0)
        self._stop_after = None if slack is None else self.end + slack
        self.reached = False
        self.stopped_at = None

    def passed_by(self, token):
        """Whether the event `token` is too late for any event of the window to follow it."""
        return self._stop_after is not None and _later(token, self._stop_after)

    def in_window(self, token):
        """Whether the event `token` is not past the end (or has no time to tell)."""
        return not _later(token, self.end)

    def stop(self, offset):
        self.reached = True
        self.stopped_at = offset


def _later(token, when):
    seconds = _seconds(token)
    return seconds is not None and seconds > when


def complete_end(fd, size):
    """Offset just past the last newline: a partly written last line is left for later."""
    tail = max(0, size - 65536)
    while True:
        os.lseek(fd, tail, os.SEEK_SET)
        block = os.read(fd, size - tail)
        cut = block.rfind(b"\n")
        if cut >= 0:
            return tail + cut + 1
        if tail == 0:
            return 0
        tail = max(0, tail - 65536)


def _token(line):
    """An event's identity in a log: its `sec.ms:serial`, after `node=NAME ` for a record with a
    node name. On a collector the events of two clients may share a time stamp and serial."""
    start = line.find(b"msg=audit(")
    end = line.find(b")", start)
    if start < 0 or end < start:
        return None
    if line.startswith(b"node="):
        return line[:line.find(b" ") + 1] + line[start + 10:end]
    return line[start + 10:end]


def _time_serial(token):
    """The `sec.ms:serial` of an event's token."""
    return token[token.rfind(b" ") + 1:]


def _of_event(token, line):
    """Whether a line that holds the event's `(sec.ms:serial)` is a record of that event: of the
    same node, or of none."""
    node_end = token.rfind(b" ") + 1
    return line.startswith(token[:node_end]) if node_end else not line.startswith(b"node=")


def _is_last_record(line):
    return line.startswith(b"type=PROCTITLE ") or line.find(b" type=PROCTITLE msg=", 0, 80) >= 0


class _Window:
    """A read-only map of [lo, hi) of a file, addressed by file offsets."""

    def __init__(self, fd, lo, hi):
        self.base = lo - lo % mmap.ALLOCATIONGRANULARITY
        self.map = mmap.mmap(fd, hi - self.base, access=mmap.ACCESS_READ, offset=self.base)
        self.lo, self.hi = lo, hi

    def find(self, needle, start, end):
        pos = self.map.find(needle, max(start, self.lo) - self.base, min(end, self.hi) - self.base)
        return pos + self.base if pos >= 0 else -1

    def rfind(self, needle, start, end):
        pos = self.map.rfind(needle, max(start, self.lo) - self.base, min(end, self.hi) - self.base)
        return pos + self.base if pos >= 0 else -1

    def line(self, pos):
        """(start, end, bytes) of the line holding pos; end is -1 when the line is not wholly
        inside the window (or not finished yet)."""
        start = self.lo
        if pos > self.lo:
            start = self.rfind(b"\n", self.lo, pos) + 1
            if start == 0 and self.lo > 0:
                return self.lo, -1, None
        end = self.find(b"\n", pos, self.hi)
        if end < 0:
            return start, -1, None
        return start, end + 1, self.map[start - self.base:end - self.base]

    def read(self, start, end):
        """The bytes of [start, end), clipped to the window."""
        return self.map[max(start, self.lo) - self.base:min(end, self.hi) - self.base]

    def close(self):
        self.map.close()


class RawEvent:
    """The lines of one event as found in a file, before parsing."""

    __slots__ = ("token", "offset", "lines", "complete")

    def __init__(self, token, offset):
        self.token = token
        self.offset = offset
        self.lines = []
        self.complete = False

    def add(self, offset, line):
        if offset < self.offset:
            self.offset = offset
        self.lines.append((offset, line))
        if _is_last_record(line):
            self.complete = True

    @property
    def last_offset(self):
        """Where its last record found so far starts."""
        return max(self.lines)[0]

    def records(self):
        self.lines.sort()
        return parse_event([line.decode("utf-8", "backslashreplace") for _offset, line in self.lines],
                           _time_serial(self.token).decode("ascii", "replace"))


def _gather(window, token, start, end, line):
    """The event of the line [start, end): its records found before and after it."""
    event = RawEvent(token, start)
    event.add(start, line)
    marker = b"(" + _time_serial(token) + b")"
    pos = start
    while True:
        pos = window.rfind(marker, start - GATHER_BEFORE, pos)
        if pos < 0:
            break
        s, e, other = window.line(pos)
        if e < 0:
            break
        if _of_event(token, other):
            event.add(s, other)
        pos = s
    _gather_after(window, marker, end, event)
    return event


def _gather_after(window, marker, pos, event):
    """Adds the records of the event that follow the line start pos, up to its last one. The bytes
    are read a block at a time (one copy, then searches within it): most events end in the first."""
    limit = min(window.hi, pos + GATHER_AFTER)
    size = GATHER_BLOCK
    while not event.complete and pos < limit:
        block = window.read(pos, min(limit, pos + size))
        resume = block.rfind(b"\n") + 1  # a line cut by the block's end is read again
        for line_start, line in _lines_holding(block, marker, resume):
            if not _of_event(event.token, line):
                continue
            event.add(pos + line_start, line)
            if event.complete:
                return
        if resume:
            pos += resume
            size = GATHER_BLOCK
        elif pos + size < limit:
            size *= 2  # one line longer than the block
        else:
            return


def scan_matching(fd, start, end, needles, taken=(), limits=DEFAULT_LIMITS, window_end=None):
    """RawEvents holding one of the needles in [start, end) of an open log file, in log order;
    none for the `taken` tokens (events the previous file's scan completed from this one). With a
    WindowEnd, the scan stops where it says."""
    seen = OrderedDict.fromkeys(taken, True)
    offset = start
    while offset < end:
        stop = min(end, offset + limits.window)
        window = _Window(fd, max(0, offset - GATHER_BEFORE), min(end, stop + GATHER_AFTER))
        try:
            hits = set()
            for needle in needles:
                hits.update(_positions(window, needle, offset, stop))
            for pos in sorted(hits):
                s, e, line = window.line(pos)
                token = _token(line) if line is not None else None
                if token is None or token in seen:
                    continue
                if window_end is not None and window_end.passed_by(token):
                    window_end.stop(s)
                    return
                seen[token] = True
                if len(seen) > limits.pending_events:
                    seen.popitem(last=False)
                yield _gather(window, token, s, e, line)
        finally:
            window.close()
        offset = stop


def scan_all(fd, start, end, taken=(), pending=None, limits=DEFAULT_LIMITS, window_end=None):
    """Every event of [start, end), grouping records by serial even when events interleave; none
    for the `taken` tokens (events the previous file's scan completed from this one). `pending`
    (an OrderedDict, oldest first) holds the events begun and not yielded yet, for a caller that
    stops early, or when the scan stops where a WindowEnd says."""
    pending = OrderedDict() if pending is None else pending
    offset = start
    while offset < end:
        stop = min(end, offset + limits.window)
        window = _Window(fd, offset, end)
        try:
            pos = offset
            while pos < stop:
                s, e, line = window.line(pos)
                if e < 0:
                    break
                pos = e
                token = _token(line)
                if token is None or token in taken:
                    continue
                event = pending.get(token)
                if event is None:
                    if window_end is not None and window_end.passed_by(token):
                        # The events of the window begun are whole: yielded as they would be later.
                        for other in [other for other in pending if window_end.in_window(other)]:
                            yield pending.pop(other)
                        window_end.stop(s)
                        return
                    event = pending[token] = RawEvent(token, s)
                event.add(s, line)
                if event.complete:
                    yield pending.pop(token)
                elif len(pending) > limits.pending_events:
                    yield pending.popitem(last=False)[1]
        finally:
            window.close()
        offset = pos
    while pending:
        yield pending.popitem(last=False)[1]


def _positions(window, needle, start, stop):
    """Where needle starts in [start, stop), left to right, without overlaps. It may end after stop:
    a needle cut by the end of a window belongs to that window (the next one starts at stop)."""
    limit = stop + len(needle) - 1
    pos = window.find(needle, start, limit)
    while pos >= 0:
        yield pos
        pos = window.find(needle, pos + len(needle), limit)


class RotationSeam:
    """Whole lines at one end of a neighbouring file of the log set, read once and only when an
    event needs them. auditd rotates between two records, not between two events: an event cut by a
    rotation ends one file (whose last GATHER_BEFORE bytes are looked at) and goes on at the start of
    the next (its first GATHER_AFTER bytes)."""

    def __init__(self, log, at_end):
        self.log = log
        self._at_end = at_end
        self._text = None

    def text(self):
        if self._text is None:
            try:
                with open(self.log.path, "rb") as handle:
                    if self._at_end:
                        size = handle.seek(0, os.SEEK_END)
                        handle.seek(max(0, size - GATHER_BEFORE))
                        text = handle.read()
                        self._text = text[text.find(b"\n") + 1:] if size > GATHER_BEFORE else text
                    else:
                        text = handle.read(GATHER_AFTER)
                        self._text = text[:text.rfind(b"\n") + 1]
            except OSError as exc:
                raise LogSetError("cannot read audit log %s: %s" % (self.log.path, exc.strerror))
        return self._text

    def records(self, token):
        """(offset in text(), line) of each record of the event `token` found here."""
        return ((at, line) for at, line in _lines_holding(self.text(), b"(" + _time_serial(token) + b")")
                if _of_event(token, line))


def _lines_holding(data, marker, end=None):
    """(offset, line) of each line of data[:end] (whole lines) that holds marker, in order."""
    end = len(data) if end is None else end
    at = data.find(marker, 0, end)
    while at >= 0:
        line_start = data.rfind(b"\n", 0, at) + 1
        line_end = data.find(b"\n", at)
        yield line_start, data[line_start:line_end]
        at = data.find(marker, line_end, end)


def needles_for(event_filter):
    """Byte strings one of which every matching event holds, or None for a full scan."""
    if event_filter.keys:
        needles = []
        for key in sorted(event_filter.keys):
            needles.append(b' key="' + key.encode() + b'"')
            # Several keys on one rule are written hex-encoded, joined by 0x01.
            needles.append(key.encode().hex().upper().encode())
        return needles
    if event_filter.message_types:
        return [b"type=" + name.encode() + b" msg=" for name in sorted(event_filter.message_types)]
    if event_filter.node is not None:
        return [b"node=" + event_filter.node.encode() + b" type="]
    return None


def last_time(fd, end):
    """Time of the last record before `end` (records are written in time order, give or take
    the interleaving that EVENT_TIMEOUT covers); 0 when there is none."""
    tail = max(0, end - 8192)
    os.lseek(fd, tail, os.SEEK_SET)
    block = os.read(fd, end - tail)
    token = _token(block[block.rfind(b"msg=audit("):])
    try:
        return float(_time_serial(token).split(b":")[0]) if token else 0.0
    except ValueError:
        return 0.0


def offset_at(fd, lo, hi, when, limits=DEFAULT_LIMITS):
    """A line start in [lo, hi) at most limits.bisect_slack bytes before the first record at or
    after `when`: records are in time order, so a bisection skips the older part of a large file."""
    while hi - lo > limits.bisect_slack:
        mid = (lo + hi) // 2
        os.lseek(fd, mid, os.SEEK_SET)
        block = os.read(fd, 8192)
        newline = block.find(b"\n")
        token = _token(block[newline + 1:]) if newline >= 0 else None
        try:
            stamp = float(_time_serial(token).split(b":")[0])
        except (AttributeError, ValueError):
            break
        if stamp < when:
            lo = mid + newline + 1
        else:
            hi = mid
    return lo


def stamp_of(token):
    """[sec, ms, serial] of an event's `sec.ms:serial` token."""
    sec, _dot, rest = _time_serial(token).partition(b".")
    ms, _colon, serial = rest.partition(b":")
    return [int(sec), int(ms), int(serial)]


def _seconds(token):
    """An event's time in POSIX seconds, as EventFilter.in_time reckons it; None for a damaged one."""
    try:
        sec, ms, _serial = stamp_of(token)
    except ValueError:
        return None
    return sec + ms / 1000.0
