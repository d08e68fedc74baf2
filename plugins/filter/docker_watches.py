# Copyright: (c) 2026, fleetaudit maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: docker_watches
short_description: Resolve the docker bundle's watches to the paths a host really has
version_added: 1.0.0
author: fleetaudit maintainers (@fleetaudit)
description:
  - Takes what the P(fleetaudit.auditd.auditd#role) role found on a host for each candidate path of
    its C(docker) bundle and returns one watch per real path (symlinks resolved, since a watch on a
    symlink sees nothing of the file it points to).
  - A control none of whose candidate paths exists is returned once, at its first candidate, with
    C(exists=false), so that the role writes it skipped and reports it.
options:
  _input:
    description: The output of the role's probe, one C(candidate<TAB>real path) line per candidate that exists.
    type: str
    required: true
  watches:
    description: The watch table, one C({cis, what, perms, paths}) per control (C(cis) may be omitted).
    type: list
    elements: dict
    required: true
"""

EXAMPLES = r"""
- name: Show where this host's Docker daemon is watched
  ansible.builtin.debug:
    msg: "{{ probe.stdout | fleetaudit.auditd.docker_watches(table) | selectattr('cis', 'eq', '1.1.3') }}"
"""

RETURN = r"""
_value:
  description: One C({cis, what, perms, keys, path, candidates, exists, rule}) per watch, in table order; C(rule) is its auditctl line.
  type: list
  elements: dict
"""

from ansible_collections.fleetaudit.auditd.plugins.module_utils.docker_paths import parse_probe, resolve_watches


def docker_watches(probe_stdout, watches):
    return resolve_watches(watches, parse_probe(probe_stdout))


class FilterModule:
    def filters(self):
        return {"docker_watches": docker_watches}
