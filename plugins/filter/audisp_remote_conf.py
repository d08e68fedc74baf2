# Copyright: (c) 2026, fleetaudit maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: audisp_remote_conf
short_description: Render a validated audisp-remote.conf
version_added: 1.1.0
author: fleetaudit maintainers (@fleetaudit)
description:
  - Renders the settings of C(audisp-remote.conf(5)) (audit 3.0.x and 4.0.x) as the file's text.
  - Fails, naming every wrong setting and what it should be, on unknown settings, bad values, a
    missing C(remote_server), and C(mode=forward) without C(format=managed).
options:
  _input:
    description: The settings, a dict of setting name to value.
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Render the client's settings
  ansible.builtin.debug:
    msg: "{{ {'remote_server': 'collector.example.org', 'port': 60, 'format': 'managed'} | fleetaudit.auditd.audisp_remote_conf }}"
"""

RETURN = r"""
_value:
  description: The text of C(audisp-remote.conf).
  type: str
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.fleetaudit.auditd.plugins.module_utils.audit_remote import remote_conf


def audisp_remote_conf(settings):
    if not isinstance(settings, dict):
        raise AnsibleFilterError("audisp-remote settings must be a dict, got %s" % type(settings).__name__)
    try:
        return remote_conf(settings)
    except ValueError as exc:
        raise AnsibleFilterError(str(exc)) from None


class FilterModule:
    def filters(self):
        return {"audisp_remote_conf": audisp_remote_conf}
