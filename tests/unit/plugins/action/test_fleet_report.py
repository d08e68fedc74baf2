# -*- coding: utf-8 -*-
# Copyright (c) fleetaudit maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the fleet_report action reads from the report directory: every gather run, and the events
files of each where the run directory holds them now."""

from __future__ import annotations

import json
import os

from ansible_collections.fleetaudit.auditd.plugins.action.fleet_report import ActionModule
from ansible_collections.fleetaudit.auditd.plugins.module_utils.report_render import event_profile
from ansible_collections.fleetaudit.auditd.plugins.module_utils.report_store import read_events


def gather_run(root, name, mtime, events_by_host):
    run = root / name
    hosts = {}
    for host, events in events_by_host.items():
        (run / host).mkdir(parents=True)
        (run / host / "events.jsonl").write_text("".join(json.dumps(event) + "\n" for event in events))
        # Recorded where the run was first written: the report directory has moved since.
        hosts[host] = {"by_key": {"docker": len(events)},
                       "files": ["/old/place/%s/%s/events.jsonl" % (name, host), "/old/place/%s/aureport-key.json" % name]}
    (run / "gather.json").write_text(json.dumps({"hosts": hosts}))
    os.utime(str(run / "gather.json"), (mtime, mtime))


def test_every_gather_run_is_read_with_its_events_from_the_run_directory(tmp_path):
    docker = {"keys": ["docker"], "summary": {"exe": "/usr/bin/docker", "auid": 1000, "auid_name": "alice"}}
    gather_run(tmp_path, "gather-20261204T060000Z", 1000, {"web1": [docker]})
    gather_run(tmp_path, "gather-20261205T060000Z", 2000, {"web1": [docker, docker], "web2": [docker]})
    os.symlink("gather-20261205T060000Z", str(tmp_path / "latest-gather"))
    runs = ActionModule._gather_runs(str(tmp_path), None)
    assert [run["run"] for run in runs] == ["gather-20261204T060000Z", "gather-20261205T060000Z"]
    files = [path for run in runs for path in ActionModule._event_files(run)]
    assert files == [str(tmp_path / "gather-20261204T060000Z" / "web1" / "events.jsonl"),
                     str(tmp_path / "gather-20261205T060000Z" / "web1" / "events.jsonl"),
                     str(tmp_path / "gather-20261205T060000Z" / "web2" / "events.jsonl")]
    warnings = []
    assert event_profile(read_events(files, warnings.append)) == {
        "docker": {"events": 4, "executables": [["/usr/bin/docker", 4]], "users": [["alice", 4]]}}
    assert warnings == []


def test_a_named_gather_file_is_the_only_run(tmp_path):
    gather_run(tmp_path, "gather-a", 1000, {"web1": []})
    gather_run(tmp_path, "gather-b", 2000, {"web1": []})
    runs = ActionModule._gather_runs(str(tmp_path), str(tmp_path / "gather-a" / "gather.json"))
    assert [run["run"] for run in runs] == ["gather-a"]
    assert ActionModule._gather_runs(str(tmp_path), str(tmp_path / "nowhere.json")) == []
