"""Time words and ISO 8601 times, as ausearch reads them."""

import datetime
import time

import pytest

from ansible_collections.fleetaudit.auditd.plugins.module_utils.timespec import parse_time


NOW = time.mktime(datetime.datetime(2026, 11, 26, 16, 54, 10).timetuple())  # a Thursday, local time


@pytest.mark.parametrize("word,expected", [
    ("now", datetime.datetime(2026, 11, 26, 16, 54, 10)),
    ("recent", datetime.datetime(2026, 11, 26, 16, 44, 10)),
    ("today", datetime.datetime(2026, 11, 26)),
    ("yesterday", datetime.datetime(2026, 11, 25)),
    ("week-ago", datetime.datetime(2026, 11, 19)),
    ("this-week", datetime.datetime(2026, 11, 22)),
    ("this-month", datetime.datetime(2026, 11, 1)),
    ("this-year", datetime.datetime(2026, 1, 1)),
    ("2026-11-26T10:00:00", datetime.datetime(2026, 11, 26, 10)),
])
def test_time_words_in_local_time(word, expected):
    assert parse_time(word, now=NOW) == time.mktime(expected.timetuple())


def test_today_as_an_end_is_now_as_ausearch_reads_it():
    # ausearch -te today and aureport -te today end now, not at midnight; the other words do not
    # change with the side of the window.
    assert parse_time("today", now=NOW, end=True) == NOW
    assert parse_time("yesterday", now=NOW, end=True) == parse_time("yesterday", now=NOW)


def test_iso_times_with_offsets_and_boot():
    assert parse_time("2026-11-26T16:54:10Z") == 1795712050
    assert parse_time("2026-11-26T17:54:10.5+01:00") == 1795712050.5
    assert parse_time("boot", boot_time=1234.0) == 1234.0


@pytest.mark.parametrize("text", ["2026-11-26T17:54:10.5+01:00", "2026-11-26 17:54:10,500+0100",
                                  "2026-11-26t16:54:10.5z", "2026-11-26T17:54:10.500000000+01",
                                  "2026-11-26T15:54:10.5-01:00"])
def test_iso_times_read_alike_on_every_host_python(text):
    # Python 3.7 to 3.10 read only a fraction of 3 or 6 digits and an offset as +HH:MM.
    assert parse_time(text) == 1795712050.5


def test_iso_times_without_seconds_or_time_are_local():
    assert parse_time("2026-11-26T17:54") == time.mktime((2026, 11, 26, 17, 54, 0, 0, 0, -1))
    assert parse_time("2026-11-26") == time.mktime((2026, 11, 26, 0, 0, 0, 0, 0, -1))


def test_bad_time_fails_with_the_accepted_forms():
    with pytest.raises(ValueError, match="bad time 'tomorrow'.*this-week"):
        parse_time("tomorrow")
