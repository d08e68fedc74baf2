"""The augenrules load transaction: lock, all-or-none file writes, intent record, refused lines."""

import errno
import fcntl
import os

import pytest

from ansible_collections.fleetaudit.auditd.plugins.module_utils.rule_check import validate_lines
from ansible_collections.fleetaudit.auditd.plugins.module_utils.syscalls import SyscallTables
from ansible_collections.fleetaudit.auditd.plugins.module_utils.load_transaction import (
    TEMPORARY_PREFIX,
    FileTransaction,
    Intent,
    IntentStore,
    LockBusy,
    RunLock,
    TransactionError,
    check_rule_paths,
    ignoring_errors,
    is_empty_policy,
    transaction_errors,
)
from ansible_collections.fleetaudit.auditd.plugins.module_utils.rules_compile import CompiledLine

TABLES = SyscallTables("x86_64", {64: lambda: None, 32: lambda: None})


def parsed(*texts):
    lines = [CompiledLine(text, "50-x.rules", number) for number, text in enumerate(texts, 1)]
    result, errors = validate_lines(lines, TABLES, check_paths=False)
    assert errors == []
    return result


def listing(path):
    return sorted(os.listdir(str(path)))


def test_deleting_a_rule_not_loaded_before_is_refused_one_loaded_before_is_not():
    errors = transaction_errors(parsed(
        "-w /etc/passwd -p wa -k identity",
        "-W /etc/passwd -p wa -k identity",
        "-W /etc/passwd -p wa -k identity",
        "-w /etc/group -p wa -k g",
        "-D -k g",
        "-W /etc/group -p wa -k g",
    ))
    assert [(error["line"], error["reason"].split(":")[0]) for error in errors] == [
        (3, "deletes a rule the compiled file does not load before it"),
        (6, "deletes a rule the compiled file does not load before it")]


def test_ignoring_errors_is_found_not_refused():
    lines = parsed("-i", "-w /etc/passwd -p wa", "-c")
    assert transaction_errors(lines) == []
    assert ignoring_errors(lines) == ["50-x.rules:1", "50-x.rules:3"]


def test_empty_policy():
    assert is_empty_policy([])
    assert is_empty_policy(["-D", " -D "])
    assert not is_empty_policy(["-D", "-b 8192"])
    assert not is_empty_policy(["-w /etc/passwd -p wa"])


def test_rule_paths(tmp_path):
    rules_dir = tmp_path / "rules.d"
    rules_dir.mkdir()
    assert check_rule_paths(str(rules_dir), str(tmp_path / "audit.rules")) is None
    assert check_rule_paths(str(tmp_path / "missing.d"), str(tmp_path / "audit.rules")) is None
    assert "its directory %s does not exist" % (tmp_path / "no") in \
        check_rule_paths(str(rules_dir), str(tmp_path / "no" / "audit.rules"))
    assert "is inside rules_dir" in check_rule_paths(str(rules_dir), str(rules_dir / "audit.rules"))
    (tmp_path / "file").write_text("")
    assert check_rule_paths(str(tmp_path / "file"), str(tmp_path / "audit.rules")) == \
        "rules_dir %s is not a directory" % (tmp_path / "file")
    assert check_rule_paths(str(rules_dir), str(rules_dir)) == "rules_file %s is a directory" % rules_dir


@pytest.fixture
def replace_remove_add(tmp_path):
    """A transaction that replaces keep.rules, removes gone.rules and adds added.rules."""
    (tmp_path / "keep.rules").write_bytes(b"old\n")
    (tmp_path / "gone.rules").write_bytes(b"gone\n")
    return FileTransaction([(str(tmp_path / "keep.rules"), b"new\n"), (str(tmp_path / "gone.rules"), None),
                            (str(tmp_path / "added.rules"), b"added\n")])


def test_transaction_writes_all_with_mode_and_leaves_nothing_behind(tmp_path, replace_remove_add):
    transaction = replace_remove_add
    transaction.prepare()
    # Prepared: nothing visible changed yet.
    assert (tmp_path / "keep.rules").read_bytes() == b"old\n" and (tmp_path / "gone.rules").exists()
    transaction.commit()
    assert transaction.finish() == []
    assert listing(tmp_path) == ["added.rules", "keep.rules"]
    assert (tmp_path / "keep.rules").read_bytes() == b"new\n"
    assert oct(os.stat(str(tmp_path / "added.rules")).st_mode & 0o777) == "0o640"


def test_undo_puts_everything_back(tmp_path, replace_remove_add):
    transaction = replace_remove_add
    transaction.prepare()
    transaction.commit()
    assert transaction.undo() == []
    assert listing(tmp_path) == ["gone.rules", "keep.rules"]
    assert (tmp_path / "keep.rules").read_bytes() == b"old\n"
    assert (tmp_path / "gone.rules").read_bytes() == b"gone\n"


def test_a_failed_rename_undoes_the_earlier_ones_and_names_the_path(tmp_path, monkeypatch):
    (tmp_path / "a.rules").write_bytes(b"old a\n")
    (tmp_path / "b.rules").write_bytes(b"old b\n")
    transaction = FileTransaction([(str(tmp_path / "a.rules"), b"new a\n"), (str(tmp_path / "b.rules"), b"b\n")])
    transaction.prepare()
    real_rename = os.rename

    def refuse_b(source, target):
        if target == str(tmp_path / "b.rules"):
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        return real_rename(source, target)

    monkeypatch.setattr(os, "rename", refuse_b)
    with pytest.raises(TransactionError) as caught:
        transaction.commit()
    assert str(caught.value) == "cannot replace %s: Input/output error" % (tmp_path / "b.rules")
    assert (tmp_path / "a.rules").read_bytes() == b"old a\n"
    assert (tmp_path / "b.rules").read_bytes() == b"old b\n"
    assert listing(tmp_path) == ["a.rules", "b.rules"]


def test_a_failed_write_changes_nothing_and_names_the_path(tmp_path, monkeypatch):
    (tmp_path / "a.rules").write_bytes(b"old a\n")
    real_write = os.write

    def full_disk(fd, data):
        if bytes(data).startswith(b"second"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", full_disk)
    transaction = FileTransaction([(str(tmp_path / "a.rules"), b"first\n"), (str(tmp_path / "b.rules"), b"second\n")])
    with pytest.raises(TransactionError) as caught:
        transaction.prepare()
    assert str(caught.value) == "cannot write %s: No space left on device" % (tmp_path / "b.rules")
    assert listing(tmp_path) == ["a.rules"]
    assert (tmp_path / "a.rules").read_bytes() == b"old a\n"


def test_prepare_removes_what_a_killed_run_left(tmp_path):
    stale = tmp_path / (TEMPORARY_PREFIX + "new.a.rules")
    stale.write_bytes(b"stale")
    transaction = FileTransaction([(str(tmp_path / "a.rules"), b"a\n")])
    transaction.prepare()
    transaction.commit()
    transaction.finish()
    assert listing(tmp_path) == ["a.rules"]


def test_intent_round_trip_and_repair_plans(tmp_path):
    store = IntentStore(str(tmp_path))
    assert store.read() is None
    a, b = str(tmp_path / "a.rules"), str(tmp_path / "b.rules")
    intent = Intent([(a, b"old\xff\n", b"new\n"), (b, None, b"b\n")], b"compiled\n",
                    {"rules": ["-w /etc/passwd -p wa"], "status": {"enabled": 1}}, True)
    store.write(intent)
    assert listing(tmp_path) == ["intent.json"]
    read = store.read()
    assert (read.files, read.compiled, read.kernel, read.load, read.phase, read.pid) == \
        (intent.files, b"compiled\n", intent.kernel, True, "loading", os.getpid())
    # A kill after the first rename: a holds the new content, b is not written yet.
    (tmp_path / "a.rules").write_bytes(b"new\n")
    assert read.changes_to("after") == [(b, b"b\n")]
    assert read.changes_to("before") == [(a, b"old\xff\n")]
    assert read.summary()["files"] == [a, b]
    store.remove()
    assert store.read() is None


def test_a_damaged_intent_record_is_an_error_naming_it(tmp_path):
    (tmp_path / "intent.json").write_text("{")
    with pytest.raises(TransactionError) as caught:
        IntentStore(str(tmp_path)).read()
    assert str(tmp_path / "intent.json") in str(caught.value)


def test_lock_waits_then_names_the_holder(tmp_path):
    path = str(tmp_path / "lock")
    holder = RunLock(path).acquire(0, "first")
    with open(path) as handle:
        assert handle.read().startswith("PID %d since " % os.getpid())
    clock = iter(range(100)).__next__
    waits = []
    with pytest.raises(LockBusy) as caught:
        RunLock(path).acquire(3, "second", clock=lambda: float(clock()), sleep=waits.append)
    assert str(caught.value).startswith("PID %d since " % os.getpid()) and str(caught.value).endswith("(first)")
    assert len(waits) == 2
    os.close(holder.fd)
    second = RunLock(path).acquire(0, "second")
    with open(path) as handle:
        assert handle.read().endswith("(second)\n")
    fcntl.flock(second.fd, fcntl.LOCK_UN)
    os.close(second.fd)
