"""The incremental cursor against a simulated auditd. The recorded events are written again and again
with new times and serials, some interleaved record by record, into a log set that rotates the way
auditd does (between two records, not two events; `num_logs` files kept, the oldest dropped), is
sometimes truncated (or copied and truncated) and sometimes ends with a partly written line.
Scheduled incremental searches (keys, a message type, everything, a time window; with and without
max_events) run at random points. Fixed seeds: every run of the test plays the same scenarios."""

import json
import os
import random
import re
import shutil

import pytest

from ansible_collections.fleetaudit.auditd.plugins.module_utils import scan
from ansible_collections.fleetaudit.auditd.plugins.module_utils.cursor import CURSOR_VERSION, load_cursor, save_cursor
from ansible_collections.fleetaudit.auditd.plugins.module_utils.event_filter import EventFilter
from ansible_collections.fleetaudit.auditd.plugins.module_utils.event_transport import decode_events
from ansible_collections.fleetaudit.auditd.plugins.module_utils.log_search import EVENT_TIMEOUT, search
from ansible_collections.fleetaudit.auditd.plugins.module_utils.log_set import LogSetError, default_log_set, log_set
from ansible_collections.fleetaudit.auditd.plugins.module_utils.records import parse_event
from ansible_collections.fleetaudit.auditd.plugins.module_utils.redaction import Redactor

RECORDED = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "logs", "audit-3.0.9-enriched.log")
_STAMP = re.compile(rb"msg=audit\(\d+\.\d+:\d+\)")
_SYSCALL_KEY = re.compile(rb' key=("[^"]*"|\(null\)|[0-9A-F]+)')
# A rule's key as the log writes it: one key, none, or several hex-encoded and joined by 0x01.
KEYS = [b'"sim_a"', b'"sim_b"', b"(null)", b"73696D5F620173696D5F61"]
SEARCHES = [(criteria, max_events) for criteria in ({"keys": ["sim_a"]}, {"message_types": ["PATH"]}, {})
            for max_events in (0, 3)] + [({"start": 1795800003.0, "end": 1795800006.0}, 2),  # time windows
                                         ({"end": 1795800005.0}, 0),
                                         ({"keys": ["sim_a"], "start": 1795800002.0, "end": 1795800009.0}, 0)]


def recorded_events():
    """The recorded events' lines: syscall events of several records, each ending with its PROCTITLE
    record, and messages of one record."""
    events = {}
    with open(RECORDED, "rb") as handle:
        for line in handle.read().splitlines(keepends=True):
            events.setdefault(_STAMP.search(line).group(), []).append(line)
    return list(events.values())


TEMPLATES = recorded_events()


def _time(token):
    return float(token.split(":")[0])


class Auditd:
    """Writes events to DIR/audit.log record by record and rotates like auditd with `num_logs`;
    knows which records each file holds."""

    def __init__(self, directory, rng, num_logs):
        os.makedirs(directory)
        self.base = os.path.join(directory, "audit.log")
        self.rng = rng
        self.num_logs = num_logs
        self.clock = 1795800000.0
        self.serial = 5000
        self.events = {}  # token -> the event's lines
        self.tokens = {}  # serial -> token
        self.held = {self.base: []}  # file name -> [(token, line)] of the records written to it
        self.queue = []  # (token, line) still to write, in the order auditd writes them
        self.started = set()  # events whose first record is written
        self.partial = b""  # the unwritten rest of the live file's last line
        self.cut = set()  # events being written when the log last rotated
        open(self.base, "wb").close()

    def new_events(self, count):
        for _number in range(count):
            lines = self._event()
            if len(lines) > 1 and self.rng.random() < 0.3:
                # Two CPUs logging at once: the records of two events alternate.
                other = self._event(close=True)
                lines = [record for pair in zip(lines, other) for record in pair] \
                    + lines[len(other):] + other[len(lines):]
            self.queue += lines

    def _event(self, close=False):
        self.clock += self.rng.uniform(0.001, 0.005) if close else self.rng.uniform(0.05, 0.6)
        self.serial += 1
        token = "%d.%03d:%d" % (int(self.clock), int(self.clock * 1000) % 1000, self.serial)
        stamp = b"msg=audit(" + token.encode() + b")"
        key = b" key=" + self.rng.choice(KEYS)
        lines = [_STAMP.sub(stamp, _SYSCALL_KEY.sub(key, line, count=1) if line.startswith(b"type=SYSCALL") else line,
                            count=1)
                 for line in self.rng.choice(TEMPLATES)]
        self.events[token] = lines
        self.tokens[self.serial] = token
        return [(token, line) for line in lines]

    def write(self, records, rotate_chance=0.0):
        """Writes that many records; after each, auditd may rotate (the log grew past max_log_file)."""
        with open(self.base, "ab") as handle:
            handle.write(self.partial)
            self.partial = b""
            for _number in range(min(records, len(self.queue))):
                token, line = self.queue.pop(0)
                handle.write(line)
                self.held[self.base].append((token, line))
                self.started.add(token)
                if self.rng.random() < rotate_chance:
                    handle.close()
                    self.rotate()
                    handle = open(self.base, "ab")

    def cut_line(self):
        """Writes the first part of the next record only: a search may come in the middle of a write."""
        if self.queue and not self.partial:
            token, line = self.queue.pop(0)
            cut = self.rng.randrange(1, len(line) - 1)
            with open(self.base, "ab") as handle:
                handle.write(line[:cut])
            self.partial = line[cut:]
            self.held[self.base].append((token, line))
            self.started.add(token)

    def being_written(self):
        """Events some records of which are written (a line in part counts), and some not yet."""
        unwritten = {token for token, _line in self.queue}
        if self.partial:
            unwritten.add(self.held[self.base][-1][0])
        return unwritten & self.started

    def rotate(self, copy=False):
        """auditd's rotate_logs: NAME.(n-2) -> NAME.(n-1) (replacing the oldest), ..., NAME -> NAME.1,
        then a new NAME. auditd rotates when the log grew past max_log_file, so an event being written
        is cut by one rotation at most. With `copy`, NAME is copied to NAME.1 and truncated instead
        (logrotate's copytruncate)."""
        assert not self.partial
        if self.being_written() & self.cut:
            return
        self.cut = self.being_written()
        names = [self.base] + ["%s.%d" % (self.base, index) for index in range(1, self.num_logs)]
        self.held.pop(names[-1], None)
        for older, newer in reversed(list(zip(names, names[1:]))):
            if older == self.base and copy:
                shutil.copyfile(older, newer)
                self.held[newer] = list(self.held[older])
            elif os.path.exists(older):
                os.rename(older, newer)
                self.held[newer] = self.held.pop(older)
        open(self.base, "wb").close()
        self.held[self.base] = []

    def truncate(self):
        assert not self.partial
        open(self.base, "wb").close()
        self.held[self.base] = []

    def present(self):
        """{token: how many of its records the files hold whole}."""
        counts = {}
        for name, records in self.held.items():
            for token, _line in records[:-1] if name == self.base and self.partial else records:
                counts[token] = counts.get(token, 0) + 1
        return counts

    def search_time(self, now):
        """`now`, once auditd has written every event older than EVENT_TIMEOUT by then: it writes the
        records of an event at once, so a search may come while one is being written, never long after."""
        unwritten = {token for token, _line in self.queue} | self.being_written()
        if any(_time(token) <= now - EVENT_TIMEOUT + 0.1 for token in unwritten):
            self.write(len(self.queue))
        return now

    def settled(self, now):
        """Events that a search finding them whole must return: complete (their last record is
        PROCTITLE), or older than EVENT_TIMEOUT (a younger event without it may still grow)."""
        return {token for token, lines in self.events.items()
                if lines[-1].startswith(b"type=PROCTITLE") or _time(token) <= now - EVENT_TIMEOUT}


def wanted(lines, event_filter):
    token = _STAMP.search(lines[0]).group()[len("msg=audit("):-1].decode()
    return event_filter.matches(parse_event([line.decode() for line in lines], token))


class Searcher:
    """One scheduled incremental search, with what it returned and what it owes."""

    def __init__(self, cursor_file, criteria, max_events, limits):
        self.cursor_file = cursor_file
        self.limits = limits
        self.cursor = None
        self.event_filter = EventFilter(**criteria)
        self.max_events = max_events
        self.returned = set()
        self.due, self.not_wanted = set(), set()  # events a run found whole and settled

    def run(self, auditd, now, rng, seed):
        """One run; whether max_events cut it short."""
        result = search(default_log_set(auditd.base), self.event_filter, Redactor([]), cursor=self.cursor,
                        max_events=self.max_events, now=now, limits=self.limits)
        # The cursor goes through its file one run in four (through JSON otherwise, which is faster).
        if rng.random() < 0.25:
            save_cursor(self.cursor_file, result["cursor"])
            self.cursor = load_cursor(self.cursor_file)
        else:
            self.cursor = json.loads(json.dumps(result["cursor"]))
        assert self.cursor == result["cursor"]
        present = auditd.present()
        for event in decode_events(result["events_gz"]):
            token = auditd.tokens[event["serial"]]
            assert token not in self.returned, "seed %d: %s returned twice" % (seed, token)
            assert len(event["records"]) == present[token], "seed %d: %s returned in part" % (seed, token)
            self.returned.add(token)
        if not result["truncated"]:
            whole = {token for token, count in present.items() if count == len(auditd.events[token])}
            for token in whole & auditd.settled(now) - self.due - self.not_wanted:
                (self.due if wanted(auditd.events[token], self.event_filter) else self.not_wanted).add(token)
        missing = self.due - self.returned
        assert not missing, "seed %d: found whole, never returned: %s" % (seed, sorted(missing))
        return result["truncated"]


def play(seed, directory, limits):
    """One host: auditd writes, rotates, is truncated; scheduled searches run now and then, each with
    its own cursor. Every run's events are new (none twice) and whole, but for an event whose first
    records went with the oldest file: it comes back with the records still there. A run that was not
    cut short by max_events returned, by then, every matching event that it found whole and settled.
    An event dropped with the oldest file before a run found it whole cannot be returned, and is not
    asked for. At the end, the searches run until they have returned everything they owe."""
    rng = random.Random(seed)
    auditd = Auditd(os.path.join(directory, "log"), rng, num_logs=rng.choice([2, 3, 5]))
    searchers = [Searcher(os.path.join(directory, "%d.cursor.json" % number), criteria, max_events, limits)
                 for number, (criteria, max_events) in enumerate(SEARCHES)]
    now = 0
    for _step in range(rng.randrange(4, 12)):
        auditd.new_events(rng.randrange(0, 5))
        action = rng.random()
        if action < 0.15:
            auditd.cut_line()
        else:
            auditd.write(rng.randrange(1, 25), rotate_chance=rng.choice([0, 0.02, 0.1]))
            if action > 0.98:
                auditd.truncate()
            elif action > 0.96:
                auditd.rotate(copy=True)
            elif action > 0.9:
                auditd.rotate()
                auditd.rotate()
        now = auditd.search_time(max(now, auditd.clock) + rng.uniform(0, 3))
        for searcher in searchers:
            if rng.random() < 0.7:
                searcher.run(auditd, now, rng, seed)
    auditd.write(len(auditd.queue))
    now += EVENT_TIMEOUT
    for searcher in searchers:
        for _page in range(100):
            if not searcher.run(auditd, now, rng, seed):
                break


def test_incremental_runs_return_each_event_once_and_whole(tmp_path):
    # Every other host is scanned in windows of a few records, bisected closely, and its time window
    # search stops at the first record past the window's end that leaves no event of the window open.
    small = scan.ScanLimits(window=1000, bisect_slack=300, window_end_slack=0.0)
    for seed in range(50):
        play(seed, str(tmp_path / str(seed)), small if seed % 2 else scan.DEFAULT_LIMITS)


def test_a_cursor_that_cannot_be_written_leaves_no_temporary_file(tmp_path):
    path = str(tmp_path / "events.cursor.json")
    with pytest.raises(TypeError):
        save_cursor(path, {"version": CURSOR_VERSION, "files": object()})
    assert os.listdir(str(tmp_path)) == []


def test_cursor_round_trip_on_disk(tmp_path):
    cursor = search(log_set(RECORDED), EventFilter(keys=["fa_watch"]), Redactor([]), now=1795712100.0)["cursor"]
    path = str(tmp_path / "state" / "events.cursor.json")
    assert save_cursor(path, cursor) is True
    assert save_cursor(path, cursor) is False
    assert load_cursor(path) == cursor
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"
    assert oct(os.stat(os.path.dirname(path)).st_mode & 0o777) == "0o700"
    shutil.copy(RECORDED, path)
    with pytest.raises(LogSetError, match="cannot read cursor file"):
        load_cursor(path)
