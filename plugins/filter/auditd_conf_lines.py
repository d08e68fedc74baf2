# Copyright: (c) 2026, fleetaudit maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: auditd_conf_lines
short_description: Check auditd.conf settings as auditd does and turn them into lines
version_added: 1.0.0
author: fleetaudit maintainers (@fleetaudit)
description:
  - Takes the C(auditd_conf) settings of the P(fleetaudit.auditd.auditd#role) role, puts them over
    the role's defaults and checks every value the way auditd's own parser does (numbers,
    enumerations such as C(ROTATE) or C(KEEP_LOGS), C(exec) actions, percentages, paths, yes/no,
    C(space_left) above C(admin_space_left), C(flush) with C(freq), line length), so that a value
    auditd would refuse at start fails on the controller, before anything is written.
  - Fails with one message per refused setting, naming C(auditd_conf.<setting>), the value and what
    auditd accepts.
  - Booleans are written as C(yes) and C(no).
options:
  _input:
    description: The settings, a dictionary of setting names and values.
    type: dict
    required: true
  defaults:
    description: Settings the input goes over.
    type: dict
    default: {}
  version:
    description: The audit version of the host (C(3.0), C(4.0.2)); settings of newer audit versions are refused.
    type: str
    default: "3.0"
"""

EXAMPLES = r"""
- name: Lines of auditd.conf, checked
  ansible.builtin.set_fact:
    conf_lines: "{{ {'max_log_file': 50, 'num_logs': 10} | fleetaudit.auditd.auditd_conf_lines({'space_left': 75}, '3.0') }}"
"""

RETURN = r"""
_value:
  description: C(name = value) lines, the defaults first in their order.
  type: list
  elements: str
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.fleetaudit.auditd.plugins.module_utils.auditd_conf import conf_errors, conf_lines


def auditd_conf_lines(settings, defaults=None, version="3.0"):
    if not isinstance(settings, dict):
        raise AnsibleFilterError("auditd_conf must be a dictionary of auditd.conf settings, got %s"
                                 % type(settings).__name__)
    merged = dict(defaults or {})
    merged.update(settings)
    errors = conf_errors(merged, user_keys=settings, version=version)
    if errors:
        raise AnsibleFilterError("%d auditd.conf setting(s) that auditd would refuse, nothing written: %s"
                                 % (len(errors), "; ".join(errors)))
    return conf_lines(merged)


class FilterModule:
    def filters(self):
        return {"auditd_conf_lines": auditd_conf_lines}
