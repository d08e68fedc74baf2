# Copyright: (c) 2026, fleetaudit maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: audit_collector_conf
short_description: Render a validated auditd.conf for an audit collector
version_added: 1.1.0
author: fleetaudit maintainers (@fleetaudit)
description:
  - Renders C(auditd.conf) settings as the file's text for an auditd that receives events from
    C(audisp-remote) clients.
  - Fails, naming every wrong setting, on a missing or bad C(tcp_listen_port), bad
    C(tcp_max_per_addr), C(tcp_client_ports) or C(tcp_client_max_idle), and a C(space_left)
    not above C(admin_space_left) (auditd exits at start then).
options:
  _input:
    description: The settings, a dict of setting name to value, in the order they are written.
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Render a collector's auditd.conf
  ansible.builtin.debug:
    msg: "{{ {'tcp_listen_port': 60, 'local_events': 'no'} | fleetaudit.auditd.audit_collector_conf }}"
"""

RETURN = r"""
_value:
  description: The text of C(auditd.conf).
  type: str
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.fleetaudit.auditd.plugins.module_utils.audit_remote import collector_conf


def audit_collector_conf(settings):
    if not isinstance(settings, dict):
        raise AnsibleFilterError("collector settings must be a dict, got %s" % type(settings).__name__)
    try:
        return collector_conf(settings)
    except ValueError as exc:
        raise AnsibleFilterError(str(exc)) from None


class FilterModule:
    def filters(self):
        return {"audit_collector_conf": audit_collector_conf}
