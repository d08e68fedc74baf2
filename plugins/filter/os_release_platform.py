# Copyright: (c) 2026, fleetaudit maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: os_release_platform
short_description: The platform facts the auditd role needs, read from uname -m and os-release
version_added: 1.0.0
author: fleetaudit maintainers (@fleetaudit)
description:
  - Used by P(fleetaudit.auditd.auditd#role), which reads C(uname -m) and C(/etc/os-release) with one
    C(raw) command where the host's facts were not gathered, instead of a round trip of the setup
    module.
  - Gives the values the setup module gives for a distribution whose os-release it reads the same
    way (Debian, checked against the setup module on Debian 12 and 13); for any other, or without
    C(VERSION_ID), an empty dict, and the role gathers the facts.
options:
  _input:
    description: The output of C(uname -m), then the os-release file (CR LF line ends are read too).
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Read the machine and the distribution
  ansible.builtin.raw: uname -m; cat /etc/os-release
  register: platform_text

- name: Show the platform
  ansible.builtin.debug:
    msg: "{{ platform_text.stdout | fleetaudit.auditd.os_release_platform }}"
"""

RETURN = r"""
_value:
  description:
    - C(os_family), C(distribution), C(distribution_major_version) and C(architecture), as the
      setup module names them; empty for a distribution this filter does not know.
  type: dict
"""

import re
import shlex

# os-release ID -> (distribution, os_family) as the setup module names them.
DISTRIBUTIONS = {"debian": ("Debian", "Debian")}

# A machine name as uname -m prints it (x86_64, aarch64, armv7l, ppc64le, s390x).
_MACHINE = re.compile(r"[A-Za-z0-9_]+\Z")

# The setup module's architecture for a 32-bit x86 machine name.
_X86_32 = re.compile(r"i([3456]86|86pc)")


def os_release_platform(text):
    lines = [line.strip() for line in text.replace("\r", "").splitlines() if line.strip()]
    if not lines:
        return {}
    machine, release = lines[0], {}
    if not _MACHINE.match(machine):
        return {}  # uname failed: its error, not a machine name (over SSH stderr joins stdout)
    for line in lines[1:]:
        name, equals, value = line.partition("=")
        if equals and not name.startswith("#"):
            try:
                release[name] = " ".join(shlex.split(value))
            except ValueError:
                continue  # an unbalanced quote: a value the setup module would not read either
    known = DISTRIBUTIONS.get(release.get("ID"))
    major = release.get("VERSION_ID", "").split(".")[0]
    if known is None or not major.isdigit():
        return {}
    return {"distribution": known[0], "os_family": known[1], "distribution_major_version": major,
            "architecture": "i386" if _X86_32.search(machine) else machine}


class FilterModule:
    def filters(self):
        return {"os_release_platform": os_release_platform}
