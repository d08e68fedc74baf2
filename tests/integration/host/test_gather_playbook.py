"""`ansible-playbook fleetaudit.auditd.gather` on localhost: real events to the controller files,
compared with the real ausearch; redaction proven on the controller file; check mode writes nothing."""

import csv
import json
import os
import subprocess

import pytest

from conftest import HOST_PYTHON
from keyed_events import FIXTURE_LOG, copy_of_live_log, keyed_serials, watched_events


@pytest.fixture(scope="module")
def watched():
    yield from watched_events()


def run_gather(cwd, *args, env=None):
    """Runs the collection's playbook from cwd, on localhost, with the given extra arguments."""
    inventory = os.path.join(cwd, "inventory.ini")
    with open(inventory, "w") as handle:
        handle.write("localhost ansible_connection=local ansible_python_interpreter=%s\n" % HOST_PYTHON)
    return subprocess.run(["ansible-playbook", "-i", inventory, "fleetaudit.auditd.gather", *args],
                          cwd=cwd, capture_output=True, text=True, check=False,
                          env=dict(os.environ, **(env or {})))


def gather(cwd, *args, env=None):
    proc = run_gather(cwd, *args, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def mode(path):
    return oct(os.stat(path).st_mode & 0o777)


def test_playbook_brings_exactly_the_keyed_events_back(watched, tmp_path):
    gather(str(tmp_path), "-e", "audit_keys=" + watched.key, "-e", "fleetaudit_report_dir=reports",
           "-e", '{"gather_reports": ["key"]}')
    log = copy_of_live_log(str(tmp_path / "audit.log"))
    root = tmp_path / "reports"
    latest = root / "latest-gather"
    assert latest.is_symlink() and os.readlink(str(latest)).startswith("gather-")
    events_file = latest / "localhost" / "events.jsonl"
    lines = events_file.read_text().splitlines()
    served = sorted(json.loads(line)["serial"] for line in lines)
    assert served == keyed_serials(watched.key, log)
    text = events_file.read_text()
    assert "arg with space" in text
    assert "--password=[REDACTED]" in text and "secret" not in text.replace("[REDACTED]", "")

    summary = json.loads((latest / "gather.json").read_text())
    host = summary["hosts"]["localhost"]
    assert host["status"] == "ok" and host["by_key"] == {watched.key: len(served)}
    assert host["count"] == len(served) and host["truncated"] is False
    assert str(events_file.resolve()) in host["files"]
    assert (latest / "localhost" / "aureport-key.json").is_file()
    for directory in (root, latest.resolve(), latest.resolve() / "localhost"):
        assert mode(str(directory)) == "0o700"
    for path in (events_file, latest / "gather.json", latest / "localhost" / "aureport-key.json"):
        assert mode(str(path)) == "0o600"


def test_check_mode_writes_nothing(watched, tmp_path):
    proc = gather(str(tmp_path), "--check", "-e", "audit_keys=" + watched.key, "-e", "fleetaudit_report_dir=reports")
    assert not (tmp_path / "reports").exists(), proc.stdout


def test_reports_keep_only_the_failed_events_when_asked(tmp_path):
    # The recorded log holds one authentication, a successful one (su).
    gather(str(tmp_path), "-e", "fleetaudit_report_dir=reports",
           "-e", json.dumps({"gather_input": FIXTURE_LOG, "gather_reports": ["auth", "failed"], "gather_success": False}))
    host = tmp_path / "reports" / "latest-gather" / "localhost"
    assert json.loads((host / "aureport-auth.json").read_text())["rows"] == []
    assert json.loads((host / "aureport-failed.json").read_text())["title"] == "Failed Summary Report"


def test_counts_per_key_files_and_a_key_loaded_nowhere_are_shown(watched, tmp_path):
    missing = watched.key + "-typo"
    proc = gather(str(tmp_path), "-e", "audit_keys=%s,%s" % (watched.key, missing), "-e", "fleetaudit_report_dir=reports")
    run = (tmp_path / "reports" / "latest-gather").resolve()
    host = json.loads((run / "gather.json").read_text())["hosts"]["localhost"]
    assert host["unloaded_keys"] == [missing] and host["by_key"] == {watched.key: host["count"]}
    assert "[WARNING]: audit key %r is in no rule loaded" % missing in proc.stderr
    # The play ends with the counts per host and key, and where the files are.
    assert '"localhost: %d event(s) (%s %d, %s 0) in localhost/events.jsonl"' % (
        host["count"], watched.key, host["count"], missing) in proc.stdout
    assert '"localhost: key %s is in no audit rule loaded on this host (misspelt?)"' % missing in proc.stdout
    assert '"run: %s (fleet summary gather.json, latest-gather points at it)"' % run in proc.stdout


@pytest.mark.parametrize("argument,message", [
    # Refused on the controller, in the user's own terms, before any host is searched.
    ({"gather_start": "yesterdayish"}, "gather_start: bad time 'yesterdayish': use an ISO 8601 time"),
    ({"gather_end": "2026-13-45"}, "gather_end: bad time '2026-13-45'"),
    ({"gather_formats": ["jsonl", "xlsx"]}, "gather_formats must be one or more of: jsonl, csv"),
    # Refused by the module on the host: no run directory either.
    ({"gather_message_types": ["NO_SUCH_TYPE"]}, "unknown message type 'NO_SUCH_TYPE'"),
])
def test_a_bad_argument_leaves_no_run_directory(tmp_path, argument, message):
    proc = run_gather(str(tmp_path), "-e", "audit_keys=identity", "-e", "fleetaudit_report_dir=reports",
                      "-e", json.dumps(argument))
    assert proc.returncode != 0
    assert message in proc.stdout, proc.stdout[-3000:]
    assert not (tmp_path / "reports").exists()


def test_events_carry_their_host_and_come_as_csv_too_and_report_times_are_utc(watched, tmp_path):
    # The host's zone is not UTC: aureport prints local times (the local connection's modules get
    # this TZ), which must come back as the events' own UTC times.
    gather(str(tmp_path), "-e", "audit_keys=" + watched.key, "-e", "fleetaudit_report_dir=reports",
           "-e", '{"gather_reports": ["key"], "gather_formats": ["jsonl", "csv"]}', env={"TZ": "Asia/Kolkata"})
    host_dir = tmp_path / "reports" / "latest-gather" / "localhost"
    events = [json.loads(line) for line in (host_dir / "events.jsonl").read_text().splitlines()]
    assert events and {event["host"] for event in events} == {"localhost"}
    with open(str(host_dir / "events.csv"), newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [(row["serial"], row["time"], row["host"]) for row in rows] == [
        (str(event["serial"]), event["time"], "localhost") for event in events]
    assert mode(str(host_dir / "events.csv")) == "0o600"
    report = json.loads((host_dir / "aureport-key.json").read_text())
    assert "raw" not in report and report["columns"][0] == "time"
    by_serial = {event["serial"]: event["time"] for event in events}
    matched = [row for row in report["rows"] if row["event"] in by_serial]
    assert matched
    for row in matched:
        # aureport prints whole seconds.
        assert row["time"] == by_serial[row["event"]][:19] + ".000Z"
