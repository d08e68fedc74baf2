# -*- coding: utf-8 -*-
# Copyright: (c) fleetaudit maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which events a search returns: ausearch's criteria, except that keys match exactly."""

from __future__ import annotations

from ansible_collections.fleetaudit.auditd.plugins.module_utils.audit_vocabulary import is_message_type
from ansible_collections.fleetaudit.auditd.plugins.module_utils.records import event_keys, record_success


class EventFilter:
    """ausearch-like criteria, except that keys match exactly; all given criteria must hold."""

    def __init__(self, keys=None, message_types=None, start=None, end=None, success=None,
                 uid=None, auid=None, pid=None, exe=None, syscall=None, node=None):
        self.keys = set(keys or ())
        self.message_types = set(message_types or ())
        for name in self.message_types:
            if not is_message_type(name):
                raise ValueError("unknown message type %r (ausearch -m help lists them)" % name)
        self.start = start
        self.end = end
        self.success = success
        self.uid = uid
        self.auid = auid
        self.pid = None if pid is None else str(pid)
        self.exe = exe
        self.syscall = None if syscall is None else {str(s) for s in syscall}
        # The node= prefix a client's auditd writes (name_format), as a collector keeps it.
        self.node = node

    def in_time(self, sec, ms):
        stamp = sec + ms / 1000.0
        return (self.start is None or stamp >= self.start) and (self.end is None or stamp <= self.end)

    @staticmethod
    def _id_matches(records, name, wanted):
        """uid/auid given as a number or a name: the number field, or the enriched name."""
        if wanted is None:
            return True
        for record in records:
            if str(record["fields"].get(name)) == str(wanted):
                return True
            if record.get("interpreted", {}).get(name.upper()) == str(wanted):
                return True
        return False

    def matches(self, records):
        # Criteria not given are not looked at: most searches give one or two.
        if self.keys or self.message_types:
            types = {r["type"] for r in records}
            if self.keys:
                if not self.keys.intersection(event_keys(records)):
                    return False
                # The rule's own add/remove messages carry its key; ausearch -k returns them too.
                if "CONFIG_CHANGE" in types and "CONFIG_CHANGE" not in self.message_types:
                    return False
            if self.message_types and not self.message_types.intersection(types):
                return False
        if (self.start is not None or self.end is not None) and not self.in_time(records[0]["sec"], records[0]["ms"]):
            return False
        if self.node is not None and records[0]["node"] != self.node:
            return False
        if not (self._id_matches(records, "uid", self.uid) and self._id_matches(records, "auid", self.auid)):
            return False
        return all(self._field_matches(records, name) for name in ("success", "pid", "exe", "syscall")
                   if getattr(self, name) is not None)

    def _field_matches(self, records, name):
        """Whether a record holds the value wanted for the criterion `name` (one that was given)."""
        wanted = getattr(self, name)
        for record in records:
            fields = record["fields"]
            if name == "success":
                if record_success(fields) is wanted:
                    return True
            elif name == "syscall":
                if fields.get("syscall") in wanted or record.get("interpreted", {}).get("SYSCALL") in wanted:
                    return True
            elif fields.get(name) == wanted:
                return True
        return False
