# -*- coding: utf-8 -*-
# Copyright (c) fleetaudit maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The fleet report document (what fleet.json holds) and its machine-readable renderings.

Pure logic, no Ansible import and no I/O: `build_report` assembles the document from the hosts'
verdicts (report_checks) and what the report store read from earlier runs (gather runs, earlier
compliance runs, gathered events); `render_json` and `render_junit` turn it into text, report_html
into fleet.html.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from ansible_collections.fleetaudit.auditd.plugins.module_utils.report_checks import (
    CHECK_TITLES, ERROR, FAIL, HOST_ERROR, NONCOMPLIANT, UNKNOWN, UNREACHABLE, WARN, evaluate_fleet, report_check_ids,
)


# fleet.json's format: 2 added host facts, rule coverage, advice, events over time, top executables and
# users per key, and the previous runs' verdicts. docs/fleet-report.schema.json describes it.
FORMAT_VERSION = 2
# Earlier compliance runs shown beside this one.
HISTORY_RUNS = 10
TOP = 5
UNSET_ID = 4294967295


def _counts_by_host_and_key(gather):
    """`{host: {key: count}}` from a gather run's `gather.json` (its `hosts` entries' `by_key`)."""
    counts = {}
    for host, entry in sorted(((gather or {}).get("hosts") or {}).items()):
        by_key = (entry or {}).get("by_key") or {}
        counts[host] = {str(key): int(count) for key, count in sorted(by_key.items()) if int(count) > 0}
    return counts


def run_time(run_name):
    """ISO 8601 UTC time of a run named `<kind>-YYYYmmddTHHMMSSZ[...]`, or None for another name."""
    stamp = run_name.split("-", 1)[-1][:16]
    if len(stamp) == 16 and stamp[8] == "T" and stamp[15] == "Z" and (stamp[:8] + stamp[9:15]).isdigit():
        return "%s-%s-%sT%s:%s:%sZ" % (stamp[:4], stamp[4:6], stamp[6:8], stamp[9:11], stamp[11:13], stamp[13:15])
    return None


def events_history(gather_runs):
    """Events per host and key of every gather run (`{run, file, gather}`, oldest first): `[{run, time,
    file, counts}]`, so that a chart shows what each run counted, not only the newest."""
    return [{"run": run["run"], "time": run_time(run["run"]), "file": run["file"],
             "counts": _counts_by_host_and_key(run["gather"])} for run in gather_runs]


def event_profile(events):
    """Top executables and users per key over `events` (the gathered event objects):
    `{key: {"events": n, "executables": [[exe, n], ...], "users": [[user, n], ...]}}`, most first."""
    tallies = {}
    for event in events:
        summary = event.get("summary") or {}
        exe = summary.get("exe") or summary.get("comm") or "(none)"
        auid = summary.get("auid")
        user = summary.get("auid_name") or ("unset" if auid in (None, UNSET_ID, -1) else "auid %s" % auid)
        for key in event.get("keys") or []:
            tally = tallies.setdefault(str(key), {"events": 0, "executables": {}, "users": {}})
            tally["events"] += 1
            tally["executables"][exe] = tally["executables"].get(exe, 0) + 1
            tally["users"][user] = tally["users"].get(user, 0) + 1

    def top(counts):
        return [[name, count] for name, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:TOP]]
    return {key: {"events": tally["events"], "executables": top(tally["executables"]), "users": top(tally["users"])}
            for key, tally in sorted(tallies.items())}


def _previous_statuses(history):
    """`[{run_id, generated, statuses: {host: status}}]` of earlier fleet.json documents, oldest first."""
    return [{"run_id": document.get("run_id"), "generated": document.get("generated"),
             "statuses": {host["host"]: host["status"] for host in document.get("hosts") or []}}
            for document in history or []]


_BAD = (NONCOMPLIANT, UNREACHABLE, HOST_ERROR)


def _change(status, previous):
    """How a host's verdict moved since the previous run: `new`, `worse`, `better`, `same`, or None."""
    if previous is None:
        return None
    if status == previous:
        return "same"
    if status in _BAD and previous not in _BAD:
        return "worse"
    if previous in _BAD and status not in _BAD:
        return "better"
    return "changed"


def build_report(observed_by_host, policy=None, generated=None, run_id=None, gather_runs=None, history=None,
                 profile=None):
    """The whole fleet report as one JSON-ready dict (what fleet.json holds).

    `gather_runs`: the gather runs kept under the report directory (`{run, file, gather}`, oldest
    first); `history`: earlier compliance runs' fleet.json documents, oldest first; `profile`: the
    `event_profile` of the gathered events."""
    fleet = evaluate_fleet(observed_by_host, policy)
    previous = _previous_statuses((history or [])[-HISTORY_RUNS:])
    last = previous[-1]["statuses"] if previous else {}
    for host in fleet["hosts"]:
        host["previous"] = [run["statuses"].get(host["host"]) for run in previous]
        host["change"] = _change(host["status"], last.get(host["host"])) if previous else None
    timeline = events_history(gather_runs or [])
    return {
        "format_version": FORMAT_VERSION,
        "run_id": run_id,
        "generated": generated,
        "summary": fleet["summary"],
        "checks": [{"id": check_id, "title": CHECK_TITLES[check_id]} for check_id in report_check_ids(policy)],
        "hosts": fleet["hosts"],
        "events": timeline[-1]["counts"] if timeline else {},
        "events_source": timeline[-1]["file"] if timeline else None,
        "events_history": timeline,
        "event_profile": profile or {},
        "history": [{"run_id": run["run_id"], "generated": run["generated"]} for run in previous],
    }


def render_json(report):
    return json.dumps(report, indent=2, sort_keys=True) + "\n"


def render_junit(report):
    """JUnit XML: a test suite per host, a test case per host and check, named `host: check` so that a
    CI system listing test cases by name alone shows each one apart."""
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    root = ET.Element("testsuites", name="fleetaudit compliance")
    for host in report["hosts"]:
        suite = ET.SubElement(root, "testsuite", name=host["host"])
        suite_counts = dict.fromkeys(counts, 0)
        for check_id, verdict in host["checks"].items():
            case = ET.SubElement(suite, "testcase", classname=host["host"], name="%s: %s" % (host["host"], check_id))
            suite_counts["tests"] += 1
            tag = {FAIL: ("failure", "failures"), ERROR: ("error", "errors"),
                   UNKNOWN: ("skipped", "skipped")}.get(verdict["status"])
            details = json.dumps(verdict["evidence"], indent=2, sort_keys=True) if verdict["evidence"] else ""
            if verdict.get("action"):
                details = "what to do: %s\n%s" % (verdict["action"], details)
            if verdict["status"] == WARN:
                # JUnit has no warnings: the case passes and says why in its output.
                ET.SubElement(case, "system-out").text = "warning: %s\n%s" % (verdict["message"], details)
            if tag:
                element = ET.SubElement(case, tag[0], message=verdict["message"])
                suite_counts[tag[1]] += 1
                if details and tag[0] != "skipped":
                    element.text = details
        for key, value in suite_counts.items():
            suite.set(key, str(value))
            counts[key] += value
    for key, value in counts.items():
        root.set(key, str(value))
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
