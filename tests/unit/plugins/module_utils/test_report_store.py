# -*- coding: utf-8 -*-
# Copyright (c) fleetaudit maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The report directory: run directories written whole, each kind's own latest link, earlier runs read back."""

from __future__ import annotations

import json
import os
import stat

from ansible_collections.fleetaudit.auditd.plugins.module_utils import report_store as fr


def test_write_run_creates_private_files_and_a_latest_link(tmp_path):
    report_dir = str(tmp_path / "reports")
    run_dir, pruned = fr.write_run(report_dir, "20261126T170000Z", {"fleet.json": "{}\n", "junit.xml": "<x/>"})
    assert run_dir == os.path.join(report_dir, "compliance-20261126T170000Z")
    assert pruned == []
    assert os.readlink(os.path.join(report_dir, "latest")) == "compliance-20261126T170000Z"
    assert stat.S_IMODE(os.stat(report_dir).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(os.path.join(run_dir, "fleet.json")).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(run_dir).st_mode) == 0o700
    assert sorted(os.listdir(report_dir)) == ["compliance-20261126T170000Z", "latest"]


def test_write_run_same_second_gets_its_own_directory(tmp_path):
    first = fr.write_run(str(tmp_path), "20261126T170000Z", {"a": "1"})[0]
    second = fr.write_run(str(tmp_path), "20261126T170000Z", {"a": "2"})[0]
    assert second == first + "-2"
    assert os.readlink(str(tmp_path / "latest")) == os.path.basename(second)


def test_keep_prunes_old_compliance_runs_only(tmp_path):
    (tmp_path / "gather-20200101T000000Z").mkdir()
    for stamp in ("20261126T170000Z", "20261126T170100Z", "20261126T170200Z"):
        fr.write_run(str(tmp_path), stamp, {"a": stamp})
    run_dir, pruned = fr.write_run(str(tmp_path), "20261126T170300Z", {"a": "new"}, keep=2)
    assert sorted(os.path.basename(path) for path in pruned) == ["compliance-20261126T170000Z",
                                                                 "compliance-20261126T170100Z"]
    assert sorted(os.listdir(str(tmp_path))) == ["compliance-20261126T170200Z", "compliance-20261126T170300Z",
                                                 "gather-20200101T000000Z", "latest"]
    assert os.path.basename(run_dir) == "compliance-20261126T170300Z"


def test_newest_gather_file(tmp_path):
    assert fr.newest_gather_file(str(tmp_path / "none")) is None
    for name, mtime in (("gather-old", 1000), ("gather-new", 2000)):
        (tmp_path / name).mkdir()
        path = tmp_path / name / "gather.json"
        path.write_text("{}")
        os.utime(str(path), (mtime, mtime))
    assert fr.newest_gather_file(str(tmp_path)) == str(tmp_path / "gather-new" / "gather.json")


def test_a_gather_runs_latest_gather_link_is_left_alone_and_not_taken_for_a_run(tmp_path):
    """Gather and compliance used to share `latest` and overwrite each other's: a compliance run
    after a gather run left `latest/gather.json` gone. Each kind now has its own link."""
    (tmp_path / "gather-20261126T165900Z").mkdir()
    (tmp_path / "gather-20261126T165900Z" / "gather.json").write_text("{}")
    os.symlink("gather-20261126T165900Z", str(tmp_path / "latest-gather"))
    fr.write_run(str(tmp_path), "20261126T170000Z", {"fleet.json": "{}"})
    assert os.readlink(str(tmp_path / "latest-gather")) == "gather-20261126T165900Z"
    assert os.readlink(str(tmp_path / "latest")) == "compliance-20261126T170000Z"
    assert fr.gather_files(str(tmp_path)) == [str(tmp_path / "gather-20261126T165900Z" / "gather.json")]


def test_every_gather_run_is_read_oldest_first_and_a_broken_one_is_named(tmp_path):
    warnings = []
    for name, mtime, text in (("gather-b", 1000, '{"hosts": {}}'), ("gather-a", 2000, '{"hosts": {"h": {}}}'),
                              ("gather-c", 3000, "{not json")):
        (tmp_path / name).mkdir()
        path = tmp_path / name / "gather.json"
        path.write_text(text)
        os.utime(str(path), (mtime, mtime))
    runs = fr.read_gather_runs(str(tmp_path), warnings.append)
    assert [run["run"] for run in runs] == ["gather-b", "gather-a"]
    assert runs[1]["gather"] == {"hosts": {"h": {}}}
    assert len(warnings) == 1 and "gather-c" in warnings[0] and "cannot read" in warnings[0]


def test_compliance_history_is_the_newest_runs_fleet_json_oldest_first(tmp_path):
    for stamp in ("20261126T170000Z", "20261126T170100Z", "20261126T170200Z"):
        fr.write_run(str(tmp_path), stamp, {"fleet.json": json.dumps({"run_id": stamp})})
    (tmp_path / "compliance-20261126T170300Z").mkdir()  # a run without fleet.json is left out
    history = fr.read_compliance_history(str(tmp_path), 2, [].append)
    assert [document["run_id"] for document in history] == ["20261126T170100Z", "20261126T170200Z"]
    assert fr.read_compliance_history(str(tmp_path / "none"), 2, [].append) == []


def test_events_of_jsonl_files_are_read_and_bad_lines_named(tmp_path):
    good = tmp_path / "a.jsonl"
    good.write_text('{"serial": 1}\n\n{"serial": 2}\nnot json\n')
    warnings = []
    events = list(fr.read_events([str(good), str(tmp_path / "missing.jsonl")], warnings.append))
    assert events == [{"serial": 1}, {"serial": 2}]
    assert [warning.split(":")[0] for warning in warnings] == [str(good) + " line 4", "cannot read " + str(tmp_path / "missing.jsonl")]
