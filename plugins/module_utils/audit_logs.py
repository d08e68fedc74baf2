# -*- coding: utf-8 -*-
# Copyright: (c) fleetaudit maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The audit log set, the incremental cursor and the fast scan behind the ausearch module.

The log is scanned in fixed-size memory-mapped windows (peak memory stays bounded whatever the
log size). With keys or message types, a C-speed byte search finds candidate lines
(` key="K"`, the hex form of K for multi-key rules, `type=T msg=`) and only the records of those
events are parsed; otherwise every line is parsed and grouped by serial.
"""

from __future__ import annotations

import base64
import json
import mmap
import os
import re
import time
import zlib
from collections import OrderedDict

from ansible_collections.fleetaudit.auditd.plugins.module_utils.host_io import atomic_write
from ansible_collections.fleetaudit.auditd.plugins.module_utils.audit_records import (
    AuditParseError,
    event_json,
    parse_event,
)

DEFAULT_LOG_FILE = "/var/log/audit/audit.log"
CURSOR_VERSION = 1
# Records of one event sit close together in the log even when events interleave; these bound how
# far from a matching line the other records of its event are looked for.
GATHER_BEFORE = 4 * 1024
GATHER_AFTER = 64 * 1024
# Bytes read at once after a matching line: most events end within them (a whole event is about
# 1 KiB; a longer one takes more reads).
GATHER_BLOCK = 2 * 1024
WINDOW = 8 * 1024 * 1024
# auditd's end_of_event_timeout: a syscall event is complete with its PROCTITLE record; one without
# it that is younger than this may still be growing, so an incremental run leaves it for the next.
EVENT_TIMEOUT = 2.0
# Events kept open while grouping a full scan; each is emitted once this many younger ones follow.
PENDING_EVENTS = 256
# A time window's start is found by bisection to within this many bytes.
BISECT_SLACK = 64 * 1024
_ROTATED = re.compile(r"^(?P<base>.+?)(?:\.(?P<index>\d+))?$")
_COMPRESSED = (".gz", ".bz2", ".xz", ".zst", ".lz4", ".Z")


class LogSetError(Exception):
    """The log set cannot be read (missing path, unreadable file, bad cursor file)."""


def log_file_from_conf(text):
    """`log_file` from auditd.conf text (the default when absent)."""
    for line in text.splitlines():
        name, sep, value = line.partition("=")
        if sep and name.strip() == "log_file" and value.strip():
            return value.strip()
    return DEFAULT_LOG_FILE


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
    return default_log_set(log_file_from_conf(conf))


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


def _series(path):
    """The log a file belongs to: its directory and its name without the rotation's `.N`."""
    directory, name = os.path.split(path)
    return directory, _ROTATED.match(name).group("base")


def plan_scan(files, cursor):
    """[(LogFile, start offset)] to read, and whether the cursor's file was lost (rotated away or
    truncated), in which case events are de-duplicated by time and serial instead of offset. A
    cursor of another log is refused (LogSetError)."""
    if cursor is None:
        return [(f, 0) for f in files], False
    if files and _series(cursor["path"]) not in {_series(f.path) for f in files}:
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


def _complete_end(fd, size):
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


def _stamp_of(token):
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
                           _stamp_of(self.token).decode("ascii", "replace"))


def _gather(window, token, start, end, line):
    """The event of the line [start, end): its records found before and after it."""
    event = RawEvent(token, start)
    event.add(start, line)
    marker = b"(" + _stamp_of(token) + b")"
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


def scan_matching(fd, start, end, needles, taken=()):
    """RawEvents holding one of the needles in [start, end) of an open log file, in log order;
    none for the `taken` tokens (events the previous file's scan completed from this one)."""
    seen = OrderedDict.fromkeys(taken, True)
    offset = start
    while offset < end:
        stop = min(end, offset + WINDOW)
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
                seen[token] = True
                if len(seen) > PENDING_EVENTS:
                    seen.popitem(last=False)
                yield _gather(window, token, s, e, line)
        finally:
            window.close()
        offset = stop


def scan_all(fd, start, end, taken=(), pending=None):
    """Every event of [start, end), grouping records by serial even when events interleave; none
    for the `taken` tokens (events the previous file's scan completed from this one). `pending`
    (an OrderedDict, oldest first) holds the events begun and not yielded yet, for a caller that
    stops early."""
    pending = OrderedDict() if pending is None else pending
    offset = start
    while offset < end:
        stop = min(end, offset + WINDOW)
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
                    event = pending[token] = RawEvent(token, s)
                event.add(s, line)
                if event.complete:
                    yield pending.pop(token)
                elif len(pending) > PENDING_EVENTS:
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


class _RotationSeam:
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
        return ((at, line) for at, line in _lines_holding(self.text(), b"(" + _stamp_of(token) + b")")
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


class SearchResult:
    """Matching events as gzip-compressed JSON Lines (bounded memory), with the figures."""

    def __init__(self, counted_keys=None):
        self._counted_keys = counted_keys
        self._compressor = zlib.compressobj(1, zlib.DEFLATED, 31)
        self._chunks = []
        self.count = 0
        self.count_by_key = {}
        self.raw_bytes = 0

    def add(self, event_text, keys):
        line = (event_text + "\n").encode()
        self.raw_bytes += len(line)
        self._chunks.append(self._compressor.compress(line))
        self.count += 1
        for key in keys:
            if self._counted_keys and key not in self._counted_keys:
                continue  # the other keys of a multi-key rule were not asked for
            self.count_by_key[key] = self.count_by_key.get(key, 0) + 1

    def compressed(self):
        self._chunks.append(self._compressor.flush())
        self._compressor = None
        return b"".join(self._chunks)


def decode_events(blob_b64):
    """The module's `events_gz` (base64 of gzip JSON Lines) -> list of events."""
    text = zlib.decompress(base64.b64decode(blob_b64), 31).decode()
    return [json.loads(line) for line in text.splitlines() if line]


def _last_time(fd, end):
    """Time of the last record before `end` (records are written in time order, give or take
    the interleaving that EVENT_TIMEOUT covers); 0 when there is none."""
    tail = max(0, end - 8192)
    os.lseek(fd, tail, os.SEEK_SET)
    block = os.read(fd, end - tail)
    token = _token(block[block.rfind(b"msg=audit("):])
    try:
        return float(_stamp_of(token).split(b":")[0]) if token else 0.0
    except ValueError:
        return 0.0


def _offset_at(fd, lo, hi, when):
    """A line start in [lo, hi) at most BISECT_SLACK bytes before the first record at or after
    `when`: records are in time order, so a bisection skips the older part of a large file."""
    while hi - lo > BISECT_SLACK:
        mid = (lo + hi) // 2
        os.lseek(fd, mid, os.SEEK_SET)
        block = os.read(fd, 8192)
        newline = block.find(b"\n")
        token = _token(block[newline + 1:]) if newline >= 0 else None
        try:
            stamp = float(_stamp_of(token).split(b":")[0])
        except (AttributeError, ValueError):
            break
        if stamp < when:
            lo = mid + newline + 1
        else:
            hi = mid
    return lo


def _stamp(token):
    """[sec, ms, serial] of an event's `sec.ms:serial` token."""
    sec, _dot, rest = _stamp_of(token).partition(b".")
    ms, _colon, serial = rest.partition(b":")
    return [int(sec), int(ms), int(serial)]


def _earliest(known, value):
    return value if known is None else min(known, value)


def _returned_before(stamp, cursor):
    """Whether the earlier runs returned the event of `stamp`, told by time and serial alone (the
    cursor's file was lost): no newer than the newest they returned, and older than the oldest they
    left for later (those returned after it are in the cursor's seen list)."""
    return cursor["last"] is not None and stamp <= cursor["last"] \
        and (cursor.get("waiting") is None or stamp < cursor["waiting"])


def search(files, event_filter, redactor, cursor=None, max_events=0, now=None):
    """Runs one search over the log set. Returns a dict: events_gz (base64), count, count_by_key,
    truncated, scanned_bytes, events_bytes, files, cursor (the new one), cursor_lost."""
    now = time.time() if now is None else now
    plan, lost = plan_scan(files, cursor)
    # Tokens are unique: the events returned after the cursor are known even when its file was lost.
    seen_before = set(cursor["seen"]) if cursor else set()
    met = set()  # the events of seen_before that this run found again
    last = cursor.get("last") if cursor else None  # the newest event returned
    waiting = None  # [sec, ms, serial] of the oldest event left for the next run
    needles = needles_for(event_filter)
    result = SearchResult(event_filter.keys)
    truncated = False
    scanned = 0
    # Where the next run starts, and the events there that it must not return again; once an event
    # is left for the next run (young and maybe growing, or past max_events), later files add to it.
    resume, held = None, False
    taken = {}
    for number, (log, start) in enumerate(plan):
        last_file = number == len(plan) - 1
        position = files.index(log)
        # Events of the previous file completed from this one: {token: offset of its last record here}.
        skipped, taken = taken, {}
        try:
            fd = os.open(log.path, os.O_RDONLY)
        except OSError as exc:
            raise LogSetError("cannot read audit log %s: %s" % (log.path, exc.strerror))
        try:
            end = _complete_end(fd, os.fstat(fd).st_size)
            if end <= start or (event_filter.start is not None
                                and _last_time(fd, end) < event_filter.start - EVENT_TIMEOUT):
                # Nothing new, or a rotated file that ends before the time window starts.
                if not held and end:
                    resume = (log, max(start, end), [])
                elif not held:
                    # An empty file has no first record to be known by (its inode may go to another
                    # file): the cursor stays at the end of the last file before it that has one, or
                    # as it was.
                    known = [f for f in files[:position] if f.head]
                    resume = (known[-1], known[-1].size, []) if known else resume
                continue
            if event_filter.start is not None:
                start = _offset_at(fd, start, end, event_filter.start - EVENT_TIMEOUT)
            scanned += end - start
            left = None  # offset of the first event left for the next run
            returned = []  # (offset of its last record, token) of the events returned, now or before
            previous_tail = _RotationSeam(files[position - 1], at_end=True) if position else None
            next_head = None if last_file else _RotationSeam(plan[number + 1][0], at_end=False)
            unfinished = OrderedDict()
            if needles:
                events = scan_matching(fd, start, end, needles, skipped)
            else:
                events = scan_all(fd, start, end, skipped, unfinished)
            for raw in events:
                if previous_tail is not None and raw.offset < GATHER_AFTER:
                    # The records before the rotation sort before this file's.
                    before = len(previous_tail.text())
                    for at, line in previous_tail.records(raw.token):
                        raw.add(at - before, line)
                if next_head is not None and not raw.complete and raw.last_offset >= end - GATHER_BEFORE:
                    for at, line in next_head.records(raw.token):
                        raw.add(end + at, line)
                        taken[raw.token] = at
                token = raw.token.decode()
                if token in seen_before:
                    met.add(token)
                    returned.append((raw.last_offset, token))
                    continue
                try:
                    records = raw.records()
                except AuditParseError:
                    continue
                first = records[0]
                stamp = [first["sec"], first["ms"], first["serial"]]
                if lost and _returned_before(stamp, cursor):
                    # In the seen list if the cursor stays before it: the next run has no time rule.
                    returned.append((raw.last_offset, token))
                    continue
                when = first["sec"] + first["ms"] / 1000.0
                # Young and incomplete, it may still be growing (in a rotated file too: the rest of an
                # event cut by the rotation may not be written yet); past the time window's end, a
                # later run (with a later end) returns it.
                if (not raw.complete and when > now - EVENT_TIMEOUT) \
                        or (event_filter.end is not None and when > event_filter.end):
                    left, waiting = _earliest(left, raw.offset), _earliest(waiting, stamp)
                    continue
                if not event_filter.matches(records):
                    continue
                if max_events and result.count >= max_events:
                    truncated = True
                    left, waiting = _earliest(left, raw.offset), _earliest(waiting, stamp)
                    # Events begun before this one and not grouped yet are left for the next run too,
                    # but for those that the earlier runs returned (told by time and serial).
                    for other in unfinished.values():
                        if lost and _returned_before(_stamp(other.token), cursor):
                            returned.append((other.last_offset, other.token.decode()))
                        else:
                            left, waiting = _earliest(left, other.offset), _earliest(waiting, _stamp(other.token))
                    break
                result.add(*event_json(records, redactor))
                returned.append((raw.last_offset, token))
                if last is None or stamp > last:
                    last = stamp
            if held:
                resume[2].extend(t for _o, t in returned)
            else:
                # The records of an event found around a matching line may lie before `start` (or in
                # the previous file): the next run never starts before this one did.
                offset = end if left is None else max(start, left)
                # The next run reads again from offset: the events returned that have a record there
                # or after it, in this file or completed from it, are not returned again.
                resume = (log, offset, [t for o, t in returned if o >= offset]
                          + [t.decode() for t, o in skipped.items() if o >= offset])
                held = left is not None
        finally:
            os.close(fd)
        if truncated:
            # The events returned before that this run stopped short of are still ahead.
            resume[2].extend(sorted(seen_before - met))
            break
    blob = result.compressed()
    return {
        "events_gz": base64.b64encode(blob).decode("ascii"),
        "count": result.count,
        "count_by_key": result.count_by_key,
        "truncated": truncated,
        "scanned_bytes": scanned,
        "events_bytes": result.raw_bytes,
        "transfer_bytes": len(blob),
        "files": [log.path for log, _start in plan],
        "cursor": _cursor(*resume, last=last, waiting=waiting) if resume else cursor,
        "cursor_lost": bool(cursor) and lost,
    }


def _cursor(log, offset, seen, last, waiting):
    return {
        "version": CURSOR_VERSION,
        "path": log.path,
        "dev": log.dev,
        "inode": log.inode,
        "head": log.head,
        "offset": offset,
        "seen": seen,
        "last": last,
        "waiting": waiting,
    }
