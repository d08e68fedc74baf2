"""The ausearch action plugin's controller files: 0600 in 0700 directories, written only when they
change, nothing written in check mode."""

import json
import os
import stat

from ansible_collections.fleetaudit.auditd.plugins.action.ausearch import write_if_changed


def mode(path):
    return stat.S_IMODE(os.stat(str(path)).st_mode)


def test_private_file_in_private_directories(tmp_path):
    path = tmp_path / "dest" / "web1" / "events.jsonl"
    assert write_if_changed(str(path), "{}\n")
    assert path.read_text() == "{}\n" and mode(path) == 0o600
    assert mode(path.parent) == 0o700 and mode(path.parent.parent) == 0o700
    assert not write_if_changed(str(path), "{}\n")


def test_check_mode_writes_nothing(tmp_path):
    path = tmp_path / "dest" / "web1" / "events.jsonl"
    assert write_if_changed(str(path), "{}\n", check_mode=True)
    assert not (tmp_path / "dest").exists()


def test_same_content_with_a_wider_mode_is_made_private(tmp_path):
    path = tmp_path / "events.jsonl"
    path.write_text("{}\n")
    path.chmod(0o644)
    assert write_if_changed(str(path), "{}\n", check_mode=True) and mode(path) == 0o644
    assert write_if_changed(str(path), "{}\n") and mode(path) == 0o600
    assert not write_if_changed(str(path), "{}\n")


def test_append_adds_new_content_after_the_old(tmp_path):
    path = tmp_path / "events.jsonl"
    assert write_if_changed(str(path), "{}\n", append=True)
    assert write_if_changed(str(path), "[]\n", append=True, check_mode=True)
    assert path.read_text() == "{}\n"
    assert write_if_changed(str(path), "[]\n", append=True)
    assert path.read_text() == "{}\n[]\n" and mode(path) == 0o600
    assert not write_if_changed(str(path), "", append=True)


# At least once: the host's cursor is saved only after the controller holds (and has written) the
# events. The host side is the real search on a recorded log; only the transport is replaced.
from types import SimpleNamespace  # noqa: E402

import pytest  # noqa: E402
from ansible.errors import AnsibleActionFail  # noqa: E402
from ansible.playbook.play_context import PlayContext  # noqa: E402
from ansible.playbook.task import Task  # noqa: E402

from ansible_collections.fleetaudit.auditd.plugins.action.ausearch import ActionModule  # noqa: E402
from ansible_collections.fleetaudit.auditd.plugins.module_utils.event_filter import EventFilter  # noqa: E402
from ansible_collections.fleetaudit.auditd.plugins.module_utils.log_search import search  # noqa: E402
from ansible_collections.fleetaudit.auditd.plugins.module_utils.log_set import log_set  # noqa: E402
from ansible_collections.fleetaudit.auditd.plugins.module_utils.redaction import DEFAULT_REDACT_PATTERNS, Redactor  # noqa: E402

LOG = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "logs", "audit-3.0.9-enriched.log")


class Host:
    """The host's side of the calls: searches the recorded log, keeps the saved cursor."""

    def __init__(self, dest=None):
        self.calls = []
        self.saved_cursor = None
        self.dest = dest

    def execute(self, module_name, module_args, task_vars):
        self.calls.append(dict(module_args))
        if "cursor" in module_args:
            # The events must be on the controller before the cursor moves.
            assert self.dest is None or os.path.exists(self.dest)
            self.saved_cursor = module_args["cursor"]
            return {"changed": True, "cursor": module_args["cursor"]}
        result = search(log_set(LOG), EventFilter(keys=module_args.get("keys")), Redactor(DEFAULT_REDACT_PATTERNS),
                        cursor=self.saved_cursor, now=1795712100.0)
        if module_args.get("incremental") and module_args.get("commit_cursor", True):
            self.saved_cursor = result["cursor"]
        return dict(result, changed=False)


def action(args, host):
    task = Task()
    task.args = args
    # run() looks only at the connection's shell's temporary directory.
    connection = SimpleNamespace(_shell=SimpleNamespace(tmpdir="/nonexistent"))
    plugin = ActionModule(task, connection, PlayContext(), None, None, None)
    plugin._execute_module = host.execute
    return plugin


def test_incremental_cursor_is_saved_after_the_events_are_written(tmp_path):
    dest_file = tmp_path / "dest" / "web1" / "events.jsonl"
    host = Host(dest=str(dest_file))
    args = {"keys": ["fa_watch"], "incremental": True, "dest": str(tmp_path / "dest")}
    result = action(args, host).run(task_vars={"inventory_hostname": "web1"})
    assert result["count"] == 4 and result["changed"] is True
    assert [sorted(call) for call in host.calls] == [["commit_cursor", "dest", "incremental", "keys"], ["cursor"]]
    assert host.calls[0]["commit_cursor"] is False
    assert host.saved_cursor == result["cursor"]
    assert len(dest_file.read_text().splitlines()) == 4


def test_a_failed_controller_write_leaves_the_cursor_and_the_next_run_repeats_the_events(tmp_path):
    blocked = tmp_path / "dest"
    blocked.write_text("a file where the directory should be")
    host = Host()
    args = {"keys": ["fa_watch"], "incremental": True, "dest": str(blocked)}
    with pytest.raises(AnsibleActionFail, match="the host's cursor was not moved"):
        action(args, host).run(task_vars={"inventory_hostname": "web1"})
    assert len(host.calls) == 1 and host.saved_cursor is None
    blocked.unlink()
    result = action(args, host).run(task_vars={"inventory_hostname": "web1"})
    assert result["count"] == 4  # the same events again, none lost
    assert host.saved_cursor == result["cursor"]
    again = action(args, host).run(task_vars={"inventory_hostname": "web1"})
    assert again["count"] == 0


def test_a_search_that_is_not_incremental_moves_no_cursor(tmp_path):
    host = Host()
    action({"keys": ["fa_watch"]}, host).run(task_vars={"inventory_hostname": "web1"})
    assert host.calls == [{"keys": ["fa_watch"]}]


COLLECTOR_LOG = os.path.join(os.path.dirname(LOG), "collector-3.0.9.log")


class Collector(Host):
    def execute(self, module_name, module_args, task_vars):
        self.calls.append(dict(module_args))
        result = search(log_set(COLLECTOR_LOG), EventFilter(keys=module_args.get("keys"), node=module_args.get("node")),
                        Redactor(DEFAULT_REDACT_PATTERNS), now=1796428000.0)
        return dict(result, changed=False)


def test_a_collectors_events_are_written_one_file_per_node(tmp_path):
    dest = tmp_path / "dest"
    result = action({"keys": ["identity"], "dest": str(dest), "dest_by": "node"}, Collector()).run(
        task_vars={"inventory_hostname": "collector1"})
    by_key = {node: entry["by_key"] for node, entry in result["nodes"].items()}
    assert by_key == {"web1": {"identity": 1}, "web2": {"identity": 1}}
    assert result["dest_files"] == [str(dest / "web1" / "events.jsonl"), str(dest / "web2" / "events.jsonl")]
    assert [json.loads(line)["serial"] for line in (dest / "web1" / "events.jsonl").read_text().splitlines()] == [610]
    assert not (dest / "collector1").exists()
    assert result["nodes"]["web1"]["collector"] == "collector1"


# Each event says which host it was gathered from, so files merged on the controller keep it.
def test_every_event_carries_the_host_it_was_gathered_from(tmp_path):
    dest = tmp_path / "dest"
    result = action({"keys": ["fa_watch"], "dest": str(dest)}, Host()).run(task_vars={"inventory_hostname": "web1"})
    assert {event["host"] for event in result["events"]} == {"web1"}
    written = [json.loads(line) for line in (dest / "web1" / "events.jsonl").read_text().splitlines()]
    assert [event["host"] for event in written] == ["web1"] * 4


def test_a_collectors_events_carry_the_collector_and_their_node(tmp_path):
    result = action({"keys": ["identity"], "dest": str(tmp_path), "dest_by": "node"}, Collector()).run(
        task_vars={"inventory_hostname": "collector1"})
    assert {(event["host"], event["node"]) for event in result["events"]} == {("collector1", "web1"),
                                                                              ("collector1", "web2")}


def csv_rows(path):
    import csv
    with open(str(path), newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_csv_beside_json_lines_with_the_same_events(tmp_path):
    dest = tmp_path / "dest"
    args = {"keys": ["fa_watch"], "dest": str(dest), "formats": ["jsonl", "csv"]}
    result = action(args, Host()).run(task_vars={"inventory_hostname": "web1"})
    assert result["csv_file"] == str(dest / "web1" / "events.csv")
    assert result["dest_file"] == str(dest / "web1" / "events.jsonl")
    assert result["dest_files"] == [result["dest_file"], result["csv_file"]]
    rows = csv_rows(result["csv_file"])
    assert [(row["serial"], row["host"], row["time"]) for row in rows] == [
        (str(event["serial"]), "web1", event["time"]) for event in result["events"]]
    assert mode(result["csv_file"]) == 0o600
    # The same events again: nothing changes.
    assert action(args, Host()).run(task_vars={"inventory_hostname": "web1"})["changed"] is False


def test_csv_alone_and_check_mode_writes_nothing(tmp_path):
    dest = tmp_path / "dest"
    plugin = action({"keys": ["fa_watch"], "dest": str(dest), "formats": "csv"}, Host())
    plugin._task.check_mode = True
    result = plugin.run(task_vars={"inventory_hostname": "web1"})
    assert result["changed"] is True and "dest_file" not in result
    assert result["csv_file"] == str(dest / "web1" / "events.csv") and not dest.exists()


def test_incremental_csv_keeps_one_header_and_adds_only_new_rows(tmp_path):
    dest = tmp_path / "dest"
    host = Host()
    args = {"keys": ["fa_watch"], "incremental": True, "dest": str(dest), "formats": ["csv"]}
    first = action(args, host).run(task_vars={"inventory_hostname": "web1"})
    assert first["count"] == 4
    again = action(args, host).run(task_vars={"inventory_hostname": "web1"})
    assert again["count"] == 0
    text = (dest / "web1" / "events.csv").read_text()
    assert text.count("time,host,node") == 1 and len(csv_rows(dest / "web1" / "events.csv")) == 4
    # A later run with new events adds them under the same header.
    host.saved_cursor = None
    action(args, host).run(task_vars={"inventory_hostname": "web1"})
    text = (dest / "web1" / "events.csv").read_text()
    assert text.count("time,host,node") == 1 and len(csv_rows(dest / "web1" / "events.csv")) == 8


def test_a_collectors_csv_files_are_per_node(tmp_path):
    result = action({"keys": ["identity"], "dest": str(tmp_path), "dest_by": "node", "formats": ["jsonl", "csv"]},
                    Collector()).run(task_vars={"inventory_hostname": "collector1"})
    assert result["nodes"]["web1"]["csv_file"] == str(tmp_path / "web1" / "events.csv")
    assert [row["node"] for row in csv_rows(tmp_path / "web2" / "events.csv")] == ["web2"]


@pytest.mark.parametrize("formats", [["xlsx"], [], "jsonl,ods"])
def test_an_unknown_format_is_refused_before_the_host_is_searched(tmp_path, formats):
    host = Host()
    with pytest.raises(AnsibleActionFail, match="formats: .* use one or more of jsonl, csv"):
        action({"keys": ["fa_watch"], "dest": str(tmp_path), "formats": formats}, host).run(
            task_vars={"inventory_hostname": "web1"})
    assert host.calls == [] and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("args, message", [
    ({"formats": ["csv"]}, "formats is used only with dest set"),
    ({"dest_by": "node", "dest": ""}, "dest_by is used only with dest set"),
    ({"laurel_log": "/var/log/laurel/audit.log"}, "laurel_log is used only with containers true"),
    ({"laurel_log": "/var/log/laurel/audit.log", "containers": "no"}, "laurel_log is used only with containers true"),
    ({"commit_cursor": False}, "commit_cursor is used only with incremental true"),
])
def test_an_option_without_the_one_it_depends_on_is_refused_before_the_host_is_searched(args, message):
    host = Host()
    with pytest.raises(AnsibleActionFail, match=message):
        action(dict(args, keys=["fa_watch"]), host).run(task_vars={"inventory_hostname": "web1"})
    assert host.calls == []


def test_dependent_options_with_what_they_depend_on_are_taken(tmp_path):
    args = {"keys": ["fa_watch"], "dest": str(tmp_path), "dest_by": "host", "formats": ["jsonl"],
            "containers": True, "laurel_log": "/var/log/laurel/audit.log"}
    host = Host()
    result = action(args, host).run(task_vars={"inventory_hostname": "web1"})
    assert not result.get("failed") and host.calls[0]["laurel_log"] == "/var/log/laurel/audit.log"
