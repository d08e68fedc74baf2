# Copyright: (c) 2026, fleetaudit maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The load transaction of fleetaudit.auditd.augenrules.

- `RunLock`: one run at a time per host (the kernel's rules are one per host), waited for up to a
  bound, naming its holder.
- `FileTransaction`: the rule files, the compiled file and its ``.prev`` written all or none.
- `Intent`: what a run is about to change, recorded before its first change and removed once the
  kernel is verified, so that the next run finds an interrupted load and repairs it.
- `transaction_errors`: deletions of rules not loaded before them, which stop ``auditctl -R`` (at
  every boot too); `ignoring_errors`: the ``-i``/``-c`` lines that let a load go on past a refusal.
"""

from __future__ import annotations

import base64
import errno
import fcntl
import json
import os
import time

from ansible_collections.fleetaudit.auditd.plugins.module_utils.host_io import atomic_write

# Under /run: a reboot empties it, and after a reboot the kernel holds what the boot loaded from
# the compiled file, so there is no interrupted load left to repair.
STATE_DIR = "/run/fleetaudit-augenrules"
LOCK_NAME = "lock"
INTENT_NAME = "intent.json"
INTENT_FORMAT = 1
# Hidden names beside each file written: augenrules reads only names ending in ".rules" that
# do not start with a dot, and the lock makes them one run's own.
TEMPORARY_PREFIX = ".fleetaudit-augenrules."
FILE_MODE = 0o640
# What a bare "-D" line is: no rules at all.
_NO_POLICY = ("-D",)


class TransactionError(Exception):
    """A file operation that failed, with the path it failed on."""


def path_error(action, path, error):
    return TransactionError("cannot %s %s: %s" % (action, path, getattr(error, "strerror", None) or error))


def check_rule_paths(rules_dir, rules_file, isdir=os.path.isdir, exists=os.path.exists):
    """Why `rules_dir` and `rules_file` cannot be used, or ``None``: checked before anything is
    written, so that a run does not write the rule files and then fail on the compiled file."""
    if exists(rules_dir) and not isdir(rules_dir):
        return "rules_dir %s is not a directory" % rules_dir
    if isdir(rules_file):
        return "rules_file %s is a directory" % rules_file
    parent = os.path.dirname(rules_file) or "."
    if os.path.realpath(parent) == os.path.realpath(rules_dir):
        return ("rules_file %s is inside rules_dir %s: the next compile would read it as a rule "
                "file and find every rule twice" % (rules_file, rules_dir))
    if not isdir(parent):
        return "rules_file %s: its directory %s does not exist" % (rules_file, parent)
    return None


def is_empty_policy(lines):
    """Whether compiled lines (texts) hold no rule and no setting: loading them flushes the kernel."""
    return all(line.strip() in _NO_POLICY for line in lines)


def transaction_errors(parsed):
    """``{file, line, rule, reason}`` for each parsed compiled line (``[(line, rule), ...]``, in
    compiled order) that would stop ``auditctl -R``, at boot too."""
    errors = []
    loaded = []
    for line, rule in parsed:
        reason = None
        if rule.kind == "control":
            if "-D" in rule.controls:
                loaded = [kept for kept in loaded if rule.keys and not set(kept.keys) & set(rule.keys)]
        elif rule.kind == "rule":
            loaded.append(rule)
        elif rule.kind == "delete":
            match = [index for index, kept in enumerate(loaded) if kept.identity == rule.identity]
            if match:
                del loaded[match[0]]
            else:
                reason = ("deletes a rule the compiled file does not load before it: auditctl -R "
                          "(at every boot) stops there and loads none of the rules after it")
        if reason:
            errors.append({"file": line.source, "line": line.line, "rule": line.text, "reason": reason})
    return errors


def ignoring_errors(parsed):
    """``FILE:LINE`` of each ``-i`` or ``-c`` line: with one, ``auditctl -R`` goes on past the rules
    it refuses and exits 0, so only reading the kernel back tells a partial load."""
    return ["%s:%d" % (line.source, line.line) for line, rule in parsed
            if rule.kind == "control" and set(rule.controls) & {"-i", "-c"}]


class LockBusy(Exception):
    """The lock stayed held for the whole wait; the message names the holder."""


class RunLock:
    """An exclusive ``flock`` on `path`, whose file names its holder (PID, since when, what)."""

    def __init__(self, path):
        self.path = path
        self.fd = None

    def acquire(self, timeout, what, clock=time.monotonic, sleep=time.sleep):
        """Waits up to `timeout` seconds; raises `LockBusy` with the holder's line, or OSError."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = clock() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except (IOError, OSError) as error:
                if error.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    os.close(fd)
                    raise
            left = deadline - clock()
            if left <= 0:
                holder = os.pread(fd, 4096, 0).decode("utf-8", "replace").strip() or "an unknown process"
                os.close(fd)
                raise LockBusy(holder)
            sleep(min(0.1, left))
        holder = "PID %d since %s (%s)\n" % (os.getpid(), time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), what)
        os.ftruncate(fd, 0)
        os.pwrite(fd, holder.encode("utf-8"), 0)
        self.fd = fd
        return self


def write_all(fd, data):
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _temporary(path, kind):
    directory, name = os.path.split(path)
    return os.path.join(directory, TEMPORARY_PREFIX + kind + "." + name)


def _remove(path):
    try:
        os.unlink(path)
    except OSError as error:
        if error.errno != errno.ENOENT:
            raise


class FileTransaction:
    """Writes and removes files all or none.

    `changes` is ``[(path, content or None to remove), ...]`` in the order they are committed.
    `prepare` writes every new content to a hidden file beside its path and keeps the old file
    as a hard link, so that a full disk fails there, before any rename; `commit` renames;
    `undo` puts the old files back by renames alone (no space needed); `finish` drops the
    old copies.
    """

    def __init__(self, changes, mode=FILE_MODE):
        self.changes = list(changes)
        self.mode = mode
        self.done = []
        self.created_dirs = []

    def temporaries(self):
        return [_temporary(path, kind) for path, _content in self.changes for kind in ("new", "old")]

    def prepare(self):
        try:
            for path, content in self.changes:
                self._prepare(path, content)
        except TransactionError:
            self.discard()
            raise

    def _prepare(self, path, content):
        directory = os.path.dirname(path)
        if not os.path.isdir(directory):
            try:
                os.mkdir(directory, 0o750)
            except OSError as error:
                raise path_error("create directory", directory, error)
            self.created_dirs.append(directory)
        new, old = _temporary(path, "new"), _temporary(path, "old")
        for stale in (new, old):
            try:
                _remove(stale)
            except OSError as error:
                raise path_error("remove", stale, error)
        if content is not None:
            self._write(path, new, content)
        if os.path.lexists(path):
            try:
                os.link(path, old)
            except OSError as error:
                raise path_error("keep the previous", path, error)

    def _write(self, path, temporary, content):
        try:
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                write_all(fd, content)
                if os.path.exists(path):
                    stat = os.stat(path)
                    os.fchown(fd, stat.st_uid, stat.st_gid)
                os.fchmod(fd, self.mode)
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as error:
            raise path_error("write", path, error)

    def commit(self):
        try:
            for path, content in self.changes:
                try:
                    if content is None:
                        _remove(path)
                    else:
                        os.rename(_temporary(path, "new"), path)
                except OSError as error:
                    raise path_error("replace" if content is not None else "remove", path, error)
                self.done.append(path)
        except TransactionError as error:
            problems = self.undo()
            if problems:
                raise TransactionError("%s; UNDO INCOMPLETE: %s" % (error, "; ".join(problems)))
            raise

    def undo(self):
        """Puts back what was committed; returns the problems (none when all is back)."""
        problems = []
        for path in reversed(self.done):
            old = _temporary(path, "old")
            try:
                if os.path.lexists(old):
                    os.rename(old, path)
                else:
                    _remove(path)
            except OSError as error:
                problems.append(str(path_error("put back", path, error)))
        self.done = []
        problems.extend(self.discard())
        for directory in reversed(self.created_dirs):
            try:
                os.rmdir(directory)
            except OSError:
                pass
        return problems

    def finish(self):
        return self.discard()

    def discard(self):
        """Removes the hidden files; returns the problems."""
        problems = []
        for temporary in self.temporaries():
            try:
                _remove(temporary)
            except OSError as error:
                problems.append(str(path_error("remove", temporary, error)))
        return problems


def _pack(data):
    return None if data is None else base64.b64encode(data).decode("ascii")


def _unpack(text):
    return None if text is None else base64.b64decode(text.encode("ascii"))


class Intent:
    """What a run is about to change, so that the next run can finish it or put it back.

    ``files`` is ``[(path, before, after), ...]`` (bytes, ``None`` for no file), in commit order.
    ``kernel`` is ``{"rules": [auditctl -l lines], "status": {auditctl -s}}`` as read before, or
    ``None`` without kernel audit. ``load`` says whether the kernel is loaded from ``compiled``
    (the compiled file's new content). ``phase`` is ``loading`` (finish it) or ``rolling back``
    (a load that failed: its rules are known bad, so the next run puts the old state back).
    """

    def __init__(self, files, compiled, kernel, load, phase="loading", pid=None, started=None):
        self.files = list(files)
        self.compiled = compiled
        self.kernel = kernel
        self.load = load
        self.phase = phase
        self.pid = os.getpid() if pid is None else pid
        self.started = started or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())

    def to_json(self):
        return json.dumps({
            "format": INTENT_FORMAT, "pid": self.pid, "started": self.started, "phase": self.phase,
            "load": self.load, "compiled": _pack(self.compiled), "kernel": self.kernel,
            "files": [{"path": path, "before": _pack(before), "after": _pack(after)}
                      for path, before, after in self.files],
        }, indent=1, sort_keys=True)

    @classmethod
    def from_json(cls, text):
        data = json.loads(text)
        if data.get("format") != INTENT_FORMAT:
            raise ValueError("unknown intent record format %r" % data.get("format"))
        return cls([(entry["path"], _unpack(entry["before"]), _unpack(entry["after"])) for entry in data["files"]],
                   _unpack(data["compiled"]), data["kernel"], data["load"], data["phase"], data["pid"], data["started"])

    def summary(self):
        return {"pid": self.pid, "started": self.started, "phase": self.phase,
                "files": [path for path, before, after in self.files if before != after]}

    def temporaries(self):
        return FileTransaction([(path, after) for path, _before, after in self.files]).temporaries()

    def changes_to(self, side, read=None):
        """``[(path, content)]`` that make the files hold `side` (``before`` or ``after``), for
        the files that differ from it now and whose directory still exists."""
        read = read or _read_or_none
        changes = []
        for path, before, after in self.files:
            wanted = before if side == "before" else after
            if os.path.isdir(os.path.dirname(path)) and read(path) != wanted:
                changes.append((path, wanted))
        return changes


def _read_or_none(path):
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except (IOError, OSError) as error:
        if error.errno == errno.ENOENT:
            return None
        raise


class IntentStore:
    """The intent record's file, written atomically (a new name renamed over the old one)."""

    def __init__(self, directory=STATE_DIR):
        self.path = os.path.join(directory, INTENT_NAME)

    def read(self):
        """The record left by an earlier run, or ``None``."""
        try:
            with open(self.path, "r") as handle:
                return Intent.from_json(handle.read())
        except (IOError, OSError) as error:
            if error.errno == errno.ENOENT:
                return None
            raise path_error("read", self.path, error)
        except (ValueError, KeyError, TypeError) as error:
            raise TransactionError("cannot read the intent record %s: %s" % (self.path, error))

    def write(self, intent):
        try:
            atomic_write(self.path, intent.to_json().encode("utf-8"))
        except OSError as error:
            raise path_error("write the intent record", self.path, error)

    def remove(self):
        try:
            _remove(self.path)
        except OSError as error:
            raise path_error("remove the intent record", self.path, error)
