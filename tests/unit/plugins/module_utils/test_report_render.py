# -*- coding: utf-8 -*-
# Copyright (c) fleetaudit maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The fleet report document (fleet.json against its JSON Schema), junit.xml, and events over time."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET

import jsonschema
import pytest

from ansible_collections.fleetaudit.auditd.plugins.module_utils import report_checks as rc
from ansible_collections.fleetaudit.auditd.plugins.module_utils import report_render as fr
from ansible_collections.fleetaudit.auditd.tests.unit.plugins.module_utils.report_fixtures import healthy, probe, skipping

SCHEMA = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "docs", "fleet-report.schema.json")


def gather_run(name, by_host):
    return {"run": name, "file": "/r/%s/gather.json" % name,
            "gather": {"hosts": {host: {"by_key": by_key} for host, by_key in by_host.items()}}}


def fleet(history=None):
    drifted = healthy()
    drifted["disk_check"]["drift"]["extra"] = ["-w /tmp/<script>alert(1)</script> -p wa -k oob"]
    container = healthy()
    container["disk_check"] = {"kernel_available": False, "kernel_unavailable_reason": "Operation not permitted"}
    runs = [gather_run("gather-20261126T080000Z", {"web1": {"identity": 2}}),
            gather_run("gather-20261126T165900Z", {"web1": {"docker": 12, "identity": 3}, "web2": {"docker": 4, "zero": 0}})]
    return fr.build_report({"web1": healthy(), "web2": drifted, "c1": container,
                            "db1": {"unreachable": True, "msg": "timed out"}},
                           {"immutable": False}, generated="2026-11-26T17:00:00+00:00", run_id="20261126T170000Z",
                           gather_runs=runs, history=history)


def validate(document):
    with open(SCHEMA, encoding="utf-8") as handle:
        schema = json.load(handle)
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(document)


def test_json_is_one_entry_per_host_round_trips_and_matches_its_schema():
    report = fleet([{"run_id": "20261125T170000Z", "generated": "2026-11-25T17:00:00+00:00",
                     "hosts": [{"host": "web2", "status": "compliant"}, {"host": "gone", "status": "compliant"}]}])
    data = json.loads(fr.render_json(report))
    validate(data)
    assert data["format_version"] == fr.FORMAT_VERSION == 2
    assert [host["host"] for host in data["hosts"]] == ["c1", "db1", "web1", "web2"]
    assert data["summary"] == {"hosts": 4, "compliant": 1, "noncompliant": 1, "no-kernel-audit": 1,
                               "unreachable": 1, "error": 0}
    # The newest gather run's counts, and every run's over time.
    assert data["events"] == {"web1": {"docker": 12, "identity": 3}, "web2": {"docker": 4}}
    assert data["events_source"] == "/r/gather-20261126T165900Z/gather.json"
    assert [(run["run"], run["time"]) for run in data["events_history"]] == [
        ("gather-20261126T080000Z", "2026-11-26T08:00:00Z"), ("gather-20261126T165900Z", "2026-11-26T16:59:00Z")]
    assert data["events_history"][0]["counts"] == {"web1": {"identity": 2}}
    web2 = data["hosts"][3]
    assert (web2["previous"], web2["change"]) == (["compliant"], "worse")
    assert web2["checks"]["rules_drift"]["action"] == "rules loaded out of band: find who added them, then run site.yml"
    assert "action" not in data["hosts"][2]["checks"]["rules_drift"]
    assert data == report


@pytest.mark.parametrize("break_it", [
    lambda data: data.update(format_version=1),
    lambda data: data["hosts"][0].update(status="fine"),
    lambda data: data["hosts"][0]["checks"]["installed"].pop("message"),
    lambda data: data.update(surprise=True),
    lambda data: data["events_history"][0]["counts"]["web1"].update(identity="2"),
])
def test_the_schema_refuses_what_users_could_not_rely_on(break_it):
    data = json.loads(fr.render_json(fleet()))
    break_it(data)
    with pytest.raises(jsonschema.ValidationError):
        validate(data)


def test_junit_names_each_host_and_check_as_a_test_case_with_counts():
    root = ET.fromstring(fr.render_junit(fleet()))
    cases = root.findall("./testsuite/testcase")
    assert len(cases) == 4 * len(rc.CHECK_IDS)
    assert {(case.get("classname"), case.get("name")) for case in cases} == {
        (host, "%s: %s" % (host, check)) for host in ("c1", "db1", "web1", "web2") for check in rc.CHECK_IDS}
    assert root.get("tests") == str(len(cases))
    assert root.get("failures") == "1"
    assert root.get("errors") == str(len(rc.CHECK_IDS))  # every check of the unreachable host
    assert root.get("skipped") == str(len(rc.KERNEL_CHECKS))
    failure = root.find("./testsuite[@name='web2']/testcase[@name='web2: rules_drift']/failure")
    todo, evidence = failure.text.split("\n", 1)
    assert todo == "what to do: rules loaded out of band: find who added them, then run site.yml"
    assert "<script>" in json.loads(evidence)["extra"][0]
    suite = root.find("./testsuite[@name='web1']")
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == (str(len(rc.CHECK_IDS)), "0", "0")


def test_skipped_rules_in_junit_and_coverage_per_source():
    vm = skipping("/usr/bin/dockerd", "/etc/docker")
    vm["rule_counts"] = {"30-fleetaudit-docker.rules": 14, "70-fleetaudit-local.rules": 2}
    report = fr.build_report({"vm": vm, "web1": healthy()}, {"allowed_skips": ["/etc/NetworkManager*"]})
    assert rc.summary_line(report) == "2 host(s): 2 compliant; vm (warning: required_rules)"
    root = ET.fromstring(fr.render_junit(report))
    assert root.get("failures") == "0"
    out = root.find("./testsuite[@name='vm']/testcase[@name='vm: required_rules']/system-out").text
    assert out.startswith("warning: 2 rule(s) not loaded") and "/usr/bin/dockerd" in out
    assert report["hosts"][0]["coverage"] == [
        {"source": "docker", "file": "30-fleetaudit-docker.rules", "written": 12, "skipped": 2,
         "skipped_paths": ["/usr/bin/dockerd", "/etc/docker"], "skipped_allowed": False, "all_loaded": True},
        {"source": "auditd_rules", "file": "70-fleetaudit-local.rules", "written": 2, "skipped": 0,
         "skipped_paths": [], "skipped_allowed": True, "all_loaded": True}]
    validate(json.loads(fr.render_json(report)))


def test_every_host_of_a_report_has_the_remote_logging_case():
    report = fr.build_report({"web1": dict(healthy(), remote_logging=probe()), "db1": {"unreachable": True},
                              "web2": None}, {"remote_logging": True})
    assert [check["id"] for check in report["checks"]][-1] == "remote_logging"
    assert all(list(host["checks"])[-1] == "remote_logging" for host in report["hosts"])
    assert 'name="web2: remote_logging"' in fr.render_junit(report)


def test_events_ignore_hosts_without_counts_and_runs_named_otherwise_have_no_time():
    runs = fr.events_history([gather_run("gather-nightly", {"a": {}, "b": {"k": "2"}})])
    assert runs == [{"run": "gather-nightly", "time": None, "file": "/r/gather-nightly/gather.json",
                     "counts": {"a": {}, "b": {"k": 2}}}]
    assert fr.build_report({"a": healthy()})["events"] == {}


def event(keys, exe, auid=1000, auid_name="alice"):
    return {"keys": keys, "summary": {"exe": exe, "auid": auid, "auid_name": auid_name}}


def test_event_profile_ranks_executables_and_users_per_key():
    events = [event(["docker"], "/usr/bin/docker")] * 3 + [event(["docker", "identity"], "/usr/sbin/useradd", 0, "root"),
                                                           event(["identity"], "/usr/bin/passwd", 4294967295, None)]
    assert fr.event_profile(events) == {
        "docker": {"events": 4, "executables": [["/usr/bin/docker", 3], ["/usr/sbin/useradd", 1]],
                   "users": [["alice", 3], ["root", 1]]},
        "identity": {"events": 2, "executables": [["/usr/bin/passwd", 1], ["/usr/sbin/useradd", 1]],
                     "users": [["root", 1], ["unset", 1]]}}


@pytest.mark.parametrize("status, previous, change", [
    ("noncompliant", "compliant", "worse"), ("unreachable", "no-kernel-audit", "worse"),
    ("compliant", "error", "better"), ("compliant", "compliant", "same"),
    ("no-kernel-audit", "compliant", "changed"), ("compliant", None, None)])
def test_change_since_the_previous_run(status, previous, change):
    assert fr._change(status, previous) == change
