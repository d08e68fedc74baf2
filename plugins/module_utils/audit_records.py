# -*- coding: utf-8 -*-
# Copyright: (c) fleetaudit maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Audit log records and events: parsing, hex decoding, filtering, redaction and the flat summary.

Pure logic, no Ansible imports: unit tested on recorded logs of audit 3.0.x and 4.0.x, in both the
RAW and the ENRICHED log format (ENRICHED appends interpreted fields after a 0x1d byte).
"""

from __future__ import annotations

import calendar
import datetime
import functools
import json
import operator
import re
import time

from ansible_collections.fleetaudit.auditd.plugins.module_utils.audit_vocabulary import is_message_type

ENRICHED_SEPARATOR = "\x1d"
REDACTED = "[REDACTED]"


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
_EXECVE_ARG = re.compile(r"^a\d+(\[\d+\])?$")
_HEX = re.compile(r"^(?:[0-9A-F]{2})+$")
# An event's time stamp and serial, as in its records' headers.
_TOKEN = re.compile(r"[0-9]+\.[0-9]+:[0-9]+\Z")
_HEADER = re.compile(
    r"^(?:node=(?P<node>\S+) )?type=(?P<type>\S+) msg=audit\((?P<sec>\d+)\.(?P<ms>\d+):(?P<serial>\d+)\):\s?"
)
# name=value with the value quoted "...", quoted '...' (user-space msg='...'), braced { ... }
# (enriched SADDR) or bare.
_FIELD = re.compile(r"""([^\s=]+)=("[^"]*"|'[^']*'|\{[^}]*\}|\S*)""")
_NULL = "(null)"
# An SELinux verdict, "avc:  denied  { read write } for ...": kept as the fields seresult and seperms,
# the names ausearch's parser (auparse) gives them.
_AVC = re.compile(r"\bavc:\s+(\w+)\s+\{\s*([^}]*?)\s*\}")
_NAME_VALUE = operator.methodcaller("split", "=", 1)
# Events are trees: no need for the encoder's cycle check.
_to_json = json.JSONEncoder(separators=(",", ":"), check_circular=False).encode
_json_object = json.JSONDecoder().raw_decode
# ENRICHED parts parsed so far (see _interpreted), at most this many.
_INTERPRETED = {}
_INTERPRETED_KEPT = 4096

# The built-in patterns for secrets in command lines and other free text. Each names its value the
# group `secret`, which is what gets replaced.
DEFAULT_REDACT_PATTERNS = (
    # A password-like option or word followed by its value: --password=X, --token X, api_key: X.
    r"(?i)(?:--?|\b)(?:password|passwd|passphrase|pwd|secret|token|api[-_]?key|access[-_]?key)"
    r"[=: ]+(?P<secret>[^\s\"']+)",
    r"(?i)\b(?:authorization: *bearer|bearer) +(?P<secret>\S+)",
    r"(?i)://[^/\s:@]+:(?P<secret>[^@\s]+)@",
    # An environment-style assignment whose name holds SECRET or ends in a password-like word:
    # AWS_SECRET_ACCESS_KEY=X, GITHUB_TOKEN=X, PGPASSWORD=X, MYSQL_PWD=X (not OLDPWD, max_tokens or
    # DB_PASSWORD_FILE, whose values are not secrets).
    r"(?i)\b[a-z0-9_]*(?:secret[a-z0-9_]*|password|passwd|passphrase|token|_pwd|api_?key|access_?key|private_?key)"
    r"=(?P<secret>[^\s\"']+)",
    # The MySQL and MariaDB clients take their password glued to -p (-phunter2; "-p db" asks for
    # one); -P is the port. Only after such a program, since -p is ordinary elsewhere (ps -p 1).
    r"\b(?:mysql\w*|mariadb[\w-]*)(?:[ \t]+\S+)*?[ \t]+-p(?P<secret>[^\s\"']+)",
    # sshpass -p PASSWORD (or -pPASSWORD), after sshpass's own options.
    r"\bsshpass(?:[ \t]+-(?:[fdP][ \t]*\S+|[ehv]\S*))*[ \t]+-p[ \t]*(?P<secret>[^\s\"']+)",
    # A private key pasted on a command line: its body up to the END line or the end of the text
    # (PROCTITLE keeps only the first 128 bytes of a command line).
    r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----(?P<secret>(?:(?!-----END )[\s\S])+)",
)
# Words (lower case) one of which every match of a default pattern holds. ASCII free text that holds
# none of a pattern's words is not searched with it: these (?i) searches run at a few tens of MB/s
# and were most of the screening's time. Only ASCII text: under (?i) re also matches a few non-ASCII
# letters to ASCII ones (the long s, the dotless i), which str.lower() does not turn into them.
_SCREEN_WORDS = dict(zip(DEFAULT_REDACT_PATTERNS, (
    ("pass", "pwd", "secret", "token", "key"),
    ("bearer",),
    ("://",),
    ("pass", "pwd", "secret", "token", "key"),
    ("mysql", "mariadb"),
    ("sshpass",),
    ("private key",),
)))
_SECRET_OPTION = re.compile(
    r"(?i)^--?(?:password|passwd|passphrase|pwd|secret|token|api[-_]?key|access[-_]?key)$"
)
_SECRET_OPTIONS = re.compile(_SECRET_OPTION.pattern, re.MULTILINE)


class AuditParseError(ValueError):
    """A line that is not an audit record."""


def _decode_hex(value):
    return bytes.fromhex(value).decode("utf-8", "backslashreplace")


def _field_value(name, value, record_type):
    """Unquotes a raw value and decodes the hex form of the fields that use it."""
    if value[:1] == '"':
        return value[1:-1]
    if (name in ENCODED_FIELDS or (record_type == "EXECVE" and name[:1] == "a" and _EXECVE_ARG.match(name))) \
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
        if (record_type != "EXECVE" or _EXECVE_ARG.match(name)) and _HEX.match(value) \
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
        _set_argv(record, fields["proctitle"].rstrip("\x00").split("\x00"))
    elif record_type == "EXECVE":
        # One field per argument, long ones joined from their aN[i] pieces.
        argv = _execve_argv(fields)
        for name in [n for n in fields if "[" in n]:
            del fields[name]
        _set_argv(record, argv)
    else:
        record["fields_json"] = plain
    if separator:
        items, plain = _interpreted(extra)
        if items:
            record["interpreted"] = dict(items)
            record["interpreted_json"] = plain
    return record


def _set_argv(record, argv):
    """Sets the command line of a PROCTITLE or EXECVE record and the fields that show it:
    `proctitle` the way ausearch -i does (the arguments joined by spaces), or one `aN` each."""
    record["argv"] = argv
    if record["type"] == "PROCTITLE":
        record["fields"]["proctitle"] = " ".join(argv)
    else:
        record["fields"].update(("a%d" % index, arg) for index, arg in enumerate(argv))


def iso_time(sec, ms):
    """ISO 8601 UTC with milliseconds, e.g. 2026-11-26T16:50:59.575Z."""
    return _utc_second(sec) + ".%03dZ" % ms


@functools.lru_cache(maxsize=64)
def _utc_second(sec):
    # Events come in time order, many in the same second.
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(sec))


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


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _success(fields):
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
        if value and value != _NULL:
            for key in value.split("\x01"):
                if key not in keys:
                    keys.append(key)
    return keys


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
        "success": _success(fields),
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
                  if r["type"] == "PATH" and r["fields"].get("name", _NULL) != _NULL],
    }
    for name in ("EXECVE", "PROCTITLE"):
        if "argv" in by_type.get(name, {}):
            summary["argv"] = by_type[name]["argv"]
            break
    return summary


def _free_text_names(record_type, fields):
    """Fields that can hold user-supplied text: strings the kernel may hex-encode, user-space
    message text, EXECVE arguments. Numbers, ids and flags cannot hold a secret."""
    if record_type == "EXECVE":
        return [name for name in fields if _EXECVE_ARG.match(name)]
    return _FREE_TEXT_FIELDS.intersection(fields)


_FREE_TEXT_FIELDS = ENCODED_FIELDS.union(("text", "msg", "op", "hostname", "addr", "terminal"))


class Redactor:
    """Replaces secrets in every string value: the named group `secret` if the pattern has one,
    else the whole match."""

    def __init__(self, patterns):
        try:
            self.patterns = [re.compile(p) for p in patterns]
            # A default pattern screens an event's free text, joined by newlines, in one search: in
            # multi-line mode ^ and $ also hold at the edges of every joined value, and none of
            # these patterns holds \A, \Z or a look-behind, so what matches in a value matches in
            # the joined text (a match that runs on across a newline only screens more in).
            self._joined_screens = [(re.compile(p, re.MULTILINE), _SCREEN_WORDS[p])
                                    for p in patterns if p in _SCREEN_WORDS]
        except re.error as exc:
            raise ValueError("bad redact pattern: %s" % exc)
        self._patterns_and_words = [(compiled, _SCREEN_WORDS.get(p)) for p, compiled in zip(patterns, self.patterns)]
        # A user's pattern may hold any of them: it screens each value on its own, as it redacts.
        self._value_screens = [pattern for pattern, words in self._patterns_and_words if words is None]

    def _screen(self, texts):
        """Whether one of the patterns matches one of the texts; a default pattern is not searched
        for in ASCII text that lacks its words (see _SCREEN_WORDS)."""
        text = "\n".join(texts)
        folded = _folded(text)
        for screen, words in self._joined_screens:
            if _may_hold(folded, words) and screen.search(text):
                return True
        return any(screen.search(value) for screen in self._value_screens for value in texts)

    def _patterns_for(self, text):
        """The patterns that may match text: all but the default ones whose words it lacks."""
        folded = _folded(text)
        return [pattern for pattern, words in self._patterns_and_words if words is None or _may_hold(folded, words)]

    def _replace(self, match):
        start, end = _secret_span(match)
        offset = match.start()
        text = match.group(0)
        return text[:start - offset] + REDACTED + text[end - offset:]

    def text(self, value):
        for pattern in self.patterns:
            value = pattern.sub(self._replace, value)
        return value

    def argv(self, argv):
        """Redacts each argument; what the patterns find in the command line read as one text, the
        arguments joined by spaces as proctitle shows them (`--db-password hunter2`); and the
        argument after a bare `--password`-like option."""
        line = " ".join(argv)
        spans = sorted(_secret_span(match)
                       for pattern in self._patterns_for(line) for match in pattern.finditer(line))
        result = []
        start = 0
        for index, arg in enumerate(argv):
            end = start + len(arg)
            if index and _SECRET_OPTION.match(argv[index - 1]):
                arg = REDACTED
            else:
                if spans and spans[0][0] < end:
                    arg = _hide(arg, start, spans)
                arg = self.text(arg)
            result.append(arg)
            start = end + 1
        return result

    def event(self, records):
        """Redacts the free text and the command lines of one event's records, in place. Most events
        hold nothing to redact: one screening of all their text finds those first."""
        free_text = [(record, _free_text_names(record["type"], record["fields"])) for record in records]
        texts = [record["fields"][name] for record, names in free_text for name in names]
        for record in records:
            argv = record.get("argv")
            if argv:
                # Each argument, and the command line as one text (see argv): a PROCTITLE record's
                # field shows it so.
                texts.extend(argv)
                if record["type"] == "EXECVE":
                    texts.append(" ".join(argv))
        text_has_secret = self._screen(texts)
        redacted_argv = {}
        for record, names in free_text:
            fields = record["fields"]
            if text_has_secret:
                for name in names:
                    fields[name] = self.text(fields[name])
                record["fields_json"] = None
            argv = record.get("argv")
            if argv and (text_has_secret or _SECRET_OPTIONS.search("\n".join(argv[:-1]))):
                # The EXECVE and PROCTITLE records of an event mostly hold the same arguments.
                key = tuple(argv)
                if key not in redacted_argv:
                    redacted_argv[key] = self.argv(argv)
                _set_argv(record, redacted_argv[key])


def module_redactor(patterns, defaults):
    """The Redactor of a module's `redact` patterns, after the default ones if `redact_defaults`."""
    return Redactor((list(DEFAULT_REDACT_PATTERNS) if defaults else []) + list(patterns))


def _folded(text):
    """ASCII text in lower case, else None (see _SCREEN_WORDS)."""
    return text.lower() if text.isascii() else None


def _may_hold(folded, words):
    """Whether text, folded by _folded, may hold a match of the default pattern of these words."""
    return folded is None or any(map(folded.__contains__, words))


def _secret_span(match):
    """Where the group named `secret` matched, else the whole match."""
    start, end = match.span(match.re.groupindex.get("secret", 0))
    return (start, end) if start >= 0 else match.span()


def _hide(text, offset, spans):
    """text, found at `offset` of a longer text, with the parts of it that the sorted (start, end)
    spans of the longer text cover replaced."""
    pieces = []
    done = 0
    for start, end in spans:
        start, end = max(start - offset, done), min(end - offset, len(text))
        if start < end:
            pieces += (text[done:start], REDACTED)
            done = end
    return "".join(pieces) + text[done:] if pieces else text


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
                if _success(fields) is wanted:
                    return True
            elif name == "syscall":
                if fields.get("syscall") in wanted or record.get("interpreted", {}).get("SYSCALL") in wanted:
                    return True
            elif fields.get(name) == wanted:
                return True
        return False


# The JSON strings of the record types met so far (a few dozen names at most).
_TYPE_JSON = {}


def event_json(records, redactor):
    """Records of one serial (file order) -> the public event object as JSON text, and its keys."""
    redactor.event(records)
    first = records[0]
    keys = event_keys(records)
    return '{"serial":%d,"time":"%s","node":%s,"keys":%s,"records":[%s],"summary":%s}' % (
        first["serial"], iso_time(first["sec"], first["ms"]),
        "null" if first["node"] is None else _to_json(first["node"]), _to_json(keys),
        ",".join(map(_record_json, records)), _to_json(summarize(records))), keys


def _record_json(record):
    record_type = record["type"]
    type_json = _TYPE_JSON.get(record_type) or _TYPE_JSON.setdefault(record_type, _to_json(record_type))
    text = '{"type":%s,"fields":%s' % (type_json, record.get("fields_json") or _to_json(record["fields"]))
    if "interpreted" in record:
        text += ',"interpreted":' + (record.get("interpreted_json") or _to_json(record["interpreted"]))
    return text + "}"


# Time words, as ausearch understands them (man ausearch, -ts).
TIME_WORDS = ("now", "recent", "boot", "today", "yesterday", "this-week", "week-ago", "this-month",
              "this-year")


def _local_midnight(now, days_back=0):
    day = datetime.datetime.fromtimestamp(now).replace(hour=0, minute=0, second=0, microsecond=0)
    day -= datetime.timedelta(days=days_back)
    return time.mktime(day.timetuple())


# An ISO 8601 date and time in the forms Python 3.11's datetime.fromisoformat reads and older ones
# do not: a fraction of any length (",5" too), an offset as Z, +HH or +HHMM.
_ISO_TIME = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}(?::\d{2}(?::\d{2})?)?)(?:[.,](\d+))?"
                       r"(?:(Z)|([+-]\d{2}):?(\d{2})?)?)?\Z", re.IGNORECASE)


def _iso_datetime(text):
    """datetime.fromisoformat(text) as Python 3.11 reads it, on the hosts' older Pythons too (they
    take a fraction of 3 or 6 digits only, and an offset only as +HH:MM)."""
    match = _ISO_TIME.match(text)
    if not match:
        return datetime.datetime.fromisoformat(text)
    date, clock, fraction, utc, offset_hours, offset_minutes = match.groups()
    iso = date
    if clock:
        iso += "T" + clock
        if fraction:
            iso += "." + (fraction + "000000")[:6]
        if utc:
            iso += "+00:00"
        elif offset_hours:
            iso += offset_hours + ":" + (offset_minutes or "00")
    return datetime.datetime.fromisoformat(iso)


def parse_time(value, now=None, boot_time=None, end=False):
    """An ausearch time word or an ISO 8601 time -> POSIX seconds. Naive ISO times are local time,
    like ausearch's. As the end of a window (end=True), `today` means now, as ausearch reads it."""
    now = time.time() if now is None else now
    word = value.strip().lower()
    if word == "now" or (end and word == "today"):
        return now
    if word == "recent":
        return now - 600
    if word == "boot":
        if boot_time is None:
            raise ValueError("the boot time is unknown on this host")
        return boot_time
    if word == "today":
        return _local_midnight(now)
    if word == "yesterday":
        return _local_midnight(now, 1)
    if word == "week-ago":
        return _local_midnight(now, 7)
    if word == "this-week":
        # Day 0 of the week in the C locale is Sunday.
        weekday = (datetime.datetime.fromtimestamp(now).weekday() + 1) % 7
        return _local_midnight(now, weekday)
    if word in ("this-month", "this-year"):
        day = datetime.datetime.fromtimestamp(now).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        if word == "this-year":
            day = day.replace(month=1)
        return time.mktime(day.timetuple())
    try:
        moment = _iso_datetime(value.strip())
    except ValueError:
        raise ValueError("bad time %r: use an ISO 8601 time or one of %s" % (value, ", ".join(TIME_WORDS)))
    if moment.tzinfo is None:
        return time.mktime(moment.timetuple()) + moment.microsecond / 1e6
    return calendar.timegm(moment.utctimetuple()) + moment.microsecond / 1e6
