# -*- coding: utf-8 -*-
# Copyright (c) fleetaudit maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""fleet.html: the fleet report as one self-contained page a person reads first thing in the morning.

Pure logic, no Ansible import and no I/O. Order of the page: what needs attention (one entry per
cause, with what to do, the hosts it hits and their evidence), the hosts table (worst and newly
failing first, with earlier runs' verdicts), coverage per host (versions, rules per source, CIS
Docker 1.1.x controls), events over time per key and host, top executables and users per key, and
the skipped rules. No script, no external asset; readable at phone width and on paper.
"""

from __future__ import annotations

import html
import json

from ansible_collections.fleetaudit.auditd.plugins.module_utils.report_checks import (
    ABSENT, AFTER_BOOT, COMPLIANT, COVERED, ERROR, FAIL, HOST_ERROR, NO_KERNEL_AUDIT, NONCOMPLIANT, NOT_LOADED,
    PASS, UNKNOWN, UNREACHABLE, WARN, failing_checks, summary_counts,
)

# Colours: status cells and host verdicts share them; chart series cycle through PALETTE.
_COLOURS = {PASS: "#2e7d32", COMPLIANT: "#2e7d32", WARN: "#ef6c00", FAIL: "#c62828", NONCOMPLIANT: "#c62828",
            ERROR: "#6a1b9a", HOST_ERROR: "#6a1b9a", UNREACHABLE: "#6a1b9a",
            UNKNOWN: "#f9a825", NO_KERNEL_AUDIT: "#f9a825",
            COVERED: "#2e7d32", NOT_LOADED: "#c62828", ABSENT: "#9e9e9e", AFTER_BOOT: "#f9a825"}
_PALETTE = ("#1565c0", "#ef6c00", "#00838f", "#ad1457", "#558b2f", "#4527a0", "#6d4c41", "#00695c")
# Order of causes and hosts: the worst first.
_SEVERITY = {FAIL: 0, ERROR: 1, WARN: 2, UNKNOWN: 3, PASS: 4}
_HOST_ORDER = {NONCOMPLIANT: 0, HOST_ERROR: 1, UNREACHABLE: 2, NO_KERNEL_AUDIT: 4, COMPLIANT: 5}

_STYLE = """
body { font-family: sans-serif; margin: 1em; color: #212121; }
h1 { font-size: 1.4em; margin-bottom: 0.2em; } h2 { font-size: 1.15em; margin-top: 1.4em; }
.summary { font-size: 1.1em; padding: 0.6em; border-left: 6px solid %(fail)s; background: #fafafa; }
.summary.ok { border-left-color: %(pass)s; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.9em; }
th, td { border: 1px solid #bdbdbd; padding: 0.2em 0.4em; text-align: center; }
th.host, td.host, td.text { text-align: left; } td.host { white-space: nowrap; }
/* The host stays in view while a wide table scrolls sideways on a phone. */
.scroll td.host { position: sticky; left: 0; background: #fff; }
td.status, span.badge, span.dot { color: #fff; font-weight: bold; }
td.status a { color: #fff; } td.trend { white-space: nowrap; }
td.cov { font-size: 0.85em; } .c-pass { background: #e8f5e9; } .c-warn { background: #fff3e0; } .c-fail { background: #ffebee; }
%(status_rules)s
.legend span { display: inline-block; margin-right: 1em; }
.legend i { display: inline-block; width: 0.9em; height: 0.9em; margin-right: 0.3em; vertical-align: middle; }
.cause { border: 1px solid #e0e0e0; margin: 0.6em 0; padding: 0.4em 0.8em; }
.cause h3 { font-size: 1em; margin: 0.3em 0; overflow-wrap: anywhere; }
.cause .todo { font-weight: bold; margin: 0.3em 0; }
.badge { padding: 0.1em 0.4em; border-radius: 3px; font-size: 0.85em; }
.dot { display: inline-block; min-width: 1.2em; border-radius: 3px; font-size: 0.75em; margin-right: 1px; }
.change-worse { font-weight: bold; color: %(fail)s; }
pre { background: #f5f5f5; padding: 0.5em; overflow-x: auto; white-space: pre-wrap; overflow-wrap: anywhere; }
details summary { cursor: pointer; }
svg { max-width: 100%%; height: auto; }
@media (max-width: 40em) { body { margin: 0.4em; } table { font-size: 0.8em; } }
/* Printed (or saved as PDF): landscape, wide tables in a smaller type instead of cut at the edge. */
@page { size: A4 landscape; margin: 1cm; }
@media print { body { margin: 0; } .scroll { overflow: visible; } table { font-size: 0.7em; }
  th, td { padding: 0.1em 0.2em; } .scroll td.host { position: static; } details { display: block; } a { color: inherit; text-decoration: none; }
  td.status, .badge, .dot, .legend i { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  .cause, tr { break-inside: avoid; } }
"""


def _e(value):
    return html.escape(str(value), quote=True)


def _style():
    rules = "\n".join(".s-%s { background: %s; } .b-%s { border-left: 6px solid %s; }" % (status, colour, status, colour)
                      for status, colour in sorted(_COLOURS.items()))
    return _STYLE % {"fail": _COLOURS[FAIL], "pass": _COLOURS[PASS], "status_rules": rules}


def _causes(report):
    """Every verdict that did not pass, folded into one entry per cause (status, message, what to do),
    worst first: `[{id, status, message, action, checks, hosts: [(host, check ids, evidence)]}]`."""
    causes = {}
    for host in report["hosts"]:
        for check_id, verdict in host["checks"].items():
            if verdict["status"] == PASS:
                continue
            cause = causes.setdefault((verdict["status"], verdict["message"], verdict.get("action")), {})
            cause.setdefault(host["host"], []).append((check_id, verdict["evidence"]))
    ordered = sorted(causes.items(), key=lambda item: (_SEVERITY[item[0][0]], -len(item[1]), item[0][1]))
    result = []
    for index, ((status, message, action), by_host) in enumerate(ordered, 1):
        checks = sorted({check_id for entries in by_host.values() for check_id, _evidence in entries})
        result.append({"id": "cause-%d" % index, "status": status, "message": message, "action": action,
                       "checks": checks, "hosts": [(host, [check_id for check_id, _e in entries], entries)
                                                   for host, entries in sorted(by_host.items())]})
    return result


def _cause_links(causes):
    """`{(host, check id): cause id}` so that each cell links to its finding."""
    return {(host, check_id): cause["id"] for cause in causes
            for host, check_ids, _entries in cause["hosts"] for check_id in check_ids}


def _findings(causes):
    if not causes:
        return '<p class="no-findings">No findings: every host passes every check.</p>'
    sections = []
    for cause in causes:
        details = []
        for host, check_ids, entries in cause["hosts"]:
            # The same evidence behind several checks (a container's reason) is shown once.
            groups = {}
            for check_id, ev in entries:
                if ev:
                    groups.setdefault(json.dumps(ev, indent=2, sort_keys=True), []).append(check_id)
            text = "\n".join(evidence if len(groups) == 1 else "%s:\n%s" % (", ".join(ids), evidence)
                             for evidence, ids in groups.items())
            details.append('<details class="evidence" data-host="%s"><summary>%s: %s</summary>%s</details>'
                           % (_e(host), _e(host), _e(", ".join(check_ids)), "<pre>%s</pre>" % _e(text) if text
                              else "<p>no further evidence</p>"))
        hosts = [host for host, _c, _e in cause["hosts"]]
        sections.append(
            '<section class="cause b-%s" id="%s" data-status="%s" data-hosts="%s" data-checks="%s">'
            '<h3><span class="badge s-%s">%s</span> %s</h3>%s'
            '<p class="where">%d host(s): %s &middot; check(s): %s</p>%s</section>'
            % (_e(cause["status"]), cause["id"], _e(cause["status"]), _e(" ".join(hosts)), _e(" ".join(cause["checks"])),
               _e(cause["status"]), _e(cause["status"]), _e(cause["message"]),
               '<p class="todo">What to do: %s</p>' % _e(cause["action"]) if cause["action"] else "",
               len(hosts), _e(", ".join(hosts)), _e(", ".join(cause["checks"])), "".join(details)))
    return "\n".join(sections)


def _host_order(host):
    worst = min(_SEVERITY[verdict["status"]] for verdict in host["checks"].values()) if host["checks"] else 4
    return (0 if host.get("change") == "worse" else 1, _HOST_ORDER.get(host["status"], 3), worst, host["host"])


def _trend(host, history):
    dots = []
    for run, status in zip(history, host.get("previous") or []):
        dots.append('<span class="dot s-%s" title="%s: %s">%s</span>'
                    % (_e(status or "none"), _e(run.get("run_id") or "?"), _e(status or "not in that run"),
                       _e((status or "-")[:1].upper())))
    change = host.get("change")
    label = {"worse": "new failure", "better": "fixed", "changed": "changed"}.get(change, "")
    return "".join(dots) + (' <span class="change-%s">%s</span>' % (_e(change), label) if label else "")


def _host_table(report, links):
    # A check id may break after its underscores, so that the table fits a laptop's width.
    head = "".join('<th title="%s">%s</th>' % (_e(check["title"]), _e(check["id"]).replace("_", "_<wbr>"))
                   for check in report["checks"])
    history = report.get("history") or []
    rows = []
    for host in sorted(report["hosts"], key=_host_order):
        cells = ['<td class="host">%s</td>' % _e(host["host"]),
                 '<td class="status s-%s">%s</td>' % (_e(host["status"]), _e(host["status"])),
                 '<td class="trend">%s</td>' % _trend(host, history)]
        for check_id, verdict in host["checks"].items():
            label = _e(verdict["status"])
            target = links.get((host["host"], check_id))
            if target:
                label = '<a href="#%s">%s</a>' % (target, label)
            cells.append('<td class="status s-%s" data-check="%s" title="%s">%s</td>'
                         % (_e(verdict["status"]), _e(check_id), _e(verdict["message"]), label))
        rows.append('<tr class="host-row" data-host="%s" data-status="%s" data-change="%s">%s</tr>'
                    % (_e(host["host"]), _e(host["status"]), _e(host.get("change") or ""), "".join(cells)))
    trend_head = "earlier runs" if history else "no earlier run"
    return ('<div class="scroll"><table class="checks" id="hosts"><thead><tr><th class="host">host</th><th>verdict</th>'
            "<th>%s</th>%s</tr></thead><tbody>%s</tbody></table></div>" % (trend_head, head, "\n".join(rows)))


def _versions_table(report):
    rows = []
    for host in report["hosts"]:
        facts = host.get("facts") or {}
        rows.append('<tr class="versions" data-host="%s"><td class="host">%s</td><td>%s</td><td>%s</td><td>%s</td>'
                    '<td>%s</td></tr>' % (_e(host["host"]), _e(host["host"]),
                                          *(_e(facts.get(name) or "-") for name in
                                            ("auditd_version", "kernel", "distribution", "docker_version"))))
    return ('<div class="scroll"><table id="versions"><thead><tr><th class="host">host</th><th>auditd</th>'
            '<th>kernel</th><th>distribution</th><th>Docker engine</th></tr></thead><tbody>%s</tbody></table></div>'
            % "\n".join(rows))


def _coverage_cell(entry):
    """`written / loaded / skipped` of one source on one host, skipped paths in its title."""
    loaded = {True: "all loaded", False: "not all loaded", None: "kernel not read"}[entry["all_loaded"]]
    text = "%s written, %s" % ("?" if entry["written"] is None else entry["written"], loaded)
    status = PASS if entry["all_loaded"] else (FAIL if entry["all_loaded"] is False else "none")
    if entry["skipped"]:
        text += ", %d skipped" % entry["skipped"]
        status = status if entry["skipped_allowed"] or status == FAIL else WARN
    title = ("skipped (path not on the host): " + ", ".join(entry["skipped_paths"])) if entry["skipped"] else entry["file"]
    return '<td class="cov c-%s" data-source="%s" title="%s">%s</td>' % (_e(status), _e(entry["source"]), _e(title), _e(text))


def _coverage_table(report):
    """One row per host, one column per rule source (bundle, example set, base, auditd_rules)."""
    sources = sorted({entry["source"] for host in report["hosts"] for entry in host.get("coverage") or []})
    if not sources:
        return '<p class="no-coverage">No rule file of the policy was looked at.</p>'
    rows = []
    for host in report["hosts"]:
        by_source = {entry["source"]: entry for entry in host.get("coverage") or []}
        cells = "".join(_coverage_cell(by_source[source]) if source in by_source else "<td>-</td>" for source in sources)
        rows.append('<tr class="coverage" data-host="%s"><td class="host">%s</td>%s</tr>' % (_e(host["host"]), _e(host["host"]), cells))
    skipped = ["%s: %s" % (host["host"], ", ".join("%s (%s)" % (path, entry["source"]) for entry in host.get("coverage") or []
                                                   for path in entry["skipped_paths"]))
               for host in report["hosts"] if any(entry["skipped"] for entry in host.get("coverage") or [])]
    return ('<div class="scroll"><table id="coverage"><thead><tr><th class="host">host</th>%s</tr></thead><tbody>%s'
            "</tbody></table></div>%s"
            % ("".join("<th>%s</th>" % _e(source) for source in sources), "\n".join(rows),
               '<p class="skipped-paths">Skipped because the path is not on the host: %s</p>' % _e("; ".join(skipped))
               if skipped else '<p class="skipped-paths">No rule skipped on any host.</p>'))


def _docker_table(report):
    controls, per_host = [], {}
    for host in report["hosts"]:
        evidence = (host["checks"].get("docker") or {}).get("evidence") or {}
        if evidence.get("controls"):
            per_host[host["host"]] = {entry["cis"]: entry for entry in evidence.get("controls") or []}
            controls += [cis for cis in per_host[host["host"]] if cis not in controls]
    if not per_host:
        return '<p class="no-docker">No host has Docker installed.</p>'
    controls.sort(key=lambda cis: [int(part) for part in cis.split(".")])
    rows = []
    for host, entries in sorted(per_host.items()):
        cells = []
        for cis in controls:
            entry = entries.get(cis) or {"state": ABSENT, "what": "", "paths": []}
            cells.append('<td class="status s-%s" data-cis="%s" title="%s: %s">%s</td>'
                         % (_e(entry["state"]), _e(cis), _e(entry["what"]), _e(", ".join(p for p in entry["paths"] if p)),
                            _e(entry["state"])))
        rows.append('<tr class="docker" data-host="%s"><td class="host">%s</td>%s</tr>' % (_e(host), _e(host), "".join(cells)))
    return ('<div class="scroll"><table id="docker"><thead><tr><th class="host">host</th>%s</tr></thead><tbody>%s'
            "</tbody></table></div>" % ("".join("<th>%s</th>" % _e(cis) for cis in controls), "\n".join(rows)))


def events_chart_svg(key, timeline, colours):
    """Counts of one key per host over the gather runs (`events_history`): a point per run, a line per
    host (its colour from `colours`, the same in every chart), the run times on the axis. Inline SVG."""
    hosts = sorted({host for run in timeline for host, counts in run["counts"].items() if counts.get(key)})
    biggest = max([run["counts"].get(host, {}).get(key, 0) for run in timeline for host in hosts] or [1]) or 1
    left, width, top, height = 50, 560, 10, 150
    step = width / max(1, len(timeline) - 1)
    parts = ['<svg xmlns="http://www.w3.org/2000/svg" class="events-chart" data-key="%s" role="img" viewBox="0 0 %d %d"'
             ' width="%d" height="%d" aria-label="events of key %s per host and run">'
             % (_e(key), left + width + 40, top + height + 50, left + width + 40, top + height + 50, _e(key))]
    parts.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#757575"/>' % (left, top + height, left + width, top + height))
    parts.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#757575"/>' % (left, top, left, top + height))
    parts.append('<text x="%d" y="%d" font-size="11" text-anchor="end">%d</text>' % (left - 4, top + 8, biggest))
    parts.append('<text x="%d" y="%d" font-size="11" text-anchor="end">0</text>' % (left - 4, top + height))
    for index, run in enumerate(timeline):
        x = left + (step * index if len(timeline) > 1 else width / 2)
        parts.append('<text x="%.1f" y="%d" font-size="10" text-anchor="middle">%s</text>'
                     % (x, top + height + 14, _e((run["time"] or run["run"])[5:16].replace("T", " "))))
    parts.append('<text x="%d" y="%d" font-size="11" text-anchor="middle">gather run (UTC)</text>'
                 % (left + width / 2, top + height + 32))
    for host in hosts:
        colour = colours[host]
        points = []
        for index, run in enumerate(timeline):
            count = run["counts"].get(host, {}).get(key, 0)
            x = left + (step * index if len(timeline) > 1 else width / 2)
            y = top + height - height * count / biggest
            points.append("%.1f,%.1f" % (x, y))
            parts.append('<circle class="point" data-host="%s" data-run="%s" data-count="%d" cx="%.1f" cy="%.1f" r="3.5" '
                         'fill="%s"><title>%s, %s (%s): %d</title></circle>'
                         % (_e(host), _e(run["run"]), count, x, y, colour, _e(host), _e(key), _e(run["run"]), count))
        if len(points) > 1:
            parts.insert(1, '<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>' % (colour, " ".join(points)))
    parts.append("</svg>")
    legend = "".join('<span><i style="background:%s"></i>%s</span>' % (colours[host], _e(host)) for host in hosts)
    return "".join(parts) + '<div class="legend">%s</div>' % legend


def _events_section(report):
    timeline = report.get("events_history") or []
    keys = sorted({key for run in timeline for counts in run["counts"].values() for key in counts})
    if not keys:
        return '<p class="no-events">No events from the gather step for this fleet (run gather.yml first).</p>'
    hosts = sorted({host for run in timeline for host, counts in run["counts"].items() if counts})
    colours = {host: _PALETTE[index % len(_PALETTE)] for index, host in enumerate(hosts)}
    parts = []
    for key in keys:
        rows = []
        for run in timeline:
            for host, counts in sorted(run["counts"].items()):
                if counts.get(key):
                    rows.append('<tr><td class="text">%s</td><td>%s</td><td class="host">%s</td><td>%d</td></tr>'
                                % (_e(run["run"]), _e(run["time"] or "-"), _e(host), counts[key]))
        parts.append('<h3 id="key-%s">key %s</h3>%s<details><summary>counts per run and host</summary>'
                     '<div class="scroll"><table class="event-counts" data-key="%s"><thead><tr><th class="host">gather run'
                     '</th><th>time (UTC)</th><th class="host">host</th><th>events</th></tr></thead><tbody>%s</tbody>'
                     "</table></div></details>" % (_e(key), _e(key), events_chart_svg(key, timeline, colours), _e(key), "".join(rows)))
    return "\n".join(parts)


def _profile_table(report):
    profile = report.get("event_profile") or {}
    if not profile:
        return '<p class="no-profile">No gathered events to profile.</p>'
    rows = []
    for key, entry in sorted(profile.items()):
        rows.append('<tr class="profile" data-key="%s"><td class="host">%s</td><td>%d</td><td class="text">%s</td>'
                    '<td class="text">%s</td></tr>'
                    % (_e(key), _e(key), entry["events"],
                       "<br>".join("%s (%d)" % (_e(name), count) for name, count in entry["executables"]),
                       "<br>".join("%s (%d)" % (_e(name), count) for name, count in entry["users"])))
    return ('<div class="scroll"><table id="profile"><thead><tr><th class="host">key</th><th>events</th>'
            '<th class="host">top executables</th><th class="host">top users (login uid)</th></tr></thead>'
            "<tbody>%s</tbody></table></div>" % "\n".join(rows))


def _changes_line(report):
    worse = [host["host"] for host in report["hosts"] if host.get("change") == "worse"]
    better = [host["host"] for host in report["hosts"] if host.get("change") == "better"]
    if not report.get("history"):
        return '<p class="changes">No earlier compliance run under this report directory to compare with.</p>'
    parts = []
    if worse:
        parts.append('<strong class="change-worse">Newly failing since %s: %s</strong>'
                     % (_e(report["history"][-1]["run_id"]), _e(", ".join(worse))))
    if better:
        parts.append("Fixed since then: %s" % _e(", ".join(better)))
    return '<p class="changes">%s</p>' % ("; ".join(parts) or "No host changed verdict since %s."
                                          % _e(report["history"][-1]["run_id"]))


def render_html(report):
    """One self-contained page: failures first, then hosts, coverage, events and skipped rules."""
    ok = not failing_checks(report)
    causes = _causes(report)
    sources = sorted({run["file"] for run in report.get("events_history") or []})
    return "\n".join((
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>fleetaudit compliance %s</title>" % _e(report.get("run_id") or ""),
        "<style>%s</style></head><body>" % _style(),
        "<h1>Audit compliance</h1>",
        '<p class="generated">Run %s, generated %s</p>'
        % (_e(report.get("run_id") or "-"), _e(report.get("generated") or "-")),
        '<p class="summary%s" id="summary">%s</p>' % (" ok" if ok else "", _e(summary_counts(report))),
        _changes_line(report),
        '<h2>Needs attention</h2><div id="findings">',
        _findings(causes),
        "</div>",
        "<h2>Hosts</h2>",
        _host_table(report, _cause_links(causes)),
        "<h2>Coverage per host</h2>",
        "<h3>Versions</h3>", _versions_table(report),
        "<h3>Rules per source</h3>", _coverage_table(report),
        "<h3>CIS Docker 1.1.x controls</h3>", _docker_table(report),
        "<h2>Events over time by key and host</h2>",
        _events_section(report),
        '<p class="source">%s</p>' % ("From %d gather run(s): %s" % (len(sources), _e(", ".join(sources))) if sources else ""),
        "<h2>Top executables and users per key</h2>",
        _profile_table(report),
        "</body></html>",
        "",
    ))
