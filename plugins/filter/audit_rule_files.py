# Copyright: (c) 2026, fleetaudit maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: audit_rule_files
short_description: Compose the rule files of the auditd role
version_added: 1.1.0
author: fleetaudit maintainers (@fleetaudit)
description:
  - "Builds the C({file name: content}) that the P(fleetaudit.auditd.auditd#role) role hands to
    M(fleetaudit.auditd.augenrules) in one call: one file per rule bundle, one for the structured
    C(auditd_rules) (see P(fleetaudit.auditd.audit_rule_lines#filter)) and the file that enables
    auditing last (C(-e 1), or C(-e 2) for immutable mode)."
  - Every content ends with a newline, as a file does.
options:
  _input:
    description:
      - "The rendered bundles, C({bundle name: text}), in the order the files are to be listed."
      - The C(base) bundle goes to O(base_file), any other to O(bundle_file_pattern).
    type: dict
    required: true
  rules:
    description: The structured rules (C(auditd_rules)); none gives no local rules file.
    type: list
    elements: raw
    default: []
  arches:
    description: Architectures for syscall rules that do not name C(arch).
    type: list
    elements: str
    default: [b64]
  immutable:
    description: Whether the finalize file sets immutable mode (C(-e 2)) rather than C(-e 1).
    type: bool
    default: false
  base_file:
    description: File name of the C(base) bundle.
    type: str
    required: true
  bundle_file_pattern:
    description: File name of any other bundle, with C(%s) for the bundle's name.
    type: str
    required: true
  local_file:
    description: File name of the rules rendered from O(rules).
    type: str
    required: true
  finalize_file:
    description: File name of the file that enables auditing.
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Compose the files of the base bundle and two local rules
  ansible.builtin.set_fact:
    rule_files: >-
      {{ {'base': lookup('ansible.builtin.template', 'bundles/base.rules.j2')}
         | fleetaudit.auditd.audit_rule_files(rules=[{'watch': '/etc/hosts', 'perms': 'wa', 'key': 'hosts'}],
                                              arches=['b64', 'b32'], base_file='10-base.rules',
                                              bundle_file_pattern='30-%s.rules', local_file='70-local.rules',
                                              finalize_file='99-finalize.rules') }}
"""

RETURN = r"""
_value:
  description: "C({file name: content}), bundles first, then the local rules, then the finalize file."
  type: dict
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.fleetaudit.auditd.plugins.module_utils.rule_render import RuleRenderError, render_rules

LOCAL_HEADER = "# Managed by fleetaudit.auditd: auditd_rules\n"
FINALIZE = "# Managed by fleetaudit.auditd: enable auditing%s\n-e %d\n"


def _as_file(text):
    text = str(text)
    return text if text.endswith("\n") else text + "\n"


def audit_rule_files(bundle_texts, rules=None, arches=None, immutable=False, base_file=None,
                     bundle_file_pattern=None, local_file=None, finalize_file=None):
    if not isinstance(bundle_texts, dict):
        raise AnsibleFilterError("audit_rule_files takes {bundle: text}, got %s" % type(bundle_texts).__name__)
    if not all((base_file, bundle_file_pattern, local_file, finalize_file)):
        raise AnsibleFilterError("audit_rule_files needs base_file, bundle_file_pattern, local_file and finalize_file")
    files = {}
    for bundle, text in bundle_texts.items():
        files[base_file if bundle == "base" else bundle_file_pattern % bundle] = _as_file(text)
    if rules:
        if not isinstance(rules, list):
            raise AnsibleFilterError("auditd_rules must be a list, got %s" % type(rules).__name__)
        try:
            lines = render_rules(rules, tuple(arches or ("b64",)), "auditd_rules")
        except RuleRenderError as exc:
            raise AnsibleFilterError(str(exc)) from None
        files[local_file] = LOCAL_HEADER + "".join(line + "\n" for line in lines)
    files[finalize_file] = FINALIZE % ((", immutable until reboot", 2) if immutable else ("", 1))
    return files


class FilterModule:
    def filters(self):
        return {"audit_rule_files": audit_rule_files}
