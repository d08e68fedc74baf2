"""Searches of the log set (the scan and the incremental cursor), on recorded audit 3.0.9 logs written into
temporary log directories (rotation, truncation, interleaving, window boundaries)."""

import base64
import gzip
import json
import os
import re
import shutil
import zlib

import pytest

from ansible_collections.fleetaudit.auditd.plugins.module_utils import scan
from ansible_collections.fleetaudit.auditd.plugins.module_utils.event_filter import EventFilter
from ansible_collections.fleetaudit.auditd.plugins.module_utils.event_transport import decode_events
from ansible_collections.fleetaudit.auditd.plugins.module_utils.log_search import search
from ansible_collections.fleetaudit.auditd.plugins.module_utils.log_set import LogSetError, default_log_set, log_set
from ansible_collections.fleetaudit.auditd.plugins.module_utils.redaction import DEFAULT_REDACT_PATTERNS, Redactor
from ansible_collections.fleetaudit.auditd.tests.unit.plugins.module_utils.recorded_events import (
    ENRICHED,
    LOGS,
    recorded_lines,
    rotate,
    write,
)

# Serials that `ausearch -if audit-3.0.9-enriched.log -k KEY` finds, less its CONFIG_CHANGE events.
WATCH_SERIALS = [16773, 16774, 16775, 16776]
DEL_SERIALS = [16791, 16792]
LATER = 1795712100.0  # "now" for the searches: after the recorded events


def run(files, cursor=None, now=LATER, max_events=0, limits=scan.DEFAULT_LIMITS, **criteria):
    result = search(files, EventFilter(**criteria), Redactor(DEFAULT_REDACT_PATTERNS), cursor=cursor,
                    max_events=max_events, now=now, limits=limits)
    result["events"] = decode_events(result.pop("events_gz"))
    return result


def serials(result):
    return [event["serial"] for event in result["events"]]


@pytest.mark.parametrize("name", ["audit-3.0.9-enriched.log", "audit-3.0.9-raw.log",
                                  "audit-3.0.9-interleaved.log"])
def test_key_search_finds_the_same_events_in_every_format(name):
    result = run(log_set(os.path.join(LOGS, name)), keys=["fa_watch"])
    assert serials(result) == WATCH_SERIALS
    assert result["count"] == 4 and result["count_by_key"] == {"fa_watch": 4}
    by_serial = {e["serial"]: e for e in result["events"]}
    assert [r["type"] for r in by_serial[16773]["records"]] == ["SYSCALL", "CWD", "PATH", "PATH", "PROCTITLE"]
    assert [r["type"] for r in by_serial[16774]["records"]] == ["SYSCALL", "CWD", "PATH", "PATH", "PROCTITLE"]


@pytest.mark.parametrize("name", ["audit-4.0.2-enriched.log", "audit-4.0.2-raw.log"])
def test_audit_4_0_log(name):
    log = log_set(os.path.join(LOGS, name))
    assert serials(run(log, keys=["fa_watch"])) == [138, 139, 140]
    assert serials(run(log, keys=["fa_multi"])) == [141, 142]
    assert serials(run(log, keys=["fa_watch"], message_types=["CONFIG_CHANGE"])) == [134, 136, 137, 150]
    executed = run(log, keys=["fa_watch"], message_types=["EXECVE"])["events"][0]["summary"]
    assert executed["argv"] == ["/tmp/w.nehP/my prog", "arg with space", "--password=[REDACTED]", "--token",
                                "[REDACTED]"]
    assert (executed["exe"], executed["cwd"], executed["auid"]) == ("/tmp/w.nehP/my prog", "/root", 0)


def test_second_key_of_a_multi_key_rule_is_found():
    multi = run(log_set(ENRICHED), keys=["fa_multi"])
    assert serials(multi) == DEL_SERIALS
    assert multi["count_by_key"] == {"fa_multi": 2}, "only the keys asked for are counted"
    assert serials(run(log_set(ENRICHED), keys=["fa_del", "fa_watch"])) == WATCH_SERIALS + DEL_SERIALS


def test_rule_changes_only_when_asked_for():
    result = run(log_set(ENRICHED), keys=["fa_watch"], message_types=["CONFIG_CHANGE"])
    assert serials(result) == [16771, 16784]


def test_full_scan_groups_each_event_once():
    everything = run(log_set(ENRICHED))
    assert sorted(serials(everything)) == sorted(set(serials(everything)))
    assert len(everything["events"]) == 23  # distinct serials in the file
    assert serials(run(log_set(ENRICHED), message_types=["USER_AUTH", "USER_ACCT"])) == [16777, 16778]
    assert serials(run(log_set(ENRICHED), success=False)) == [16792]


def by_node_time_serial(event):
    return event["node"] or "", event["time"], event["serial"]


@pytest.mark.parametrize("name", sorted(n for n in os.listdir(LOGS) if n.endswith(".log")))
@pytest.mark.parametrize("types", [["USER_AUTH", "USER_ACCT"], ["PATH"], ["EXECVE", "CWD"], ["CONFIG_CHANGE"]])
def test_message_type_search_and_full_scan_agree(name, types):
    # The byte pre-filter (`type=T msg=`) finds exactly the events of a full scan that hold a record
    # of one of the types, whole and alike.
    everything = run(log_set(os.path.join(LOGS, name)))["events"]
    expected = [event for event in everything if set(types).intersection(r["type"] for r in event["records"])]
    by_type = run(log_set(os.path.join(LOGS, name)), message_types=types)["events"]
    assert sorted(by_type, key=by_node_time_serial) == sorted(expected, key=by_node_time_serial)
    if name == "audit-3.0.9-enriched.log":
        assert expected, "the recorded log holds events of each of these types"


def test_small_windows_give_the_same_events():
    expected = serials(run(log_set(ENRICHED), keys=["fa_watch", "fa_del"]))
    full = sorted(serials(run(log_set(ENRICHED))))
    small = scan.ScanLimits(window=700, pending_events=2)
    assert serials(run(log_set(ENRICHED), keys=["fa_watch", "fa_del"], limits=small)) == expected
    assert sorted(serials(run(log_set(ENRICHED), limits=small))) == full


def test_key_cut_by_a_window_end_is_found():
    expected = serials(run(log_set(ENRICHED), keys=["fa_watch", "fa_del"]))
    text = open(ENRICHED, "rb").read()
    # Windows whose end falls inside a ` key="fa_watch"`: the event belongs to the window it starts in.
    cuts = [text.find(b' key="fa_watch"') + 5, text.rfind(b' key="fa_del"') + 3]
    for cut in cuts:
        found = run(log_set(ENRICHED), keys=["fa_watch", "fa_del"], limits=scan.ScanLimits(window=cut))
        assert serials(found) == expected, cut


def test_no_events_is_a_success_with_count_zero():
    result = run(log_set(ENRICHED), keys=["no-such-key"])
    assert result["count"] == 0 and result["events"] == [] and result["truncated"] is False


def test_max_events_truncates_and_the_cursor_resumes():
    files = log_set(ENRICHED)
    first = run(files, max_events=3, keys=["fa_watch", "fa_del"])
    assert serials(first) == WATCH_SERIALS[:3] and first["truncated"] is True
    rest = run(files, cursor=first["cursor"], keys=["fa_watch", "fa_del"])
    assert serials(rest) == WATCH_SERIALS[3:] + DEL_SERIALS and rest["truncated"] is False


def test_default_log_set_is_empty_before_auditd_wrote_a_log(tmp_path):
    # A host without kernel audit: the directory exists, auditd never ran.
    assert default_log_set(str(tmp_path / "audit.log")) == []
    assert run([], keys=["fa_watch"])["count"] == 0


def test_rotated_file_before_the_time_window_is_not_read(tmp_path):
    lines = recorded_lines()
    base = str(tmp_path / "audit.log")
    write(base, lines[:17])  # events up to 1795712050.927
    rotate(str(tmp_path))
    write(base, lines[17:])
    everything = run(default_log_set(base), keys=["fa_watch", "fa_del"])
    recent = run(default_log_set(base), keys=["fa_watch", "fa_del"], start=1795712058.0)
    assert serials(recent) == DEL_SERIALS
    assert recent["scanned_bytes"] == os.path.getsize(base) < everything["scanned_bytes"]


def write_copies(path, copies):
    """The recorded events again and again: copy (shift, number) is 100 * shift seconds later than
    the recording, its serials 1000 * number higher."""
    lines = recorded_lines()
    with open(path, "wb") as handle:
        for shift, number in copies:
            for line in lines:
                handle.write(re.sub(rb"audit\((\d+)\.(\d+):(\d+)\)", lambda m: b"audit(%d.%s:%d)" % (
                    int(m.group(1)) + 100 * shift, m.group(2), int(m.group(3)) + 1000 * number), line))


def test_time_window_start_is_found_without_reading_the_older_part(tmp_path):
    base = str(tmp_path / "audit.log")
    write_copies(base, [(copy, copy) for copy in range(40)])
    start = 1795712050 + 100 * 30
    found = run(log_set(base), keys=["fa_watch"], start=start, limits=scan.ScanLimits(bisect_slack=2048))
    assert serials(found) == [s + 1000 * c for c in range(30, 40) for s in WATCH_SERIALS]
    assert found["scanned_bytes"] < os.path.getsize(base) / 3


# Copies 10 to 14 of the recorded events (write_copies), searched after copy 99.
WINDOW_START, WINDOW_END = 1795712000 + 100 * 10, 1795712000 + 100 * 15 - 0.001
AFTER_COPIES = 1795712000 + 100 * 100
NO_STOP = scan.ScanLimits(window_end_slack=None)


@pytest.mark.parametrize("criteria", [{}, {"keys": ["fa_watch", "fa_del"]}, {"message_types": ["PATH"]}])
def test_a_time_window_search_stopping_past_the_end_returns_and_leaves_what_reading_on_does(tmp_path, criteria):
    base = str(tmp_path / "audit.log")
    write_copies(base, [(copy, copy) for copy in range(40)])
    window = dict(criteria, start=WINDOW_START, end=WINDOW_END, now=AFTER_COPIES)
    stopped, read_on = run(log_set(base), **window), run(log_set(base), limits=NO_STOP, **window)
    assert stopped["events"] and stopped["events"] == read_on["events"]
    assert stopped["cursor"] == read_on["cursor"]
    # From copy 10 to copy 16, where a record is more than a minute past the end: 7 of 30 copies.
    assert stopped["scanned_bytes"] < read_on["scanned_bytes"] / 3
    later = dict(criteria, start=WINDOW_START, end=WINDOW_END + 1000, now=AFTER_COPIES)
    assert run(log_set(base), cursor=stopped["cursor"], **later)["events"] \
        == run(log_set(base), cursor=read_on["cursor"], limits=NO_STOP, **later)["events"]


def test_a_damaged_time_stamp_past_the_window_end_neither_stops_the_scan_nor_fails_it(tmp_path):
    base = str(tmp_path / "audit.log")
    write_copies(base, [(copy, copy) for copy in range(30)])
    with open(base, "rb") as handle:
        lines = handle.read().splitlines(keepends=True)
    # A record whose time stamp lost its digits, among copy 15's (less than the slack past the end):
    # not an event, and no time.
    cut = len(lines) // 30 * 15 + 1
    damaged = re.sub(rb"audit\([^)]*\)", b"audit(x.y:z)", lines[cut])
    with open(base, "wb") as handle:
        handle.writelines(lines[:cut] + [damaged] + lines[cut:])
    window = dict(start=WINDOW_START, end=WINDOW_END, now=AFTER_COPIES)
    assert run(log_set(base), **window)["events"] == run(log_set(base), limits=NO_STOP, **window)["events"]


def test_an_event_written_long_after_the_window_end_is_left_for_the_next_run(tmp_path):
    # Copy 12's events written again, as if late, after records an hour past the window's end.
    base = str(tmp_path / "audit.log")
    write_copies(base, [(copy, copy) for copy in range(50)] + [(12, 99)])
    late = [serial + 99000 for serial in WATCH_SERIALS]
    window = dict(keys=["fa_watch"], start=WINDOW_START, end=WINDOW_END, now=AFTER_COPIES)
    assert set(late) <= set(serials(run(log_set(base), limits=NO_STOP, **window)))
    first = run(log_set(base), **window)
    assert not set(late) & set(serials(first))
    again = run(log_set(base), cursor=first["cursor"], keys=["fa_watch"], start=WINDOW_START, now=AFTER_COPIES)
    assert set(late) <= set(serials(again))
    assert not set(serials(first)) & set(serials(again))


def test_incremental_cursor_across_rotations_loses_and_repeats_nothing(tmp_path):
    lines = recorded_lines()
    base = str(tmp_path / "audit.log")
    keys = ["fa_watch", "fa_del"]
    seen = []
    # Log written in pieces, with rotations between and during runs.
    write(base, lines[:12])  # up to the middle of event 16773
    first = run(default_log_set(base), keys=keys)
    seen += serials(first)
    cursor = first["cursor"]
    write(base, lines[12:20])
    rotate(str(tmp_path))
    write(base, lines[20:30])
    second = run(default_log_set(base), cursor=cursor, keys=keys)
    assert second["cursor_lost"] is False
    seen += serials(second)
    cursor = second["cursor"]
    nothing = run(default_log_set(base), cursor=cursor, keys=keys)
    assert nothing["count"] == 0 and nothing["scanned_bytes"] == 0
    rotate(str(tmp_path))
    rotate(str(tmp_path))
    write(base, lines[30:])
    third = run(default_log_set(base), cursor=cursor, keys=keys)
    seen += serials(third)
    assert seen == WATCH_SERIALS + DEL_SERIALS


def test_event_cut_by_the_cursor_is_returned_whole_once(tmp_path):
    lines = recorded_lines()
    base = str(tmp_path / "audit.log")
    write(base, lines[:9])  # SYSCALL and CWD of 16773, the rest not written yet
    young = 1795712050.923 + 1  # the cut event is 1 s old: it may still grow
    first = run(default_log_set(base), now=young, keys=["fa_watch"])
    assert first["count"] == 0
    write(base, lines[9:])
    second = run(default_log_set(base), cursor=first["cursor"], keys=["fa_watch"])
    assert serials(second) == WATCH_SERIALS
    assert len(second["events"][0]["records"]) == 5


def test_truncated_log_is_read_again_from_its_start(tmp_path):
    lines = recorded_lines()
    base = str(tmp_path / "audit.log")
    write(base, lines[:17])  # events up to 16774
    first = run(default_log_set(base), keys=["fa_watch"])
    assert serials(first) == WATCH_SERIALS[:2]
    with open(base, "wb") as handle:  # truncated in place, then written on
        handle.writelines(lines[17:24])
    second = run(default_log_set(base), cursor=first["cursor"], keys=["fa_watch"])
    assert second["cursor_lost"] is True
    assert serials(second) == [16775]


@pytest.mark.parametrize("name", ["audit-3.0.9-enriched.log", "audit-3.0.9-interleaved.log",
                                  "audit-4.0.2-enriched.log"])
@pytest.mark.parametrize("criteria", [{"keys": ["fa_watch"]}, {"message_types": ["PATH"]}, {}],
                         ids=["key", "type", "all"])
def test_rotation_between_two_records_of_an_event_changes_no_event(tmp_path, name, criteria):
    # auditd rotates between records, not events: wherever the log is cut, the search of the two
    # files gives the events of the uncut log, each whole and once (a rotated file's last events
    # are emitted when it ends, so the order may differ), whichever file holds the matching record.
    with open(os.path.join(LOGS, name), "rb") as handle:
        lines = handle.read().splitlines(keepends=True)
    after_all = 1795799999.0

    def events(files):
        return sorted(run(files, now=after_all, **criteria)["events"], key=lambda e: (e["time"], e["serial"]))

    whole = events(log_set(os.path.join(LOGS, name)))
    assert len(whole) >= 3
    for cut in range(1, len(lines)):
        directory = tmp_path / str(cut)
        directory.mkdir()
        write(str(directory / "audit.log.1"), lines[:cut])
        write(str(directory / "audit.log"), lines[cut:])
        assert events(log_set(str(directory))) == whole, "log cut before line %d" % (cut + 1)


def test_cursor_file_rotated_away_falls_back_to_time_and_serial(tmp_path):
    lines = recorded_lines()
    base = str(tmp_path / "audit.log")
    write(base, lines[:17])  # events up to 16774
    first = run(default_log_set(base), keys=["fa_watch"])
    os.unlink(base)
    write(base, lines[12:])  # a new file from the middle of the old one on
    second = run(default_log_set(base), cursor=first["cursor"], keys=["fa_watch"])
    assert second["cursor_lost"] is True
    assert serials(second) == WATCH_SERIALS[2:]


def test_transfer_is_compressed():
    result = run(log_set(ENRICHED))
    assert 0 < result["transfer_bytes"] < result["events_bytes"]


def test_lost_cursor_leaves_out_only_what_earlier_runs_returned(tmp_path):
    # With its file truncated, the cursor tells returned events by time and serial: those of the
    # earlier runs. A full scan returns a syscall event once complete, before the one-record events
    # logged before it; these are new all the same.
    lines = recorded_lines()
    base = str(tmp_path / "audit.log")
    write(base, lines[:17])  # events up to 16774
    first = run(default_log_set(base))
    with open(base, "wb") as handle:  # truncated in place, then written on
        handle.writelines(lines[17:])
    second = run(default_log_set(base), cursor=first["cursor"])
    assert second["cursor_lost"] is True
    assert sorted(serials(second)) == list(range(16775, 16794))


@pytest.mark.parametrize("name", ["audit-3.0.9-enriched.log", "audit-3.0.9-interleaved.log"])
@pytest.mark.parametrize("max_events", [1, 2, 5])
def test_max_events_pages_through_a_full_scan(name, max_events):
    # Runs resumed at the cursor, a few events each, return every event of the log once: those begun
    # before the last one returned but not grouped yet (one-record events, interleaved ones) too.
    files = log_set(os.path.join(LOGS, name))
    returned, cursor = [], None
    for _page in range(30):
        result = run(files, cursor=cursor, max_events=max_events)
        returned += result["events"]
        cursor = result["cursor"]
        if not result["truncated"]:
            break
    whole = {event["serial"]: event for event in run(files)["events"]}
    assert sorted(event["serial"] for event in returned) == sorted(whole)
    assert [event["records"] for event in returned] == [whole[event["serial"]]["records"] for event in returned]


def test_events_after_one_left_for_later_are_returned_once(tmp_path):
    # A one-record event younger than EVENT_TIMEOUT may still be growing: the cursor stays before it
    # while the complete events after it are returned, and stay returned however many runs it waits.
    base = str(tmp_path / "audit.log")
    write(base, recorded_lines()[29:])  # 16777 (USER_AUTH, at 1795712050.955) to 16793
    young = 1795712050.955 + 1
    returned, cursor = [], None
    for now in (young, young, LATER):
        result = run(default_log_set(base), cursor=cursor, now=now)
        returned += serials(result)
        cursor = result["cursor"]
    assert sorted(returned) == list(range(16777, 16794))


@pytest.mark.parametrize("criteria", [{"message_types": ["PATH"]}, {}], ids=["type", "all"])
def test_event_cut_by_a_rotation_and_still_growing_is_returned_whole_once(tmp_path, criteria):
    lines = recorded_lines()
    base = str(tmp_path / "audit.log")
    write(base, lines[:8])  # up to the SYSCALL record of 16773
    rotate(str(tmp_path))
    write(base, lines[8:10])  # its CWD and PATH records; the others are not written yet
    first = run(default_log_set(base), now=1795712050.923 + 1, **criteria)
    write(base, lines[10:])
    second = run(default_log_set(base), cursor=first["cursor"], **criteria)
    cut = [event for event in first["events"] + second["events"] if event["serial"] == 16773]
    assert [[record["type"] for record in event["records"]] for event in cut] == [
        ["SYSCALL", "CWD", "PATH", "PATH", "PROCTITLE"]]


def test_event_cut_by_a_rotation_before_a_young_one_is_returned_once(tmp_path):
    # 16773 is returned whole from both files; the next run reads the new file again from the young
    # event logged between the two parts of 16773, and must not return the second part again.
    lines = recorded_lines()
    base = str(tmp_path / "audit.log")
    write(base, lines[:8])  # up to the SYSCALL record of 16773
    rotate(str(tmp_path))
    write(base, lines[29:30] + lines[8:12])  # 16777 (USER_AUTH), then the rest of 16773
    first = run(default_log_set(base), now=1795712050.955 + 1)
    second = run(default_log_set(base), cursor=first["cursor"])
    assert serials(first) == [16771, 16772, 16773] and serials(second) == [16777]


@pytest.mark.parametrize("rotated", [True, False], ids=["after-a-rotation", "before-any-event"])
def test_cursor_on_an_empty_log_is_not_taken_in_by_its_inode_reused(tmp_path, rotated):
    # A run finds the log empty: right after a rotation, or before auditd logged anything. That file
    # is later rotated away and dropped (num_logs 2), and the file system gives its inode to the
    # next new log.
    lines = recorded_lines()
    base = str(tmp_path / "audit.log")
    write(base, lines[:17] if rotated else [])  # events up to 16774
    if rotated:
        rotate(str(tmp_path), keep=2)
    first = run(default_log_set(base), keys=["fa_watch"])
    assert serials(first) == (WATCH_SERIALS[:2] if rotated else [])
    write(base, lines[17:24])  # 16775, into the file the cursor is on
    rotate(str(tmp_path), keep=2)
    write(base, lines[24:29])  # 16776
    os.rename(base + ".1", base + ".dropped")  # the next rotation drops it, and its inode ...
    os.rename(base, base + ".1")
    os.rename(base + ".dropped", base)  # ... goes to the new log
    os.truncate(base, 0)
    write(base, lines[29:])
    second = run(default_log_set(base), cursor=first["cursor"], keys=["fa_watch", "fa_del"])
    assert serials(second) == WATCH_SERIALS[3:] + DEL_SERIALS  # 16775 went with the dropped file


def test_max_events_keeps_the_events_returned_beyond_where_it_stops(tmp_path):
    # 16773 and 16774 are young and without their PROCTITLE records when 16775 is returned; the
    # next run, bounded to one event, stops at 16774: 16775 lies beyond, and stays returned.
    lines = recorded_lines()
    base = str(tmp_path / "audit.log")
    write(base, lines[7:11] + lines[12:16] + lines[17:24])
    first = run(default_log_set(base), now=1795712050.931 + 0.5, keys=["fa_watch"])
    write(base, lines[11:12] + lines[16:17])  # their PROCTITLE records
    second = run(default_log_set(base), cursor=first["cursor"], max_events=1, keys=["fa_watch"])
    third = run(default_log_set(base), cursor=second["cursor"], keys=["fa_watch"])
    assert (serials(first), serials(second), serials(third)) == ([16775], [16773], [16774])


def test_lost_cursor_returns_the_events_left_for_later(tmp_path):
    # The first run leaves the young one-record events 16777 (in the rotated file) and 16778 for
    # later, and returns 16784. The cursor's file is then dropped: 16778, older than 16784 but
    # never returned, is still due.
    lines = recorded_lines()
    base = str(tmp_path / "audit.log")
    write(base, lines[:30])  # up to 16777 (USER_AUTH, at 1795712050.955)
    rotate(str(tmp_path))
    write(base, lines[30:31] + lines[36:40])  # 16778 (USER_ACCT), 16784 (a rule change)
    first = run(default_log_set(base), now=1795712051.6)
    assert serials(first) == [16771, 16772, 16773, 16774, 16775, 16776, 16784]
    os.unlink(base + ".1")
    rotate(str(tmp_path))
    second = run(default_log_set(base), cursor=first["cursor"])
    assert second["cursor_lost"] is True
    assert serials(second) == [16778]


def test_incremental_run_with_an_end_leaves_the_later_events_for_the_next_run(tmp_path):
    lines = recorded_lines()
    base = str(tmp_path / "audit.log")
    write(base, lines)
    first = run(default_log_set(base), keys=["fa_watch", "fa_del"], end=1795712051.0)
    assert serials(first) == WATCH_SERIALS
    second = run(default_log_set(base), cursor=first["cursor"], keys=["fa_watch", "fa_del"])
    assert serials(second) == DEL_SERIALS


def test_cursor_of_another_log_set_is_refused(tmp_path):
    # Two incremental searches of the same name, one of the system's log, one of a copy elsewhere:
    # told apart by time and serial alone, one would skip or repeat the other's events unseen.
    lines = recorded_lines()
    system, copy = tmp_path / "audit", tmp_path / "copy"
    system.mkdir()
    copy.mkdir()
    write(str(system / "audit.log"), lines[:17])
    write(str(copy / "audit.log"), lines)
    cursor = run(default_log_set(str(system / "audit.log")), keys=["fa_watch"])["cursor"]
    with pytest.raises(LogSetError, match="cursor was made for .*/audit/audit.log, which this search does not read"):
        run(log_set(str(copy)), cursor=cursor, keys=["fa_watch"])
    rotate(str(system))
    assert serials(run(default_log_set(str(system / "audit.log")), cursor=cursor, keys=["fa_watch"])) == []


def test_lost_cursor_moved_back_by_max_events_repeats_nothing(tmp_path):
    # logrotate's copytruncate: the log is copied to audit.log.1 and truncated, so the cursor's file
    # is lost and its events are told apart by time and serial. That run, bounded by max_events,
    # leaves the cursor in the copy before events it told apart that way: the next run, which has
    # a cursor again, must not return them.
    lines = recorded_lines()
    base = str(tmp_path / "audit.log")
    write(base, lines[:36])  # 16771 to 16783, its one-record events last
    first = run(default_log_set(base))
    write(base, lines[36:])
    shutil.copyfile(base, base + ".1")
    os.truncate(base, 0)
    second = run(default_log_set(base), cursor=first["cursor"], max_events=2)
    third = run(default_log_set(base), cursor=second["cursor"])
    assert second["cursor_lost"] is True and second["truncated"] is True
    assert sorted(serials(first) + serials(second) + serials(third)) == list(range(16771, 16794))


COLLECTOR_LOG = os.path.join(LOGS, "collector-3.0.9.log")
AFTER_COLLECTION = 1796428000.0


@pytest.mark.parametrize("criteria, expected", [
    ({"node": "web1"}, [("web1", 610), ("web1", 611)]),
    ({"node": "web2"}, [("web2", 500), ("web2", 501)]),
    ({"node": "web2", "keys": ["identity"]}, [("web2", 500)]),
    ({"node": "web1", "message_types": ["USER"]}, [("web1", 611)]),
    ({"node": "web"}, []),  # exact, not a prefix
    ({"keys": ["identity"]}, [("web2", 500), ("web1", 610)]),
])
def test_node_picks_one_clients_events_from_a_collectors_log(criteria, expected):
    result = run(log_set(COLLECTOR_LOG), now=AFTER_COLLECTION, **criteria)
    assert [(event["node"], event["serial"]) for event in result["events"]] == expected


SAME_STAMP_LOG = os.path.join(LOGS, "collector-same-stamp.log")
AFTER_SAME_STAMP = 1796428200.0


def _by_node(result):
    return {event["node"]: event for event in result["events"]}


@pytest.mark.parametrize("criteria", [{}, {"message_types": ["SYSCALL"]}, {"keys": ["identity", "logins"]}])
def test_events_of_two_nodes_with_one_time_stamp_and_serial_stay_apart(criteria):
    # Two clients' events of the same time and serial, their records interleaved on the collector.
    result = run(log_set(SAME_STAMP_LOG), now=AFTER_SAME_STAMP, **criteria)
    syscalls = _by_node({"events": [e for e in result["events"] if e["records"][0]["type"] == "SYSCALL"]})
    assert sorted(syscalls) == ["db1", "db2"]
    assert [r["type"] for r in syscalls["db1"]["records"]] == ["SYSCALL", "CWD", "PATH", "PATH", "PROCTITLE"]
    assert [r["type"] for r in syscalls["db2"]["records"]] == ["SYSCALL", "CWD", "PATH", "PATH", "PROCTITLE"]
    assert syscalls["db1"]["keys"] == ["identity"] and syscalls["db2"]["keys"] == ["logins"]
    assert syscalls["db2"]["summary"]["cwd"] == "/home/u"


@pytest.mark.parametrize("node, text", [("db1", "fleetaudit-probe-db1"), ("db2", "fleetaudit-probe-db2"),
                                        (None, "local-no-node")])
def test_a_probe_is_found_under_its_own_node_when_another_shares_its_stamp(node, text):
    events = run(log_set(SAME_STAMP_LOG), now=AFTER_SAME_STAMP, message_types=["USER"])["events"]
    [event] = [e for e in events if e["node"] == node]
    assert [r["fields"]["text"] for r in event["records"]] == [text]
    if node:
        [only] = run(log_set(SAME_STAMP_LOG), now=AFTER_SAME_STAMP, node=node, message_types=["USER"])["events"]
        assert only["records"][0]["fields"]["text"] == text


def test_incremental_search_of_two_nodes_with_one_stamp_returns_each_event_once(tmp_path):
    with open(SAME_STAMP_LOG, "rb") as handle:
        lines = handle.read().splitlines(keepends=True)
    base = str(tmp_path / "audit.log")
    # The first run ends after db1's USER record and before db2's of the same stamp.
    write(base, lines[:13])
    first = run(default_log_set(base), now=AFTER_SAME_STAMP)
    write(base, lines[13:])
    second = run(default_log_set(base), cursor=first["cursor"], now=AFTER_SAME_STAMP)
    found = [(e["node"] or "", e["serial"]) for e in first["events"] + second["events"]]
    assert sorted(found) == [("", 701), ("db1", 700), ("db1", 701), ("db2", 700), ("db2", 701),
                             ("fa-collect-lane", 6290), ("fa-collect-lane", 6291)]
    assert ("db2", 701) in [(e["node"], e["serial"]) for e in second["events"]]


def test_collectors_own_records_have_its_node():
    result = run(log_set(COLLECTOR_LOG), now=AFTER_COLLECTION, node="fa-collect-lane")
    types = {event["summary"]["type"] for event in result["events"]}
    assert types == {"DAEMON_START", "DAEMON_ACCEPT", "DAEMON_CLOSE"}


def test_default_log_set_orders_rotated_files_oldest_first(tmp_path):
    lines = recorded_lines()
    base = str(tmp_path / "audit.log")
    write(base, lines[:10])
    rotate(str(tmp_path))
    write(base, lines[10:20])
    rotate(str(tmp_path))
    write(base, lines[20:])
    assert [os.path.basename(f.path) for f in default_log_set(base)] == ["audit.log.2", "audit.log.1", "audit.log"]
    assert [os.path.basename(f.path) for f in log_set(str(tmp_path))] == ["audit.log.2", "audit.log.1", "audit.log"]
    assert serials(run(default_log_set(base), keys=["fa_watch"])) == WATCH_SERIALS


def test_log_directory_leaves_out_compressed_files(tmp_path):
    # logrotate's `compress` leaves audit.log.2.gz beside the logs: not text, and, read after the
    # live log, it took the cursor away from it (new events were never read again).
    lines = recorded_lines()
    with gzip.open(str(tmp_path / "audit.log.2.gz"), "wb") as handle:
        handle.writelines(lines[:7])
    write(str(tmp_path / "audit.log"), lines[7:17])
    assert [os.path.basename(f.path) for f in log_set(str(tmp_path))] == ["audit.log"]
    first = run(log_set(str(tmp_path)), keys=["fa_watch"])
    write(str(tmp_path / "audit.log"), lines[17:29])
    assert serials(run(log_set(str(tmp_path)), cursor=first["cursor"], keys=["fa_watch"])) == WATCH_SERIALS[2:]


def test_annotate_adds_summary_fields_before_the_events_are_compressed():
    """What the module did before (decode the compressed events, add the fields, encode them again)
    gives the same bytes as the hook, which sees each returned event's redacted records once."""
    files = log_set(ENRICHED)
    seen = []

    def annotate(records):
        seen.append((records[0]["serial"], any("[REDACTED]" in json.dumps(r["fields"]) for r in records)))
        return {"container": {"id": "c%d" % records[0]["serial"], "name": None}, "runtime": "docker"}

    redactor = Redactor(DEFAULT_REDACT_PATTERNS)
    annotated = search(files, EventFilter(), redactor, now=LATER, annotate=annotate)
    plain = search(files, EventFilter(), redactor, now=LATER)
    again = []
    for event in decode_events(plain["events_gz"]):
        event["summary"].update(container={"id": "c%d" % event["serial"], "name": None}, runtime="docker")
        again.append(json.dumps(event, separators=(",", ":")) + "\n")
    assert zlib.decompress(base64.b64decode(annotated["events_gz"]), 31).decode() == "".join(again)
    assert [serial for serial, _redacted in seen] == [event["serial"] for event in decode_events(plain["events_gz"])]
    assert any(redacted for _serial, redacted in seen)  # the hook sees what is returned, redacted
    assert annotated["events_bytes"] == len("".join(again).encode())
