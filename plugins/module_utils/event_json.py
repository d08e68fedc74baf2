# -*- coding: utf-8 -*-
# Copyright: (c) fleetaudit maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The public event object: one event's records (see records.parse_event) as the JSON text the
module returns, with its flat summary and its time in ISO 8601 UTC."""

from __future__ import annotations

import functools
import json
import time

from ansible_collections.fleetaudit.auditd.plugins.module_utils.records import NULL_VALUE, event_keys, record_success

# Events are trees: no need for the encoder's cycle check.
_to_json = json.JSONEncoder(separators=(",", ":"), check_circular=False).encode

# The JSON strings of the record types met so far (a few dozen names at most).
_TYPE_JSON = {}


def event_json(records, annotate=None):
    """Records of one serial (file order), redacted, -> the public event object as JSON text, and its
    keys. `annotate(records)` gives fields added at the end of the summary."""
    first = records[0]
    keys = event_keys(records)
    summary = summarize(records)
    if annotate is not None:
        summary.update(annotate(records))
    return '{"serial":%d,"time":"%s","node":%s,"keys":%s,"records":[%s],"summary":%s}' % (
        first["serial"], iso_time(first["sec"], first["ms"]),
        "null" if first["node"] is None else _to_json(first["node"]), _to_json(keys),
        ",".join(map(_record_json, records)), _to_json(summary)), keys


def _record_json(record):
    record_type = record["type"]
    type_json = _TYPE_JSON.get(record_type) or _TYPE_JSON.setdefault(record_type, _to_json(record_type))
    text = '{"type":%s,"fields":%s' % (type_json, record.get("fields_json") or _to_json(record["fields"]))
    if "interpreted" in record:
        text += ',"interpreted":' + (record.get("interpreted_json") or _to_json(record["interpreted"]))
    return text + "}"


def iso_time(sec, ms):
    """ISO 8601 UTC with milliseconds, e.g. 2026-11-26T16:50:59.575Z."""
    return _utc_second(sec) + ".%03dZ" % ms


@functools.lru_cache(maxsize=64)
def _utc_second(sec):
    # Events come in time order, many in the same second.
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(sec))


def summarize(records):
    """The flat summary of one event's records (first record of each type wins)."""
    by_type = {}
    for record in records:
        by_type.setdefault(record["type"], record)
    main = by_type.get("SYSCALL") or records[0]
    fields = main["fields"]
    interpreted = main.get("interpreted", {})
    summary = {
        "type": records[0]["type"],
        "syscall": interpreted.get("SYSCALL", fields.get("syscall")),
        "success": record_success(fields),
        "exe": fields.get("exe"),
        "comm": fields.get("comm"),
        "pid": _int_or_none(fields.get("pid")),
        "ppid": _int_or_none(fields.get("ppid")),
        "uid": _int_or_none(fields.get("uid")),
        "auid": _int_or_none(fields.get("auid")),
        "uid_name": interpreted.get("UID"),
        "auid_name": interpreted.get("AUID"),
        "argv": None,
        "cwd": by_type["CWD"]["fields"].get("cwd") if "CWD" in by_type else None,
        "paths": [r["fields"]["name"] for r in records
                  if r["type"] == "PATH" and r["fields"].get("name", NULL_VALUE) != NULL_VALUE],
    }
    for name in ("EXECVE", "PROCTITLE"):
        if "argv" in by_type.get(name, {}):
            summary["argv"] = by_type[name]["argv"]
            break
    return summary


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
