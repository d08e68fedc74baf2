# Copyright: (c) 2026, fleetaudit maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: audit_time
short_description: Whether a value is a time the ausearch and aureport modules take
version_added: 1.0.0
author: fleetaudit maintainers (@fleetaudit)
description:
  - True for an ISO 8601 time (local time when it has no offset) and for the C(ausearch) words
    V(now), V(recent), V(boot), V(today), V(yesterday), V(this-week), V(week-ago), V(this-month) and
    V(this-year), as O(fleetaudit.auditd.ausearch#module:start) and
    O(fleetaudit.auditd.ausearch#module:end) take them.
  - Checked on the controller, so that a play can refuse a bad time before anything runs on a host.
options:
  _input:
    description: The value to check.
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Refuse a bad start time before anything is written
  ansible.builtin.assert:
    that: gather_start is fleetaudit.auditd.audit_time
    fail_msg: "gather_start: bad time {{ gather_start }}"
"""

RETURN = r"""
_value:
  description: Whether the value is such a time.
  type: bool
"""

from ansible_collections.fleetaudit.auditd.plugins.module_utils.timespec import parse_time


def audit_time(value):
    try:
        # Any boot time will do: only the form is checked here.
        parse_time(str(value), boot_time=0)
    except ValueError:
        return False
    return True


class TestModule:
    def tests(self):
        return {"audit_time": audit_time}
