# -*- coding: utf-8 -*-
# Copyright: (c) fleetaudit maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Audit log records: one log line, or one event's lines, parsed into records (type, serial, time,
node, fields with their hex-encoded values decoded, the ENRICHED format's interpreted fields).

Pure logic, no Ansible imports: unit tested on recorded logs of audit 3.0.x and 4.0.x, in both the
RAW and the ENRICHED log format (ENRICHED appends interpreted fields after a 0x1d byte).
"""

from __future__ import annotations

import json
import operator
import re

ENRICHED_SEPARATOR = "\x1d"

# String fields the kernel and the audit tools write hex-encoded when they hold a space, a quote or a
# control character (audit-userspace's interpretation tables, auparse/typetab.h: the escaped types,
# proctitle and TTY data); EXECVE's aN are handled separately.
ENCODED_FIELDS = frozenset((
    "acct", "cgroup", "cmd", "comm", "cwd", "data", "device", "dir", "exe", "file", "grp", "invalid_context",
    "key", "name", "new-chardev", "new-disk", "new-fs", "new-net", "new-rng", "new_group", "ocomm",
    "old-chardev", "old-disk", "old-fs", "old-net", "old-rng", "path", "proctitle", "root_dir", "sw", "vm",
    "watch",
    # AppArmor's
    "apparmor", "denied_mask", "info", "operation", "profile", "requested_mask",
))

EXECVE_ARGUMENT = re.compile(r"^a\d+(\[\d+\])?$")

_HEX = re.compile(r"^(?:[0-9A-F]{2})+$")

# An event's time stamp and serial, as in its records' headers.
_TOKEN = re.compile(r"[0-9]+\.[0-9]+:[0-9]+\Z")

_HEADER = re.compile(
    r"^(?:node=(?P<node>\S+) )?type=(?P<type>\S+) msg=audit\((?P<sec>\d+)\.(?P<ms>\d+):(?P<serial>\d+)\):\s?"
)

# name=value with the value quoted "...", quoted '...' (user-space msg='...'), braced { ... }
# (enriched SADDR) or bare.
_FIELD = re.compile(r"""([^\s=]+)=("[^"]*"|'[^']*'|\{[^}]*\}|\S*)""")

NULL_VALUE = "(null)"

# An SELinux verdict, "avc:  denied  { read write } for ...": kept as the fields seresult and seperms,
# the names ausearch's parser (auparse) gives them.
_AVC = re.compile(r"\bavc:\s+(\w+)\s+\{\s*([^}]*?)\s*\}")

_NAME_VALUE = operator.methodcaller("split", "=", 1)

_json_object = json.JSONDecoder().raw_decode

# ENRICHED parts parsed so far (see _interpreted), at most this many.
_INTERPRETED = {}

_INTERPRETED_KEPT = 4096


class AuditParseError(ValueError):
    """A line that is not an audit record."""


def _decode_hex(value):
    return bytes.fromhex(value).decode("utf-8", "backslashreplace")


def _field_value(name, value, record_type):
    """Unquotes a raw value and decodes the hex form of the fields that use it."""
    if value[:1] == '"':
        return value[1:-1]
    if (name in ENCODED_FIELDS or (record_type == "EXECVE" and name[:1] == "a" and EXECVE_ARGUMENT.match(name))) \
            and _HEX.match(value):
        return _decode_hex(value)
    return value


def _parse_kernel_fields(text, record_type, fields):
    """Kernel records: no value holds a space or a quote (such values are hex-encoded), so plain
    splits are exact, and much faster than the general pattern. Raises ValueError on a word
    without "=". Returns the JSON of the fields made from the text when every value is as written
    there (none decoded), else None."""
    unquoted = text.replace('"', "")
    plain = _plain_json(unquoted)
    # The C JSON decoder makes the dict of such text faster than splitting word by word. Its JSON
    # fails to decode only when the words are not all name=value (one holds two "=", another none),
    # with a ValueError as the split raises then.
    fields.update(_json_object(plain)[0] if plain else map(_NAME_VALUE, unquoted.split()))
    for name in ENCODED_FIELDS.intersection(fields) if record_type != "EXECVE" else list(fields):
        value = fields[name]
        if (record_type != "EXECVE" or EXECVE_ARGUMENT.match(name)) and _HEX.match(value) \
                and not _was_quoted(text, name):
            fields[name] = _decode_hex(value)
            plain = None
    return plain


def _was_quoted(text, name):
    return text.startswith(name + '="') or (" %s=\"" % name) in text


def _parse_fields(text, record_type, fields):
    """Adds the fields of text; returns their JSON made from the text when they are its values as
    written (see _parse_kernel_fields), else None."""
    if "'" not in text and "{" not in text:
        try:
            return _parse_kernel_fields(text, record_type, fields)
        except ValueError:
            pass  # a word without "=": the general pattern below skips it
    # A user-space record nests its message, unescaped, between msg=' and the line's last quote:
    # its fields are flattened like ausearch does.
    start = (" " + text).find(" msg='")
    end = text.rfind("'")
    if 0 <= start < end - 4:
        _parse_fields(text[:start], record_type, fields)
        _parse_user_message(text[start + 5:end], record_type, fields)
        _parse_fields(text[end + 1:], record_type, fields)
        return None
    if "avc:" in text:
        avc = _AVC.search(text)
        if avc:
            fields["seresult"] = avc.group(1)
            fields["seperms"] = ",".join(avc.group(2).split())
    for name, value in _FIELD.findall(text):
        fields[name] = _field_value(name, value, record_type)
    return None


def _parse_user_message(text, record_type, fields):
    """auditctl -m writes its text first, as given, then libaudit its own fields from ` exe=` on:
    the text is one value, whatever it holds."""
    if text.startswith("text="):
        end = text.rfind(" exe=")
        if end > 0:
            fields["text"] = text[5:end]
            text = text[end + 1:]
    _parse_fields(text, record_type, fields)


def _parse_interpreted(text):
    """(fields, the text without quotes when the fields are its values as written, else None)"""
    if "{" not in text and "'" not in text:
        unquoted = text.replace('"', "")
        try:
            return dict(map(_NAME_VALUE, unquoted.split())), unquoted
        except ValueError:
            pass
    fields = {}
    for name, value in _FIELD.findall(text):
        if value[:1] in "\"'" and len(value) >= 2:
            value = value[1:-1]
        fields[name] = value
    return fields, None


def _interpreted(text):
    """(name, value) pairs and JSON (see _plain_json) of an ENRICHED part, kept for the next records:
    these parts repeat (a few users and system calls), unlike the rest of a record."""
    known = _INTERPRETED.get(text)
    if known is None:
        if len(_INTERPRETED) >= _INTERPRETED_KEPT:
            _INTERPRETED.clear()
        fields, unquoted = _parse_interpreted(text)
        known = _INTERPRETED[text] = (tuple(fields.items()), _plain_json(unquoted))
    return known


def _plain_json(unquoted):
    """The JSON object of `name=value ...` text whose values are the fields as written, made from
    the text: several times cheaper than encoding the fields. None when a value would need escaping
    or the text is not single-spaced."""
    if not unquoted:
        return None if unquoted is None else "{}"
    if unquoted.isascii() and unquoted.isprintable() and "\\" not in unquoted and "  " not in unquoted \
            and unquoted[0] != " " and unquoted[-1] != " " and unquoted.count("=") == unquoted.count(" ") + 1:
        return '{"' + unquoted.replace("=", '":"').replace(" ", '","') + '"}'
    return None


def parse_record(line):
    """One log line -> dict(type, serial, sec, ms, node, fields, interpreted). For the JSON form,
    `fields_json` and `interpreted_json` hold the JSON of the fields made from the text when that
    is possible (see _plain_json)."""
    return _record(*_parse_header(line))


def _parse_header(line):
    """(node, type, sec, ms, serial, the text after the header) of a log line."""
    match = _HEADER.match(line)
    if not match:
        raise AuditParseError("not an audit record: %r" % line[:120])
    node, record_type, sec, ms, serial = match.groups()
    return node, record_type, int(sec), int(ms), int(serial), line[match.end():]


def parse_event(lines, token):
    """The records of one event's lines, as parse_record makes them. `token` is the event's
    `sec.ms:serial`: a line whose header is `[node=N ]type=T msg=audit(TOKEN): ` is split by string
    operations, several times cheaper than the header pattern (used for the other lines).
    The kernel writes a command line longer than about 7.5 kB as several EXECVE records (argc in the
    first one, an argument's aN[i] pieces possibly in two of them): one record holds it all."""
    if _TOKEN.match(token):
        sec, ms, serial = map(int, token.replace(".", ":").split(":"))
        stamp = " msg=audit(%s): " % token
    else:
        sec = ms = serial = stamp = None
    headers = []
    execve_at = None
    for line in lines:
        split = stamp and _split_header(line, stamp)
        header = (split[0], split[1], sec, ms, serial, split[2]) if split else _parse_header(line)
        if header[1] == "EXECVE":
            if execve_at is not None:
                headers[execve_at] = _with_fields_of(headers[execve_at], header[5])
                continue
            execve_at = len(headers)
        headers.append(header)
    return [_record(*header) for header in headers]


def _with_fields_of(header, text):
    """A header tuple (see _parse_header) whose record also holds the fields of `text`, the text
    after another record's header."""
    body, separator, interpreted = header[5].partition(ENRICHED_SEPARATOR)
    return header[:5] + (body + " " + text.partition(ENRICHED_SEPARATOR)[0] + separator + interpreted,)


def _split_header(line, stamp):
    """(node, type, the text after the header) of a line whose header is `[node=N ]type=T` then
    `stamp`, else None. Like the header pattern's \\S+, a name is not empty and holds no whitespace:
    the first space ends it, and no other whitespace character is printable."""
    node, type_start = None, 5
    if line.startswith("node="):
        node_end = line.find(" ")
        node, type_start = line[5:node_end], node_end + 6
        if not (node and node.isprintable()):
            return None
    type_end = line.find(" ", type_start)
    record_type = line[type_start:type_end]
    if type_end > type_start and record_type.isprintable() and line.startswith("type=", type_start - 5) \
            and line.startswith(stamp, type_end):
        return node, record_type, line[type_end + len(stamp):]
    return None


def _record(node, record_type, sec, ms, serial, rest):
    """The record of a header's parts and the text after the header."""
    body, separator, extra = rest.partition(ENRICHED_SEPARATOR)
    fields = {}
    plain = _parse_fields(body, record_type, fields)
    record = {
        "type": record_type,
        "serial": serial,
        "sec": sec,
        "ms": ms,
        "node": node,
        "fields": fields,
        "fields_json": None,
    }
    if record_type == "PROCTITLE" and "proctitle" in fields:
        # The kernel separates the arguments by NUL bytes: keep them apart for the summary.
        set_argv(record, fields["proctitle"].rstrip("\x00").split("\x00"))
    elif record_type == "EXECVE":
        # One field per argument, long ones joined from their aN[i] pieces.
        argv = _execve_argv(fields)
        for name in [n for n in fields if "[" in n]:
            del fields[name]
        set_argv(record, argv)
    else:
        record["fields_json"] = plain
    if separator:
        items, plain = _interpreted(extra)
        if items:
            record["interpreted"] = dict(items)
            record["interpreted_json"] = plain
    return record


def set_argv(record, argv):
    """Sets the command line of a PROCTITLE or EXECVE record and the fields that show it:
    `proctitle` the way ausearch -i does (the arguments joined by spaces), or one `aN` each."""
    record["argv"] = argv
    if record["type"] == "PROCTITLE":
        record["fields"]["proctitle"] = " ".join(argv)
    else:
        record["fields"].update(("a%d" % index, arg) for index, arg in enumerate(argv))


def _execve_argv(fields):
    argc = fields.get("argc", "0")
    argv = []
    # A damaged argc gives no argv; the aN fields stay as they are, and the event is kept.
    for index in range(int(argc) if argc.isdigit() else 0):
        name = "a%d" % index
        if name in fields:
            argv.append(fields[name])
            continue
        # Long arguments come in pieces: aN_len=SIZE aN[0]=HEX aN[1]=HEX ...
        pieces, part = [], 0
        while "%s[%d]" % (name, part) in fields:
            pieces.append(fields["%s[%d]" % (name, part)])
            part += 1
        argv.append("".join(pieces))
    return argv


def record_success(fields):
    if "success" in fields:
        return fields["success"] == "yes"
    res = fields.get("res")
    if res in ("success", "1"):
        return True
    if res in ("failed", "0"):
        return False
    return None


def event_keys(records):
    keys = []
    for record in records:
        value = record["fields"].get("key")
        if value and value != NULL_VALUE:
            for key in value.split("\x01"):
                if key not in keys:
                    keys.append(key)
    return keys
