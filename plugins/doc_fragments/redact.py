# -*- coding: utf-8 -*-
# Copyright: (c) fleetaudit maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """The redaction options of the modules that return what the audit logs hold."""

    DOCUMENTATION = r"""
options:
  redact:
    description:
      - Regular expressions (Python syntax) whose matches are replaced by C([REDACTED]) before
        anything leaves the host. When a pattern has a group named C(secret), only that group is
        replaced.
    type: list
    elements: str
    default: []
  redact_defaults:
    description:
      - Also apply the built-in patterns for obvious secrets (C(--password=...), C(--token X),
        C(Bearer ...), credentials in URLs).
    type: bool
    default: true
"""
