# -*- coding: utf-8 -*-
# Copyright (c) fleetaudit maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""fleet.html read as a person reads it, by structure and content (the markup may change)."""

from __future__ import annotations

import copy

from ansible_collections.fleetaudit.auditd.plugins.module_utils import report_render as rr
from ansible_collections.fleetaudit.auditd.plugins.module_utils.report_html import render_html
from ansible_collections.fleetaudit.auditd.tests.unit.plugins.module_utils.report_fixtures import (
    docker_observed, healthy, parse_html, skipping,
)

ROOT_MESSAGE = "auditctl: You must be root to run this program. (Operation not permitted)"


def container():
    observed = healthy()
    observed["docker"] = docker_observed(found={}, members=None)
    observed["disk_check"] = {"kernel_available": False, "kernel_unavailable_reason": ROOT_MESSAGE}
    return observed


def gather_run(stamp, by_host):
    name = "gather-" + stamp
    return {"run": name, "file": "/r/%s/gather.json" % name,
            "gather": {"hosts": {host: {"by_key": by_key} for host, by_key in by_host.items()}}}


def fleet_page(**changes):
    drifted = healthy()
    drifted["disk_check"]["drift"]["extra"] = ["-w /tmp/<script>alert(1)</script> -p wa -k oob"]
    immutable = healthy()
    immutable["disk_check"].update(enabled=2, immutable=True, reboot_required=True, pending=["+ -w /etc/shadow -p wa"])
    web1 = healthy()
    web1["facts"] = {"kernel": "6.1.0-28-amd64", "distribution": "Debian 12", "audit_tools": "ausearch version 3.0.9"}
    web1["docker"]["engine"] = "Docker version 20.10.24+dfsg1, build 5d6db84"
    observed = {"web1": web1, "web2": drifted, "db1": immutable, "down": {"unreachable": True, "msg": "timed out"},
                "vm": skipping("/etc/docker")}
    observed.update({"c%d" % index: container() for index in range(1, 5)})
    history = [{"run_id": "20261125T170000Z", "generated": "2026-11-25T17:00:00+00:00",
                "hosts": [{"host": name, "status": "compliant"} for name in observed if name != "down"]
                + [{"host": "down", "status": "unreachable"}]}]
    runs = [gather_run("20261124T080000Z", {"web1": {"identity": 2}}),
            gather_run("20261125T080000Z", {"web1": {"docker": 12, "identity": 3}, "web2": {"docker": 4}})]
    alice = {"keys": ["docker"], "summary": {"exe": "/usr/bin/docker", "auid": 1000, "auid_name": "alice"}}
    arguments = dict(observed_by_host=observed, generated="2026-11-26T17:00:00+00:00", run_id="20261126T170000Z",
                     gather_runs=runs, history=history, profile=rr.event_profile([alice]))
    arguments.update(changes)
    report = rr.build_report(**arguments)
    page = render_html(report)
    return report, page, parse_html(page)


def test_page_is_self_contained_and_escaped():
    _report, page, dom = fleet_page()
    assert not dom.find_all("script") and not dom.find_all("link") and not dom.find_all("img")
    for element in dom.find_all():
        for name, value in element.attrs.items():
            assert name != "src"
            if name == "href":
                assert value.startswith("#"), value  # links stay on the page
    assert "url(" not in page and "@import" not in page
    assert "<script>alert(1)</script>" in dom.text()  # shown as text, not markup
    assert dom.find("meta", name="viewport")
    assert "@media print" in dom.find("style").text()


def test_failures_come_first_each_with_what_to_do_and_long_repeated_messages_folded():
    _report, _page, dom = fleet_page()
    body_order = [element.attrs.get("id") for element in dom.find_all() if element.attrs.get("id") in ("findings", "hosts")]
    assert body_order == ["findings", "hosts"]
    causes = dom.find("div", id="findings").find_all("section", cls="cause")
    statuses = [cause.attrs["data-status"] for cause in causes]
    assert statuses == sorted(statuses, key=["fail", "error", "warn", "unknown"].index)
    todo = {cause.find("h3").text(): cause.find("p", cls="todo").text() for cause in causes}
    assert todo["fail kernel is immutable with rule changes pending a reboot"] == (
        "What to do: immutable: reboot needed to load the pending rules")
    assert any(text.endswith("run site.yml") for title, text in todo.items() if "kernel rule(s) not on disk" in title)
    # Four containers, five kernel checks each, one message: one cause, not twenty.
    folded = [cause for cause in causes if ROOT_MESSAGE in cause.find("h3").text()]
    # The cause, then per container its evidence: once for the kernel checks, once with the skipped rules.
    assert len(folded) == 1 and dom.text().count(ROOT_MESSAGE) == 1 + 4 * 2
    assert folded[0].attrs["data-hosts"] == "c1 c2 c3 c4"
    assert len(folded[0].find_all("details")) == 4


def test_every_cell_that_did_not_pass_links_to_its_finding():
    report, _page, dom = fleet_page()
    causes = {cause.attrs["id"]: cause for cause in dom.find_all("section", cls="cause")}
    rows = dom.find("table", id="hosts").find_all("tr", cls="host-row")
    for row in rows:
        host = row.attrs["data-host"]
        verdicts = next(entry for entry in report["hosts"] if entry["host"] == host)["checks"]
        for cell in row.find_all("td", cls="status"):
            check = cell.attrs.get("data-check")
            if not check:
                continue
            links = cell.find_all("a")
            assert cell.text() == verdicts[check]["status"]
            if verdicts[check]["status"] == "pass":
                assert not links
            else:
                target = causes[links[0].attrs["href"][1:]]
                assert host in target.attrs["data-hosts"].split() and check in target.attrs["data-checks"].split()
                assert verdicts[check]["message"] in target.find("h3").text()


def test_hosts_newly_failing_first_then_the_worst():
    _report, _page, dom = fleet_page()
    rows = dom.find("table", id="hosts").find_all("tr", cls="host-row")
    order = [(row.attrs["data-host"], row.attrs["data-change"]) for row in rows]
    assert order[:2] == [("db1", "worse"), ("web2", "worse")]
    assert order[2] == ("down", "same")
    assert [host for host, _change in order[-2:]] == ["vm", "web1"]  # the warning before the clean pass
    trend = rows[0].find("td", cls="trend")
    assert trend.find("span", cls="dot").attrs["title"] == "20261125T170000Z: compliant"
    assert "new failure" in trend.text()
    assert "Newly failing since 20261125T170000Z: db1, web2" in dom.find("p", cls="changes").text()


def test_without_an_earlier_run_the_page_says_so():
    _report, _page, dom = fleet_page(history=None)
    assert "No earlier compliance run" in dom.find("p", cls="changes").text()
    assert all(row.attrs["data-change"] == "" for row in dom.find_all("tr", cls="host-row"))


def test_coverage_versions_and_docker_controls_per_host():
    _report, _page, dom = fleet_page()
    versions = {row.attrs["data-host"]: [cell.text() for cell in row.find_all("td")][1:]
                for row in dom.find("table", id="versions").find_all("tr", cls="versions")}
    assert versions["web1"] == ["3.0.9", "6.1.0-28-amd64", "Debian 12", "20.10.24+dfsg1"]
    assert versions["c1"][0] == "3.0.9" and versions["down"] == ["-", "-", "-", "-"]
    vm = dom.find("table", id="coverage").find("tr", data_host="vm")
    assert vm.find("td", data_source="docker").text() == "? written, all loaded, 1 skipped"
    assert "/etc/docker (docker)" in dom.find("p", cls="skipped-paths").text()
    docker = {row.attrs["data-host"]: {cell.attrs["data-cis"]: cell.text() for cell in row.find_all("td", cls="status")}
              for row in dom.find("table", id="docker").find_all("tr", cls="docker")}
    assert docker["web1"] == {"1.1.3": "covered", "1.1.13": "absent", "1.1.18": "covered"}
    assert "c1" not in docker  # no Docker in the containers


def test_events_over_time_per_key_with_every_run_and_a_time_axis():
    _report, _page, dom = fleet_page()
    charts = {svg.attrs["data-key"]: svg for svg in dom.find_all("svg", cls="events-chart")}
    assert sorted(charts) == ["docker", "identity"]
    points = [(point.attrs["data-host"], point.attrs["data-run"], int(point.attrs["data-count"]))
              for point in charts["identity"].find_all("circle", cls="point")]
    assert points == [("web1", "gather-20261124T080000Z", 2), ("web1", "gather-20261125T080000Z", 3)]
    axis = [text.text() for text in charts["identity"].find_all("text")]
    assert "11-24 08:00" in axis and "11-25 08:00" in axis and "gather run (UTC)" in axis
    # The same host has the same colour in every chart.
    colours = {chart: {point.attrs["data-host"]: point.attrs["fill"] for point in svg.find_all("circle")}
               for chart, svg in charts.items()}
    assert colours["docker"]["web1"] == colours["identity"]["web1"]
    profile = dom.find("table", id="profile").find("tr", data_key="docker")
    assert [cell.text() for cell in profile.find_all("td")] == ["docker", "1", "/usr/bin/docker (1)", "alice (1)"]


def test_a_compliant_fleet_without_gather_runs_says_what_is_missing():
    healthy_fleet = {"a": healthy(), "b": copy.deepcopy(healthy())}
    _report, _page, dom = fleet_page(observed_by_host=healthy_fleet, gather_runs=None, profile=None)
    assert "summary ok" == dom.find("p", id="summary").attrs["class"]
    assert "No findings" in dom.find("div", id="findings").text()
    assert "No events from the gather step" in dom.text() and not dom.find_all("svg")
    assert "No gathered events to profile" in dom.text()
