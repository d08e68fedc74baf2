# -*- coding: utf-8 -*-
# Copyright: (c) fleetaudit maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Redaction of secrets in an event's free text and command lines, on the host, before anything
leaves it: the built-in patterns, a user's own, and the screening that keeps it exact and fast."""

from __future__ import annotations

import re

from ansible_collections.fleetaudit.auditd.plugins.module_utils.records import (
    ENCODED_FIELDS,
    EXECVE_ARGUMENT,
    set_argv,
)

REDACTED = "[REDACTED]"

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

# Any of these words: most values hold none, and one search tells.
_ANY_SCREEN_WORD = re.compile("|".join(sorted(set(map(re.escape, sum(_SCREEN_WORDS.values(), ()))))))

_SECRET_OPTION = re.compile(
    r"(?i)^--?(?:password|passwd|passphrase|pwd|secret|token|api[-_]?key|access[-_]?key)$"
)

_SECRET_OPTIONS = re.compile(_SECRET_OPTION.pattern, re.MULTILINE)

# A search's events mostly repeat the same values and command lines (one program run again and
# again, the same paths): a Redactor remembers what it made of each, up to this many of each kind,
# and texts no longer than _REMEMBERED_CHARS (which bounds the memory this takes).
_REMEMBERED = 1024
_REMEMBERED_CHARS = 1024


def _free_text_names(record_type, fields):
    """Fields that can hold user-supplied text: strings the kernel may hex-encode, user-space
    message text, EXECVE arguments. Numbers, ids and flags cannot hold a secret."""
    if record_type == "EXECVE":
        return [name for name in fields if EXECVE_ARGUMENT.match(name)]
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
        # What each text, argument list and event's joined free text came to (see _REMEMBERED).
        self._texts = {}
        self._argvs = {}
        self._screens = {}

    def _screen(self, texts):
        """Whether one of the patterns matches one of the texts."""
        text = "\n".join(texts)
        return _remembered(self._screens, text, self._screen_text, len(text)) or any(
            screen.search(value) for screen in self._value_screens for value in texts)

    def _screen_text(self, text):
        """Whether a default pattern matches the text: one not searched for in ASCII text that lacks
        its words (see _SCREEN_WORDS)."""
        folded = _folded(text)
        for screen, words in self._joined_screens:
            if _may_hold(folded, words) and screen.search(text):
                return True
        return False

    def _patterns_for(self, text):
        """The patterns that may match text: all but the default ones whose words it lacks."""
        folded = _folded(text)
        if folded is not None and not _ANY_SCREEN_WORD.search(folded):
            return self._value_screens
        return [pattern for pattern, words in self._patterns_and_words if words is None or _may_hold(folded, words)]

    def _replace(self, match):
        start, end = _secret_span(match)
        offset = match.start()
        text = match.group(0)
        return text[:start - offset] + REDACTED + text[end - offset:]

    def text(self, value):
        """The value with what the patterns match in it redacted."""
        return _remembered(self._texts, value, self._redact_text, len(value))

    def _redact_text(self, value):
        # A redaction inserts REDACTED, which holds none of the screening words and parts the text
        # around it: what a pattern's words screened out of the value stays out after the others.
        for pattern in self._patterns_for(value):
            value = pattern.sub(self._replace, value)
        return value

    def argv(self, argv):
        """Redacts each argument; what the patterns find in the command line read as one text, the
        arguments joined by spaces as proctitle shows them (`--db-password hunter2`); and the
        argument after a bare `--password`-like option."""
        return list(_remembered(self._argvs, tuple(argv), self._redact_argv, sum(map(len, argv))))

    def _redact_argv(self, argv):
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
        for record, names in free_text:
            fields = record["fields"]
            if text_has_secret:
                for name in names:
                    fields[name] = self.text(fields[name])
                record["fields_json"] = None
            argv = record.get("argv")
            if argv and (text_has_secret or _SECRET_OPTIONS.search("\n".join(argv[:-1]))):
                set_argv(record, self.argv(argv))


def module_redactor(patterns, defaults):
    """The Redactor of a module's `redact` patterns, after the default ones if `redact_defaults`."""
    return Redactor((list(DEFAULT_REDACT_PATTERNS) if defaults else []) + list(patterns))


def _remembered(memory, key, make, chars):
    """make(key), remembered in memory (a dict) if the key is of few chars (see _REMEMBERED)."""
    try:
        return memory[key]
    except KeyError:
        pass
    value = make(key)
    if chars <= _REMEMBERED_CHARS:
        if len(memory) >= _REMEMBERED:
            memory.clear()
        memory[key] = value
    return value


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
