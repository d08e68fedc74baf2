"""fleetaudit.auditd.ausearch on real events of this machine's kernel, checked against the real
ausearch on the same log; the incremental cursor through the module across a rotation."""

import json
import os

import pytest

from conftest import run_module
from keyed_events import FIXTURE_LOG, KeyedEvents, copy_of_live_log, keyed_serials, watched_events


@pytest.fixture(scope="module")
def watched():
    yield from watched_events()


@pytest.fixture
def log_copy(tmp_path):
    return copy_of_live_log(str(tmp_path / "audit.log"))


def serials(result):
    return sorted(event["serial"] for event in result["events"])


def test_finds_exactly_what_ausearch_finds_on_the_same_log(watched, log_copy):
    result = run_module("ausearch", {"keys": [watched.key], "input": log_copy})
    expected = keyed_serials(watched.key, log_copy)
    assert len(expected) >= 3
    assert result["count"] == len(expected) and serials(result) == expected
    assert result["count_by_key"] == {watched.key: len(expected)}
    assert result["truncated"] is False and result["changed"] is False


def test_default_log_set_and_event_content(watched, tmp_path):
    result = run_module("ausearch", {"keys": [watched.key]})
    log_copy = copy_of_live_log(str(tmp_path / "audit.log"))
    assert serials(result) == keyed_serials(watched.key, log_copy)
    run = [e for e in result["events"] if e["summary"]["exe"] == watched.program]
    assert len(run) == 1
    summary = run[0]["summary"]
    assert summary["argv"] == [watched.program, "arg with space", "--password=[REDACTED]"]
    assert summary["comm"] == "my prog" and summary["success"] is True and summary["uid"] == 0
    assert summary["syscall"] == "execve" and summary["uid_name"] == "root"
    assert run[0]["keys"] == [watched.key]
    assert run[0]["time"].endswith("Z") and len(run[0]["time"]) == 24
    created = [e for e in result["events"] if os.path.join(watched.dir, "a file") in e["summary"]["paths"]]
    assert len(created) == 1 and created[0]["summary"]["success"] is True
    assert created[0]["summary"]["syscall"] == "openat"
    assert "secret" not in json.dumps(result).replace("[REDACTED]", "")


# The usual secrets of command lines, each with the form it must come back in.
CLASSIC_SECRETS = [
    ("AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "AWS_SECRET_ACCESS_KEY=[REDACTED]"),
    ("mysql -u root -phunter3 shop", "mysql -u root -p[REDACTED] shop"),
    ("PGPASSWORD=pgsecret9", "PGPASSWORD=[REDACTED]"),
    ("sshpass -p sshsecret8 ssh -p 22 host", "sshpass -p [REDACTED] ssh -p 22 host"),
    ("-----BEGIN OPENSSH PRIVATE KEY-----\nkeysecret7\n-----END OPENSSH PRIVATE KEY-----",
     "-----BEGIN OPENSSH PRIVATE KEY-----[REDACTED]-----END OPENSSH PRIVATE KEY-----"),
    ("ps -p 1", "ps -p 1"),
]


def test_default_redaction_of_the_usual_command_line_secrets():
    # A watch of its own: the module's fixture counts the executions of its program.
    with KeyedEvents() as watched:
        watched.run(*(arg for arg, _redacted in CLASSIC_SECRETS))
        result = run_module("ausearch", {"keys": [watched.key]})
    run = [e for e in result["events"] if e["summary"]["exe"] == watched.program]
    assert len(run) == 1, [e["summary"] for e in result["events"]]
    assert run[0]["summary"]["argv"] == [watched.program] + [form for _arg, form in CLASSIC_SECRETS]
    text = json.dumps(result)
    for secret in ("wJalr", "hunter3", "pgsecret9", "sshsecret8", "keysecret7"):
        assert secret not in text and secret.encode().hex().upper() not in text, secret


def test_key_is_exact_not_a_substring(watched, log_copy):
    prefix = watched.key[:-1]
    assert keyed_serials(prefix, log_copy), "ausearch -k matches the prefix as a substring"
    assert run_module("ausearch", {"keys": [prefix], "input": log_copy})["count"] == 0


def test_rule_changes_only_when_asked_for(watched):
    result = run_module("ausearch", {"keys": [watched.key], "message_types": ["CONFIG_CHANGE"]})
    assert result["count"] >= 1
    assert all(e["records"][0]["type"] == "CONFIG_CHANGE" for e in result["events"])


def test_filters_narrow_the_result(watched):
    base = {"keys": [watched.key]}
    assert run_module("ausearch", dict(base, exe=watched.program))["count"] == 1
    assert run_module("ausearch", dict(base, syscall=["execve"]))["count"] == 1
    assert run_module("ausearch", dict(base, message_types=["EXECVE"]))["count"] == 1
    assert run_module("ausearch", dict(base, start="recent", uid="root"))["count"] >= 3
    assert run_module("ausearch", dict(base, start="2999-01-01T00:00:00Z"))["count"] == 0
    truncated = run_module("ausearch", dict(base, max_events=1))
    assert truncated["count"] == 1 and truncated["truncated"] is True


def test_a_key_no_loaded_rule_carries_is_warned_about(watched, log_copy, namespaced_python):
    missing = watched.key + "-typo"
    result = run_module("ausearch", {"keys": [watched.key, missing]})
    assert result["unloaded_keys"] == [missing]
    assert result["count_by_key"] == {watched.key: result["count"]} and result["count"] >= 3
    assert [w for w in result["warnings"] if repr(missing) in w and "no rule loaded" in w]
    assert not [w for w in result["warnings"] if repr(watched.key) in w]
    # Another log (input) may come from another host: the kernel here says nothing of it.
    assert run_module("ausearch", {"keys": [missing], "input": log_copy})["unloaded_keys"] is None
    # Without kernel audit (a container) the loaded rules are unknown: no warning.
    result = run_module("ausearch", {"keys": [missing]}, extra_vars={"ansible_python_interpreter": namespaced_python})
    assert result["unloaded_keys"] is None and not result.get("warnings"), result


def test_user_redact_pattern(watched):
    result = run_module("ausearch", {"keys": [watched.key], "redact": ["arg with (?P<secret>space)"]})
    assert "arg with space" not in json.dumps(result)
    assert "arg with [REDACTED]" in json.dumps(result)


def test_incremental_returns_only_new_events(watched, tmp_path):
    cursor = str(tmp_path / "state" / "watch.cursor.json")
    args = {"keys": [watched.key], "incremental": True, "cursor_file": cursor}
    first = run_module("ausearch", args)
    assert first["count"] >= 3 and first["changed"] is True
    assert oct(os.stat(cursor).st_mode & 0o777) == "0o600"
    assert run_module("ausearch", args)["count"] == 0
    watched.touch("later")
    again = run_module("ausearch", args)
    assert again["count"] == 1
    assert again["events"][0]["summary"]["paths"][-1] == os.path.join(watched.dir, "later")
    assert again["events"][0]["serial"] > max(serials(first))


def test_check_mode_writes_no_cursor(watched, tmp_path):
    cursor = str(tmp_path / "check.cursor.json")
    result = run_module("ausearch", {"keys": [watched.key], "incremental": True, "cursor_file": cursor},
                        check=True)
    assert result["count"] >= 3 and not os.path.exists(cursor)


def test_dest_file_is_private_and_rewritten_only_on_change(watched, tmp_path):
    dest = str(tmp_path / "reports")
    args = {"keys": [watched.key], "input": FIXTURE_LOG, "dest": dest, "name": "fixture"}
    assert run_module("ausearch", args, check=True)["changed"] is True
    assert not os.path.exists(dest)
    first = run_module("ausearch", dict(args, keys=["fa_watch"]))
    path = os.path.join(dest, "localhost", "fixture.jsonl")
    assert first["changed"] is True and first["dest_file"] == path
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"
    assert oct(os.stat(os.path.dirname(path)).st_mode & 0o777) == "0o700"
    assert [json.loads(line)["serial"] for line in open(path)] == [16773, 16774, 16775, 16776]
    mtime = os.stat(path).st_mtime_ns
    assert run_module("ausearch", dict(args, keys=["fa_watch"]))["changed"] is False
    assert os.stat(path).st_mtime_ns == mtime


@pytest.mark.parametrize("args,message", [
    ({"input": "/nonexistent/audit.log"}, "does not exist"),
    ({"message_types": ["NOT_A_TYPE"]}, "unknown message type"),
    ({"start": "tomorrow"}, "bad time"),
    ({"syscall": ["no_such_call"]}, "unknown system call"),
    # A cursor file of a search that keeps no cursor was once ignored in silence.
    ({"input": FIXTURE_LOG, "cursor_file": "/nonexistent/events.cursor.json"}, "cursor_file is used only by an incremental"),
])
def test_bad_input_fails_clearly(args, message):
    result = run_module("ausearch", args)
    # (the --tree result of a failed task carries no "failed" key on ansible-core 2.19)
    assert "count" not in result and message in result["msg"]


def test_incremental_cursor_survives_rotation(tmp_path):
    """A log directory of recorded records, rotated the way auditd does between runs."""
    directory = tmp_path / "log"
    directory.mkdir()
    base = str(directory / "audit.log")
    with open(FIXTURE_LOG, "rb") as handle:
        lines = handle.read().split(b"\n")[:-1]
    lines = [line + b"\n" for line in lines]
    args = {"keys": ["fa_watch", "fa_del"], "incremental": True, "input": str(directory),
            "cursor_file": str(tmp_path / "cursor.json"), "dest": str(tmp_path / "reports")}
    found = []
    with open(base, "wb") as handle:
        handle.writelines(lines[:17])
    found += serials(run_module("ausearch", args))
    with open(base, "ab") as handle:
        handle.writelines(lines[17:24])
    os.rename(base, base + ".1")
    with open(base, "wb") as handle:
        handle.writelines(lines[24:])
    found += serials(run_module("ausearch", args))
    idle = run_module("ausearch", args)
    assert idle["count"] == 0 and idle["changed"] is False
    assert found == [16773, 16774, 16775, 16776, 16791, 16792]
    # The controller file keeps what every run gathered, once each.
    with open(idle["dest_file"]) as handle:
        assert [json.loads(line)["serial"] for line in handle] == found
