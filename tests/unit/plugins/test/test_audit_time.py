"""The audit_time test: the times the ausearch and aureport modules take, checked on the controller."""

import pytest

from ansible_collections.fleetaudit.auditd.plugins.test import audit_time as plugin
from ansible_collections.fleetaudit.auditd.plugins.test.audit_time import audit_time


@pytest.mark.parametrize("value", [
    "now", "recent", "boot", "today", "yesterday", "this-week", "week-ago", "this-month", "this-year", "Recent",
    "2026-12-04", "2026-12-04T10:00:00", "2026-12-04 10:00:00", "2026-12-04T10:00:00Z", "2026-12-04T10:00:00+02:00",
])
def test_times_the_modules_take(value):
    assert audit_time(value)


@pytest.mark.parametrize("value", ["yesterdayish", "2026-13-45", "10 minutes ago", "", "12/04/2026"])
def test_other_values_are_not_times(value):
    assert not audit_time(value)


def test_it_is_the_collections_audit_time_test():
    assert plugin.TestModule().tests() == {"audit_time": audit_time}
