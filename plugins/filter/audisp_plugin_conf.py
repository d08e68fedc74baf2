# Copyright: (c) 2026, fleetaudit maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: audisp_plugin_conf
short_description: Render an auditd dispatcher plugin file of /etc/audit/plugins.d
version_added: 1.1.0
author: fleetaudit maintainers (@fleetaudit)
description:
  - Renders a plugin file (C(active), C(direction), C(path), C(type), C(args), C(format)), the
    same in audit 3.0.x and 4.0.x.
  - With O(syslog_priority) the arguments of C(audisp-syslog) are validated and written.
options:
  _input:
    description: Whether the plugin is active.
    type: bool
    required: true
  path:
    description: The plugin program.
    type: str
    required: true
  syslog_priority:
    description: For C(audisp-syslog), the priority (C(LOG_INFO), ...).
    type: str
  syslog_facility:
    description: For C(audisp-syslog), the facility (C(LOG_LOCAL0) to C(LOG_LOCAL7), C(LOG_AUTH), ...).
    type: str
  args:
    description: The arguments of any other plugin program (C(--config /etc/laurel/config.toml)).
    type: str
    version_added: 1.1.0
"""

EXAMPLES = r"""
- name: Render an active remote plugin
  ansible.builtin.debug:
    msg: "{{ true | fleetaudit.auditd.audisp_plugin_conf('/sbin/audisp-remote') }}"
"""

RETURN = r"""
_value:
  description: The text of the plugin file.
  type: str
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.fleetaudit.auditd.plugins.module_utils.audit_remote import plugin_conf, syslog_plugin_args


def audisp_plugin_conf(active, path, syslog_priority=None, syslog_facility=None, args=None):
    try:
        args = syslog_plugin_args(syslog_priority, syslog_facility) if syslog_priority else args
    except ValueError as exc:
        raise AnsibleFilterError(str(exc)) from None
    return plugin_conf(bool(active), path, args)


class FilterModule:
    def filters(self):
        return {"audisp_plugin_conf": audisp_plugin_conf}
