# Copyright: (c) 2026, fleetaudit maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: audit_rule_errors
short_description: Say which structured rule a refused rule line comes from
version_added: 1.0.0
author: fleetaudit maintainers (@fleetaudit)
description:
  - Takes the C(errors) that M(fleetaudit.auditd.augenrules) returns for rules the host refuses
    (C({file, line, rule, reason})) and turns them into messages. An error in the file that
    P(fleetaudit.auditd.auditd#role) writes from C(auditd_rules) names the item, C(auditd_rules[5]),
    instead of the file and line; others keep C(FILE:LINE).
options:
  _input:
    description: The errors.
    type: list
    elements: dict
    required: true
  rules:
    description: The structured rules the file was rendered from (see P(fleetaudit.auditd.audit_rule_lines#filter)).
    type: list
    elements: raw
    required: true
  arches:
    description: Architectures the rules were rendered with.
    type: list
    elements: str
    default: [b64]
  file:
    description: Name of the rules file rendered from O(rules).
    type: str
    required: true
  first_line:
    description: Line of that file that holds the first rule line.
    type: int
    default: 2
  name:
    description: What to call the list.
    type: str
    default: auditd_rules
"""

EXAMPLES = r"""
- name: Explain refused rules
  ansible.builtin.fail:
    msg: "{{ result.errors | fleetaudit.auditd.audit_rule_errors(auditd_rules, ['b64', 'b32'], file='70-fleetaudit-local.rules') | join('; ') }}"
"""

RETURN = r"""
_value:
  description: One message per error.
  type: list
  elements: str
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.fleetaudit.auditd.plugins.module_utils.rule_render import RuleRenderError, errors_in_user_terms


def audit_rule_errors(errors, rules, arches=None, file=None, first_line=2, name="auditd_rules"):
    try:
        return errors_in_user_terms(errors or [], rules or [], tuple(arches or ("b64",)), file, first_line, name)
    except RuleRenderError as exc:
        raise AnsibleFilterError(str(exc)) from None


class FilterModule:
    def filters(self):
        return {"audit_rule_errors": audit_rule_errors}
