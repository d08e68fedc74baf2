# Copyright: (c) 2026, fleetaudit maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: unknown_names
short_description: Names that are not among the known ones, each with the closest known name
version_added: 1.0.0
author: fleetaudit maintainers (@fleetaudit)
description:
  - Used by P(fleetaudit.auditd.auditd#role) to refuse misspelled C(auditd_*) variables, which
    Ansible would otherwise ignore (C(auditd_rule_bundle) for C(auditd_rule_bundles)).
options:
  _input:
    description: The names to check.
    type: list
    elements: str
    required: true
  known:
    description: The known names.
    type: list
    elements: str
    required: true
"""

EXAMPLES = r"""
- name: Misspelled role variables
  ansible.builtin.debug:
    msg: "{{ query('ansible.builtin.varnames', '^auditd_') | fleetaudit.auditd.unknown_names(['auditd_rules']) }}"
"""

RETURN = r"""
_value:
  description: One C(NAME (did you mean KNOWN?)) per unknown name, in sorted order.
  type: list
  elements: str
"""

import difflib


def unknown_names(names, known):
    known = sorted(set(known))
    messages = []
    for name in sorted(set(names) - set(known)):
        # Names share their prefix: only a close match is a likely typo.
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.8)
        messages.append("%s (did you mean %s?)" % (name, close[0]) if close else name)
    return messages


class FilterModule:
    def filters(self):
        return {"unknown_names": unknown_names}
