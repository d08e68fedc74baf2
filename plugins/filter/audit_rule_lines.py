# Copyright: (c) 2026, fleetaudit maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: audit_rule_lines
short_description: Turn structured audit rules into auditctl rule lines
version_added: 1.0.0
author: fleetaudit maintainers (@fleetaudit)
description:
  - Renders the structured rules the P(fleetaudit.auditd.auditd#role) role takes in C(auditd_rules)
    into rule lines for a C(rules.d) file.
  - A watch C({watch, perms, key}) gives one C(-w) line; a syscall rule C({action, list, arch,
    syscalls, fields, key}) gives one line per architecture when it names syscalls; a raw rule
    C({rule}) or a plain string is kept as it is.
options:
  _input:
    description: The structured rules.
    type: list
    elements: raw
    required: true
  arches:
    description: Architectures for syscall rules that do not name C(arch).
    type: list
    elements: str
    default: [b64]
  name:
    description: What to call the list in error messages.
    type: str
    default: auditd_rules
"""

EXAMPLES = r"""
- name: Render the rules of a file
  ansible.builtin.debug:
    msg: "{{ [{'watch': '/etc/passwd', 'perms': 'wa', 'key': 'identity'}] | fleetaudit.auditd.audit_rule_lines(['b64', 'b32']) }}"
"""

RETURN = r"""
_value:
  description: The rule lines, in order.
  type: list
  elements: str
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.fleetaudit.auditd.plugins.module_utils.rule_render import RuleRenderError, render_rules


def audit_rule_lines(rules, arches=None, name="auditd_rules"):
    if not isinstance(rules, list):
        raise AnsibleFilterError("%s must be a list, got %s" % (name, type(rules).__name__))
    try:
        return render_rules(rules, tuple(arches or ("b64",)), name)
    except RuleRenderError as exc:
        raise AnsibleFilterError(str(exc)) from None


class FilterModule:
    def filters(self):
        return {"audit_rule_lines": audit_rule_lines}
