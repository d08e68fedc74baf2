# Copyright: (c) 2026, fleetaudit maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading ``auditd.conf``: ``name = value`` lines, ``#`` comments, names case-insensitive."""

from __future__ import annotations


def parse_auditd_conf(text):
    """``{name: value}`` (names lower-cased, values stripped; integers stay strings, as auditd
    accepts words such as ``ignore`` in the same keys)."""
    settings = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, value = line.partition("=")
        if sep and name.strip():
            settings[name.strip().lower()] = value.strip()
    return settings
