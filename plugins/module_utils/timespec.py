# -*- coding: utf-8 -*-
# Copyright: (c) fleetaudit maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Times as ausearch and aureport take them (-ts, -te): its words, and ISO 8601 times."""

from __future__ import annotations

import calendar
import datetime
import re
import time

# Time words, as ausearch understands them (man ausearch, -ts).
TIME_WORDS = ("now", "recent", "boot", "today", "yesterday", "this-week", "week-ago", "this-month",
              "this-year")


def _local_midnight(now, days_back=0):
    day = datetime.datetime.fromtimestamp(now).replace(hour=0, minute=0, second=0, microsecond=0)
    day -= datetime.timedelta(days=days_back)
    return time.mktime(day.timetuple())


# An ISO 8601 date and time in the forms Python 3.11's datetime.fromisoformat reads and older ones
# do not: a fraction of any length (",5" too), an offset as Z, +HH or +HHMM.
_ISO_TIME = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}(?::\d{2}(?::\d{2})?)?)(?:[.,](\d+))?"
                       r"(?:(Z)|([+-]\d{2}):?(\d{2})?)?)?\Z", re.IGNORECASE)


def _iso_datetime(text):
    """datetime.fromisoformat(text) as Python 3.11 reads it, on the hosts' older Pythons too (they
    take a fraction of 3 or 6 digits only, and an offset only as +HH:MM)."""
    match = _ISO_TIME.match(text)
    if not match:
        return datetime.datetime.fromisoformat(text)
    date, clock, fraction, utc, offset_hours, offset_minutes = match.groups()
    iso = date
    if clock:
        iso += "T" + clock
        if fraction:
            iso += "." + (fraction + "000000")[:6]
        if utc:
            iso += "+00:00"
        elif offset_hours:
            iso += offset_hours + ":" + (offset_minutes or "00")
    return datetime.datetime.fromisoformat(iso)


def parse_time(value, now=None, boot_time=None, end=False):
    """An ausearch time word or an ISO 8601 time -> POSIX seconds. Naive ISO times are local time,
    like ausearch's. As the end of a window (end=True), `today` means now, as ausearch reads it."""
    now = time.time() if now is None else now
    word = value.strip().lower()
    if word == "now" or (end and word == "today"):
        return now
    if word == "recent":
        return now - 600
    if word == "boot":
        if boot_time is None:
            raise ValueError("the boot time is unknown on this host")
        return boot_time
    if word == "today":
        return _local_midnight(now)
    if word == "yesterday":
        return _local_midnight(now, 1)
    if word == "week-ago":
        return _local_midnight(now, 7)
    if word == "this-week":
        # Day 0 of the week in the C locale is Sunday.
        weekday = (datetime.datetime.fromtimestamp(now).weekday() + 1) % 7
        return _local_midnight(now, weekday)
    if word in ("this-month", "this-year"):
        day = datetime.datetime.fromtimestamp(now).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        if word == "this-year":
            day = day.replace(month=1)
        return time.mktime(day.timetuple())
    try:
        moment = _iso_datetime(value.strip())
    except ValueError:
        raise ValueError("bad time %r: use an ISO 8601 time or one of %s" % (value, ", ".join(TIME_WORDS)))
    if moment.tzinfo is None:
        return time.mktime(moment.timetuple()) + moment.microsecond / 1e6
    return calendar.timegm(moment.utctimetuple()) + moment.microsecond / 1e6
