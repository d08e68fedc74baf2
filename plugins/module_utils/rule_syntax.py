# Copyright: (c) 2026, fleetaudit maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Audit rule lines: words, options and the canonical form that ``auditctl -l`` prints.

A rule is parsed the way ``auditctl -R`` reads a line: split on spaces only (a tab is part of a
word), options as getopt sees them. `parse_rule` returns an `AuditRule` whose `identity` is equal
for a rule as written in a rules file and for the same rule as the kernel lists it, and whose
`normalized` text is what ``auditctl -l`` prints for it. What auditctl rewrites, and is
therefore folded into the canonical form (each one measured against a real kernel):

- ``-S a -S b`` become one set of syscall numbers (printed in number order), ``-S`` on the exit
  list without syscalls means all of them; ``-F arch=`` is printed first, ``x86_64``/``i386`` as
  ``b64``/``b32``;
- ``-k KEY`` and ``-F key=KEY`` are the same, printed last (``-F key=`` for rules);
- ``-w PATH`` (trailing slashes dropped, ``-p rwxa`` when absent) and ``-a always,exit -F path=``
  or ``-F dir=`` with ``-F perm=`` and nothing else are the same watch;
- permission letters in ``rwxa`` order; ``loginuid`` is ``auid``; ``unset``, ``4294967295`` and
  ``-1`` are one value; user and group names become numbers; errno names and numbers are one
  value (printed ``-EACCES``), message types likewise (printed by name); ``a0``..``a3`` are 32-bit
  and printed in hexadecimal; file types become numbers;
- with ``-F perm=`` the syscalls are the permission's: auditctl 4.0 lists them (``-S open,...``)
  for a rule with an arch, 3.0 lists ``-S all``;
- ``-C`` comparisons are symmetric (``-C loginuid=uid`` is listed as ``-C uid=auid``);
- fields are compared as a set (their order does not change what a rule matches).
"""

from __future__ import annotations

import grp
import pwd
import re

from ansible_collections.fleetaudit.auditd.plugins.module_utils.audit_vocabulary import (
    ARCH_ALIASES, ACTIONS, ARGUMENT_FIELDS, COMPARABLE_FIELDS, EQUALITY_ONLY_FIELDS, ERRNO_NAMES, ERRNO_NUMBERS,
    EXCLUDE_FIELDS, EXIT_ONLY_FIELDS, FIELD_ALIASES, FILE_TYPES, FS_TYPES, GID_FIELDS, KNOWN_FIELDS, LISTS,
    MESSAGE_TYPE_NUMBERS, MESSAGE_TYPES, NEGATIVE_FIELDS, PERMISSION_ORDER, SIGNED_FIELDS, UID_FIELDS, UNSET,
    UNSIGNED_FIELDS,
)

# AUDIT_MAX_KEY_LEN (kernel and auditctl, audit 3.0 and 4.0): the keys of a rule are joined by
# KEY_SEPARATOR into one string of at most 256 bytes, which is what auditctl accepts.
MAX_KEYS_BYTES = 256
KEY_SEPARATOR = "\x01"
# auditctl -R reads each line with fgets into LINE_SIZE (6144) bytes (audit 3.0 and 4.0): a longer
# line is cut and its rest read as the next rule; 6142 bytes and the newline are read in one piece.
MAX_LINE_BYTES = 6142
# -F values, -b and -r are 32-bit in the kernel: auditctl keeps the low 32 bits of a larger number.
U32_MAX = 0xFFFFFFFF
S32_MIN = -0x80000000
S32_MAX = 0x7FFFFFFF
# The kernel refuses a backlog_wait_time over 10 times its default of 60 s, in jiffies
# (10 * AUDIT_BACKLOG_WAIT_TIME = 600 * HZ): 150000 with HZ=250 (Debian's kernels), 600000 with
# HZ=1000, the highest HZ a kernel can be built with.
BACKLOG_WAIT_TIME_PER_HZ = 600
HIGHEST_HZ = 1000
# NAME OPERATOR VALUE, the two-character operators first as auditctl matches them.
_FIELD = re.compile(r"^([A-Za-z0-9_]*)(!=|>=|<=|&=|=|>|<|&)(.*)$")
# Options that take an argument, as auditctl's getopt string declares them.
_SHORT_WITH_ARGUMENT = frozenset("aAdSFCkpwWbfreRm")
_SHORT_FLAGS = frozenset("Dicls")
# The two-letter words, each to whether it takes the next word as its argument.
_SHORT_OPTIONS = dict([("-" + letter, True) for letter in _SHORT_WITH_ARGUMENT]
                      + [("-" + letter, False) for letter in _SHORT_FLAGS])
_LONG_WITH_ARGUMENT = frozenset(("--backlog_wait_time", "--signal"))
_LONG_FLAGS = frozenset(("--loginuid-immutable", "--reset-lost", "--reset_backlog_wait_time_actual"))
CONTROL_OPTIONS = frozenset(("-D", "-b", "-f", "-r", "-e", "-i", "-c", "--backlog_wait_time",
                             "--loginuid-immutable", "--reset-lost", "--reset_backlog_wait_time_actual"))
# `auditctl -s` key set by each control option.
STATUS_KEYS = {"-b": "backlog_limit", "-f": "failure", "-r": "rate_limit", "-e": "enabled",
               "--backlog_wait_time": "backlog_wait_time"}


class RuleError(ValueError):
    """A rule auditctl would refuse (or that this module cannot compare); the message says why."""


_HEX = re.compile(r"^0[xX][0-9a-fA-F]+$")
_OCTAL = re.compile(r"^0[0-7]+$")
_OCTAL_PREFIX = re.compile(r"^[0-7]*")


def _c_integer(text):
    """An integer the way strtol(..., 0) reads it (decimal, 0x hex, 0 octal, optional sign),
    refused where strtol would stop early and read another number (``08`` is 0)."""
    body = text[1:] if text[:1] in "+-" else text
    sign = -1 if text.startswith("-") else 1
    if body.isdigit() and body.isascii():
        if body.startswith("0") and len(body) > 1 and not _OCTAL.match(body):
            read = int(_OCTAL_PREFIX.match(body).group(0), 8)
            raise RuleError("%r is not a number as written: a leading 0 makes it octal, "
                            "where 8 and 9 are no digits (auditctl would read %d)" % (text, sign * read))
        return sign * int(body, 8 if _OCTAL.match(body) else 10)
    if _HEX.match(body):
        return sign * int(body[2:], 16)
    raise RuleError("%r is not a number" % text)


def _signed32(value):
    value &= 0xFFFFFFFF
    return value - 0x100000000 if value & 0x80000000 else value


def _looks_numeric(value, negative):
    """Whether auditctl reads `value` as a number: a digit first, or a minus and a digit where
    the field takes a sign (anything else is a name to look up, or refused)."""
    return value[:1].isdigit() or (negative and value[:1] == "-" and value[1:2].isdigit())


def _field_number(name, value, listed=False):
    """A number of a ``-F`` field, as auditctl reads it and the kernel keeps it.

    auditctl reads digits with strtoul and, for NEGATIVE_FIELDS, a minus and digits with strtol,
    then keeps 32 bits: ``uid=4294967296`` would load as ``uid=0``, so a number out of the
    field's 32-bit range is refused. `listed` reads ``auditctl -l``, which prints some unsigned
    fields signed (``pid=-1``).
    """
    if not _looks_numeric(value, negative=True):
        raise RuleError("%r is not a number" % value)
    if value.startswith("-") and not listed and name not in NEGATIVE_FIELDS:
        raise RuleError("field %s takes no negative number (auditctl refuses %s)" % (name, value))
    number = _c_integer(value)
    low, high = (S32_MIN, S32_MAX) if name == "exit" else (S32_MIN, U32_MAX)
    if not low <= number <= high:
        loaded = _signed32(number) if name == "exit" else number & U32_MAX
        shown_low = low if name == "exit" or value.startswith("-") else 0
        raise RuleError("%s=%s is out of range: the kernel holds %d to %d there, and auditctl would load %s=%d"
                        % (name, value, shown_low, high, name, loaded))
    return number & U32_MAX


def _account_number(name, value, listed):
    """The value of a uid or gid field: a number, a user or group name, or (uid fields) unset.

    auditctl reads a gid with a minus as a group name. The kernel refuses -1 (unset) in every
    one of these fields but auid (loginuid), where it means "never logged in".
    """
    uid = name in UID_FIELDS
    if uid and value == "unset":
        number = UNSET
    elif _looks_numeric(value, negative=uid or listed):
        number = _field_number(name, value, listed)
    else:
        kind = "user" if uid else "group"
        try:
            number = pwd.getpwnam(value).pw_uid if uid else grp.getgrnam(value).gr_gid
        except KeyError:
            hint = " (auditctl reads a gid with a minus as a group name)" if value.startswith("-") else ""
            raise RuleError("unknown %s %r in %s%s" % (kind, value, name, hint))
    if number == UNSET and name != "auid":
        raise RuleError("%s=%s: the kernel refuses -1 (4294967295, unset) as a %s; only auid can be unset"
                        % (name, value, "user" if uid else "group"))
    return number


def _exit_value(value, listed):
    negative = value.startswith("-")
    name = value[1:] if negative else value
    if name in ERRNO_NUMBERS:
        return -ERRNO_NUMBERS[name] if negative else ERRNO_NUMBERS[name]
    if not _looks_numeric(value, negative=True):
        raise RuleError("unknown errno %s in exit field" % value)
    return _signed32(_field_number("exit", value, listed))


def _named_number(name, value, numbers, what, known=None, listed=False):
    """A value given by name (a key of `numbers`) or as a number (one of `known` if given)."""
    if value in numbers:
        return numbers[value]
    if not _looks_numeric(value, negative=False):
        raise RuleError("unknown %s %s" % (what, value))
    number = _field_number(name, value, listed)
    if known is not None and number not in known:
        raise RuleError("unknown %s %s" % (what, value))
    return number


def _field_forms(name, value, listed=False):
    """``(canonical, printed, loadable)`` forms of one ``-F`` value.

    *printed* is what ``auditctl -l`` shows; *loadable* is what ``auditctl`` accepts back, which
    differs for some (``-F pid=-1`` and ``-F filetype=32768`` are refused). `listed` reads a
    value as ``auditctl -l`` prints it.
    """
    if name in UID_FIELDS or name in GID_FIELDS:
        number = _account_number(name, value, listed)
        return number, str(_signed32(number)), str(number)
    if name in SIGNED_FIELDS:
        number = UNSET if value == "unset" and name == "sessionid" else _field_number(name, value, listed)
        return number, str(_signed32(number)), str(number)
    if name in UNSIGNED_FIELDS:
        number = _field_number(name, value, listed)
        return number, str(number), str(number)
    if name in ARGUMENT_FIELDS:
        number = _field_number(name, value, listed)
        return number, "0x%X" % number, "0x%X" % number
    if name == "exit":
        number = _exit_value(value, listed)
        printed = "-" + ERRNO_NAMES[-number] if number < 0 and -number in ERRNO_NAMES else str(number)
        return number, printed, printed
    if name == "msgtype":
        number = _named_number(name, value, MESSAGE_TYPE_NUMBERS, "message type", listed=listed)
        printed = MESSAGE_TYPES.get(number, str(number))
        return number, printed, printed
    if name == "perm":
        if not value or set(value) - set(PERMISSION_ORDER):
            raise RuleError("bad permission letters %r (only r, w, x and a)" % value)
        letters = "".join(letter for letter in PERMISSION_ORDER if letter in value)
        return letters, letters, letters
    if name == "filetype":
        number = _named_number(name, value, FILE_TYPES, "file type", known=FILE_TYPES.values(), listed=listed)
        names = {code: text for text, code in FILE_TYPES.items()}
        return number, str(number), names[number]
    if name == "fstype":
        number = _named_number(name, value, FS_TYPES, "file system type", listed=listed)
        names = {code: text for text, code in FS_TYPES.items()}
        printed = names.get(number, str(number))
        return number, printed, printed
    return value, value, value


class AuditRule:
    """One parsed rule line.

    ``kind`` is ``control`` (``-D``, ``-b``, ``-e``, ...: ``controls`` maps option to value),
    ``rule`` (``-a``/``-A``/``-w``: added to the kernel) or ``delete`` (``-d``/``-W``).
    """

    __slots__ = ("text", "kind", "command", "controls", "list", "action", "arch", "syscalls",
                 "fields", "keys", "watch_path", "perms", "identity", "normalized", "loadable", "paths")

    def __init__(self, text):
        self.text = text
        self.kind = None
        self.command = None
        self.controls = {}
        self.list = None
        self.action = None
        self.arch = None
        self.syscalls = None
        self.fields = []
        self.keys = []
        self.watch_path = None
        self.perms = None
        self.identity = None
        self.normalized = None
        # A line auditctl loads back into this same rule (restoring a kernel from its listing).
        self.loadable = None
        # (option, path) of each watched path: ("-w", p), ("path", p) or ("dir", p).
        self.paths = []

    def __repr__(self):
        return "AuditRule(%r)" % (self.normalized or self.text)


def split_words(line):
    """The words of a rule line as ``auditctl -R`` splits it: on spaces only."""
    return list(filter(None, line.split(" ")))


def _options(words):
    """``[(option, argument or None), ...]`` the way getopt reads auditctl's options."""
    result = []
    index = 0
    count = len(words)
    while index < count:
        word = words[index]
        index += 1
        takes_argument = _SHORT_OPTIONS.get(word)
        if takes_argument is False:
            result.append((word, None))
            continue
        if takes_argument and index < count:
            result.append((word, words[index]))
            index += 1
            continue
        if word.startswith("--"):
            name, equals, attached = word.partition("=")
            if name in _LONG_FLAGS and not equals:
                result.append((name, None))
            elif name in _LONG_WITH_ARGUMENT:
                if equals:
                    result.append((name, attached))
                elif index < len(words):
                    result.append((name, words[index]))
                    index += 1
                else:
                    raise RuleError("option %s needs a value" % name)
            else:
                raise RuleError("unknown option %s" % word)
            continue
        if not word.startswith("-") or len(word) < 2:
            raise RuleError("unexpected word %r (options start with -)" % word)
        letter = word[1]
        if letter in _SHORT_FLAGS and len(word) == 2:
            result.append(("-" + letter, None))
        elif letter in _SHORT_WITH_ARGUMENT:
            if len(word) > 2:
                result.append(("-" + letter, word[2:]))
            elif index < len(words):
                result.append(("-" + letter, words[index]))
                index += 1
            else:
                raise RuleError("option -%s needs a value" % letter)
        else:
            raise RuleError("unknown option %s" % word)
    return result


def _list_action(value):
    parts = value.split(",")
    if len(parts) != 2:
        raise RuleError("-a needs LIST,ACTION (for example always,exit), got %r" % value)
    first, second = parts
    if first in ACTIONS or second in LISTS or second == "entry":
        action, rule_list = first, second
    else:
        rule_list, action = first, second
    if rule_list == "entry":
        raise RuleError("the entry list is deprecated and refused by auditctl; use exit")
    if rule_list not in LISTS:
        raise RuleError("unknown list %r (one of %s)" % (rule_list, ", ".join(LISTS)))
    if action not in ACTIONS:
        raise RuleError("unknown action %r (always or never)" % action)
    return rule_list, action


def _control_value(option, value):
    if option in ("-e", "-f"):
        if value not in ("0", "1", "2"):
            raise RuleError("%s takes 0, 1 or 2, not %r" % (option, value))
        return value
    if option in ("-b", "-r", "--backlog_wait_time"):
        # auditctl reads them with strtoul(..., 0) after checking for a digit first.
        if not value[:1].isdigit():
            raise RuleError("%s takes a non-negative integer, not %r" % (option, value))
        number = _c_integer(value)
        if number > U32_MAX:
            setting = STATUS_KEYS[option]
            reason = "%s %s is out of range: the kernel's %s holds 0 to %d" % (option, value, setting, U32_MAX)
            if number < 2 ** 64:  # beyond, strtoul fails and auditctl refuses it
                kept = number & U32_MAX
                unlimited = " (no limit)" if not kept and option != "--backlog_wait_time" else ""
                reason += ": auditctl would set %s %d%s" % (setting, kept, unlimited)
            raise RuleError(reason)
        reason = backlog_wait_time_reason(number) if option == "--backlog_wait_time" else None
        if reason:
            raise RuleError(reason)
        return str(number)
    return value


def backlog_wait_time_reason(value, hz=None):
    """Why the kernel refuses ``--backlog_wait_time`` `value`, or ``None``: over 600 * HZ jiffies,
    with the host's `hz`, or when unknown the highest HZ a kernel can be built with.

    auditctl's own refusal misleads: "Error sending backlog limit request (Invalid argument)".
    """
    limit = BACKLOG_WAIT_TIME_PER_HZ * (hz or HIGHEST_HZ)
    if value <= limit:
        return None
    which = ("this host's kernel (HZ=%d)" % hz if hz
             else "any kernel (HZ=%d; 150000 with the HZ=250 of Debian's kernels)" % HIGHEST_HZ)
    return ("--backlog_wait_time %d is over %d, the most %s takes: 10 times its default wait of 60 s, "
            "counted in jiffies" % (value, limit, which))


def parse_rule(text, tables, names_bits=None, listed=False):
    """Parses one rule line; raises `RuleError` with the reason auditctl would refuse it.

    Returns ``None`` for a line auditctl skips (empty, or a comment after leading spaces).
    `names_bits` is the personality whose syscall table names the syscalls of a rule without
    ``-F arch=`` (default: the host's own). `listed` reads a line of ``auditctl -l``, where
    ``-w DIR/`` (with the slash, which ``-w`` drops) stands for a ``-F dir=DIR/`` rule.
    """
    stripped = text.lstrip(" ")
    if not stripped or stripped.startswith("#"):
        return None
    if "\t" in text:
        raise RuleError("tab character: auditctl splits rule words on spaces only")
    if "\r" in text:
        # augenrules before audit 4.0 keeps a CRLF file's carriage returns in the compiled file.
        raise RuleError("carriage return (a CRLF file?): it would become part of the rule")
    if not listed:
        _check_text(text)
    rule = AuditRule(text)
    options = _options(split_words(text))
    syscall_words = []
    field_words = []
    for option, value in options:
        # The most frequent option first.
        if option == "-F":
            if rule.command not in ("-a", "-A", "-d"):
                raise RuleError("-F needs -a (or -A, -d) given before it")
            field_words.append(("-F", value, bool(syscall_words)))
        elif option in ("-a", "-A", "-d"):
            if rule.command:
                raise RuleError("more than one of -a, -A, -d, -w, -W in one rule")
            rule.command = option
            rule.list, rule.action = _list_action(value)
        elif option in ("-w", "-W"):
            if rule.command:
                raise RuleError("more than one of -a, -A, -d, -w, -W in one rule")
            rule.command = option
            if not value.startswith("/"):
                raise RuleError("watch path %r is not absolute" % value)
            rule.watch_path = value if listed else value.rstrip("/") or "/"
        elif option == "-p":
            if rule.command not in ("-w", "-W"):
                raise RuleError("-p needs a watch (-w) given before it; use -F perm= in -a rules")
            rule.perms = _field_forms("perm", value, listed)[0]
        elif option == "-S":
            if rule.command not in ("-a", "-A", "-d"):
                raise RuleError("-S needs -a (or -A, -d) given before it")
            syscall_words.append(value)
        elif option == "-C":
            if rule.command not in ("-a", "-A", "-d"):
                raise RuleError("-C needs -a (or -A, -d) given before it")
            field_words.append(("-C", value, bool(syscall_words)))
        elif option == "-k":
            rule.keys.append(value)
        elif option in CONTROL_OPTIONS:
            rule.controls[option] = _control_value(option, value)
        else:
            raise RuleError("option %s does not belong in a rules file" % option)
    if rule.command and rule.controls and set(rule.controls) != {"-i", "-c"}:
        raise RuleError("control options (%s) mixed with a rule" % ", ".join(sorted(rule.controls)))
    if rule.command is None:
        if rule.keys and set(rule.controls) != {"-D"}:
            raise RuleError("-k needs a rule (-a or -w) or -D given before it")
        if not rule.controls:
            raise RuleError("no rule and no control option")
        rule.kind = "control"
        _check_keys(rule.keys, listed)
        return rule
    rule.kind = "delete" if rule.command in ("-d", "-W") else "rule"
    if rule.command in ("-w", "-W"):
        rule.paths.append(("-w", rule.watch_path))
        _finish_watch(rule, rule.watch_path, rule.perms or PERMISSION_ORDER, None)
    else:
        _finish_syscall_rule(rule, syscall_words, field_words, tables, names_bits, listed)
    _check_keys(rule.keys, listed)
    return rule


# Characters the kernel and auditctl do not keep as written (tab and carriage return have their own
# reasons): NUL ends the line for auditctl,
# \x01 separates the keys of a rule, auditctl 4.0 takes \x04 and \x07 for escapes.
_CONTROL_CHARACTER = re.compile("[\x00-\x08\x0a-\x0c\x0e-\x1f\x7f]")
# What surrogateescape decoding makes of bytes that are not UTF-8.
_NOT_UTF8 = re.compile("[\udc80-\udcff]")
# auditctl finds a -F operator anywhere in the word, these first: in "key=a!=b" the field is "key=a".
_TWO_CHARACTER_OPERATORS = ("!=", ">=", "<=", "&=")


def _check_text(text):
    """Refuses a written line that would not reach the kernel as written."""
    size = len(text.encode("utf-8", "surrogateescape"))
    if size > MAX_LINE_BYTES:
        raise RuleError("line is %d bytes long: auditctl reads at most %d (and the newline) at once "
                        "and would take the rest for another rule" % (size, MAX_LINE_BYTES))
    match = _NOT_UTF8.search(text)
    if match:
        raise RuleError("byte \\x%02x at column %d is not UTF-8: rule files must be UTF-8 text"
                        % (ord(match.group(0)) - 0xDC00, match.start() + 1))
    match = _CONTROL_CHARACTER.search(text)
    if match:
        character = match.group(0)
        why = ("auditctl ends the rule there" if character == "\x00"
               else "the kernel joins the keys of a rule with it, and would list two keys" if character == KEY_SEPARATOR
               else "rules must be printable text")
        raise RuleError("control character \\x%02x at column %d: %s" % (ord(character), match.start() + 1, why))


def _check_keys(keys, listed=False):
    for key in keys:
        if not key:
            raise RuleError("empty key")
        operators = [operator for operator in _TWO_CHARACTER_OPERATORS if operator in key]
        if operators and not listed:
            raise RuleError("key %r holds %s: auditctl reads key=%s as a field comparison and refuses it"
                            % (key, operators[0], key))
    size = sum(len(key.encode("utf-8", "surrogateescape")) for key in keys) + len(keys) - 1
    if size > MAX_KEYS_BYTES:
        if len(keys) == 1:
            raise RuleError("key is %d bytes long: the kernel takes at most %d" % (size, MAX_KEYS_BYTES))
        raise RuleError("the %d keys take %d bytes, joined by a separator: the kernel takes at most %d "
                        "for all keys of a rule" % (len(keys), size, MAX_KEYS_BYTES))


def _finish_watch(rule, path, perms, field_words):
    """Makes `rule` a watch; `field_words` are the loadable ``-F`` words of an ``-a`` form."""
    rule.watch_path = path
    rule.perms = perms
    # The kernel lists "-F dir=/d/" as "-w /d/" but "-w /d/" as "-w /d": one watch either way.
    rule.identity = ("watch", path.rstrip("/") or "/", perms, tuple(rule.keys))
    rule.normalized = " ".join(["-w", path, "-p", perms] + ["-k " + key for key in rule.keys])
    if field_words is None and path.endswith("/") and path != "/":
        field_words = ["-F dir=%s" % path, "-F perm=%s" % perms]
    if field_words is None:
        rule.loadable = rule.normalized
    else:
        # The -a form in its own field order, which is the order auditctl -l prints it in.
        rule.loadable = " ".join(["-a always,exit"] + field_words + ["-F key=" + key for key in rule.keys])


def _parse_field(kind, word, rule, listed):
    match = _FIELD.match(word)
    if not match or not match.group(1):
        raise RuleError("%s %r is not NAME OPERATOR VALUE" % (kind, word))
    name, op, value = match.groups()
    name = FIELD_ALIASES.get(name, name)
    if kind == "-C":
        other = FIELD_ALIASES.get(value, value)
        for side in (name, other):
            if side not in COMPARABLE_FIELDS:
                raise RuleError("-C cannot compare %s (only uid and gid fields)" % side)
        if op not in ("=", "!="):
            raise RuleError("-C takes only = or !=, not %s" % op)
        word = "-C %s%s%s" % (name, op, other)
        return ("-C", frozenset((name, other)), op), word, word
    if name not in KNOWN_FIELDS:
        raise RuleError("unknown field %s" % name)
    if name == "perm" and op != "=":
        raise RuleError("field perm takes only =, not %s" % op)
    if name in EQUALITY_ONLY_FIELDS and op not in ("=", "!="):
        raise RuleError("field %s takes only = or !=, not %s" % (name, op))
    if name in EXIT_ONLY_FIELDS and rule.list != "exit":
        raise RuleError("field %s can only be used with the exit list" % name)
    if name == "msgtype" and rule.list not in ("exclude", "user"):
        raise RuleError("field msgtype can only be used with the exclude or user list")
    if rule.list == "exclude" and name not in EXCLUDE_FIELDS:
        raise RuleError("field %s cannot be used with the exclude list "
                        "(only msgtype, *uid, *gid, pid, exe and subj_*)" % name)
    if name == "fstype" and rule.list != "filesystem":
        raise RuleError("field fstype can only be used with the filesystem list")
    if rule.list == "filesystem" and name not in ("fstype", "key"):
        raise RuleError("field %s cannot be used with the filesystem list (only fstype)" % name)
    if not value:
        raise RuleError("field %s has no value" % name)
    canonical, printed, loadable = _field_forms(name, value, listed)
    return (name, op, canonical), "-F %s%s%s" % (name, op, printed), "-F %s%s%s" % (name, op, loadable)


# The fields of an -a rule that auditctl -l lists as a watch (with nothing else).
_WATCH_FIELDS = ({"path", "perm"}, {"dir", "perm"})


def _finish_syscall_rule(rule, syscall_words, field_words, tables, default_bits, listed):
    fields = []
    arch_bits = None
    for kind, word, after_syscalls in field_words:
        if kind == "-F" and word.startswith("key="):
            rule.keys.append(word[4:])
            continue
        if kind == "-F" and word.startswith("arch"):
            match = _FIELD.match(word)
            if not match or match.group(2) not in ("=", "!="):
                raise RuleError("field arch takes only = or !=")
            if after_syscalls:
                raise RuleError("-F arch must be given before -S (auditctl: arch must be before -S)")
            if match.group(3) not in ARCH_ALIASES:
                raise RuleError("unknown arch %s" % match.group(3))
            if arch_bits is not None:
                raise RuleError("-F arch given twice")
            arch_bits = (match.group(2), ARCH_ALIASES[match.group(3)])
            continue
        fields.append(_parse_field(kind, word, rule, listed))
    rule.arch = arch_bits
    names_bits = arch_bits[1] if arch_bits and arch_bits[0] == "=" else (default_bits or tables.default_bits)
    if syscall_words and rule.list not in ("exit", "io_uring"):
        raise RuleError("-S can only be used with the exit list, not %s" % rule.list)
    syscalls = None
    if rule.list == "exit":
        syscalls, syscall_names, syscall_numbers = tables.syscall_set(names_bits, syscall_words)
    elif rule.list == "io_uring":
        syscalls = frozenset(name for word in syscall_words for name in word.split(",") if name)
    rule.syscalls = syscalls
    rule.fields = [field[0] for field in fields]
    for name, op, value in rule.fields:
        if op == "=" and (name == "path" or name == "dir"):
            rule.paths.append((name, value))
    if (len(rule.fields) == 2 and syscalls == "all" and arch_bits is None and rule.list == "exit"
            and rule.action == "always" and {field[0] for field in rule.fields} in _WATCH_FIELDS
            and rule.fields[0][1] == rule.fields[1][1] == "="):
        path = [field[2] for field in rule.fields if field[0] in ("path", "dir")][0]
        perms = [field[2] for field in rule.fields if field[0] == "perm"][0]
        _finish_watch(rule, path, perms, [word for _canonical, _printed, word in fields])
        return
    listed = "-a %s,%s" % (rule.action, rule.list)
    if arch_bits:
        listed += " -F arch%sb%d" % arch_bits
    loadable = listed
    if rule.list == "exit":
        listed += " -S " + syscall_names
        # Numbers: auditctl -l may name them with another arch's table (see rules_drift).
        loadable += " -S " + syscall_numbers
    elif rule.list == "io_uring" and syscalls:
        listed += " -S " + ",".join(sorted(syscalls))
        loadable = listed
    for _canonical, printed, word in fields:
        listed += " " + printed
        loadable += " " + word
    keys = "".join(" -F key=" + key for key in rule.keys)
    rule.normalized = listed + keys
    rule.loadable = loadable + keys
    # With -F perm= the permission decides the syscalls: auditctl 4.0 lists an arch-bound perm rule
    # with the syscall list the permission implies, 3.0 with `-S all`. Either is the same rule.
    matched = "perm" if rule.list == "exit" and any(field[0] == "perm" for field in rule.fields) else syscalls
    rule.identity = ("rule", rule.list, rule.action, arch_bits, matched, frozenset(rule.fields), tuple(rule.keys))


def kernel_match_key(rule):
    """What the kernel compares to answer "Rule exists": a rule's fields in their order and
    number (it loads ``-F uid=0 -F gid=0`` and ``-F gid=0 -F uid=0`` as two rules)."""
    if rule.identity[0] == "watch":
        return rule.identity
    return rule.identity + (tuple(rule.fields),)
