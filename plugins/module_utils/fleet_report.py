# -*- coding: utf-8 -*-
# Copyright (c) fleetaudit maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Compliance verdicts and the fleet report (fleet.json, fleet.html, junit.xml).

Pure logic, no Ansible import: `evaluate_host` turns what the compliance role observed on one
host (module results, free space) into one verdict per check; `build_report` assembles the fleet;
`render_json`, `render_html` and `render_junit` write it out.
"""

from __future__ import annotations

import datetime
import fnmatch
import html
import json
import os
import re
import shutil
import tempfile
import xml.etree.ElementTree as ET

from ansible_collections.fleetaudit.auditd.plugins.module_utils.host_io import starts_at_boot

# Check results.
PASS = "pass"
WARN = "warn"  # passes, with something a person should see (rules skipped that the policy does not allow)
FAIL = "fail"
UNKNOWN = "unknown"  # could not be decided on this host (no kernel audit)
ERROR = "error"  # the host was reached but a read failed or it was unreachable

# Host verdicts.
COMPLIANT = "compliant"
NONCOMPLIANT = "noncompliant"
NO_KERNEL_AUDIT = "no-kernel-audit"
UNREACHABLE = "unreachable"
HOST_ERROR = "error"
HOST_STATUSES = (COMPLIANT, NONCOMPLIANT, NO_KERNEL_AUDIT, UNREACHABLE, HOST_ERROR)

# (id, what a passing check means), in report order.
CHECKS = (
    ("installed", "auditd is installed"),
    ("service", "auditd is enabled and running"),
    ("kernel_audit", "kernel audit is enabled (immutable where required)"),
    ("rules_drift", "kernel rules equal the compiled rules on disk"),
    ("required_rules", "every rule the policy requires is loaded"),
    ("events_lost", "no events lost, backlog below its limit"),
    ("log_space", "log partition is clear of space_left"),
    ("auditd_conf", "auditd.conf has the required settings"),
    ("docker", "every Docker file the host has is watched by a loaded rule"),
)
# Checks a policy turns on: (id, what a passing check means, the policy key that asks for it).
OPTIONAL_CHECKS = (
    ("remote_logging", "a probe event reached the collector under the host's node name in time", "remote_logging"),
)
CHECK_IDS = tuple(check_id for check_id, _title in CHECKS)
CHECK_TITLES = dict(CHECKS, **{check_id: title for check_id, title, _key in OPTIONAL_CHECKS})
# Checks that need the kernel's audit subsystem: UNKNOWN where it is not available.
KERNEL_CHECKS = frozenset(("kernel_audit", "rules_drift", "required_rules", "events_lost", "docker"))

DEFAULT_POLICY = {
    "immutable": False,
    "auditd_conf": {},
    "max_lost_events": 0,
    "backlog_threshold_percent": 80,
    "space_left_margin_percent": 50,
    "allowed_skips": [],
    "unallowed_skips": WARN,
    "remote_logging": False,
}
# Policy settings that take one of a few values.
POLICY_CHOICES = {"unallowed_skips": (WARN, FAIL)}

_MB = 1024 * 1024


def _verdict(status, message, evidence=None):
    return {"status": status, "message": message, "evidence": evidence or {}}


def _as_int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _check_installed(info):
    evidence = {"version": info.get("version")}
    if not info.get("installed"):
        return _verdict(FAIL, "auditd is not installed", evidence)
    # auditctl -v needs the kernel in audit 3.0: no version in a container.
    return _verdict(PASS, "auditd %s" % (info.get("version") or "installed"), evidence)


def _check_service(info):
    service = info.get("service") or {}
    evidence = {key: service.get(key) for key in ("running", "pid", "manager", "active", "enabled")
                if service.get(key) is not None}
    problems = []
    if not service.get("running"):
        problems.append("not running")
    if starts_at_boot(service.get("enabled")) is False:
        problems.append("not enabled at boot")
    if problems:
        return _verdict(FAIL, "auditd is " + " and ".join(problems), evidence)
    return _verdict(PASS, "auditd is running (pid %s)" % service.get("pid", "?"), evidence)


def _check_kernel_audit(kernel, policy):
    enabled = _as_int(kernel.get("enabled"))
    evidence = {"enabled": enabled, "immutable": bool(kernel.get("immutable")),
                "immutable_required": bool(policy["immutable"])}
    if enabled not in (1, 2):
        return _verdict(FAIL, "kernel audit is disabled (enabled %s)" % enabled, evidence)
    if policy["immutable"] and enabled != 2:
        return _verdict(FAIL, "policy requires immutable mode (enabled 2), kernel has enabled %s" % enabled,
                        evidence)
    if kernel.get("reboot_required"):
        evidence["pending"] = kernel.get("pending") or []
        return _verdict(FAIL, "kernel is immutable with rule changes pending a reboot", evidence)
    return _verdict(PASS, "enabled %s" % enabled, evidence)


def _drift_evidence(result):
    drift = result.get("drift") or {}
    return {"missing": list(drift.get("missing") or []), "extra": list(drift.get("extra") or []),
            "settings": dict(drift.get("settings") or {}), "reordered": bool(drift.get("reordered"))}


def _check_rules_drift(disk_check):
    evidence = _drift_evidence(disk_check)
    evidence["loaded_rules"] = disk_check.get("loaded_rules")
    problems = []
    if evidence["missing"]:
        problems.append("%d rule(s) on disk not loaded" % len(evidence["missing"]))
    if evidence["extra"]:
        problems.append("%d kernel rule(s) not on disk" % len(evidence["extra"]))
    if evidence["settings"]:
        problems.append("kernel settings differ from the rules on disk: %s" % ", ".join(sorted(evidence["settings"])))
    if evidence["reordered"]:
        problems.append("the kernel holds the rules in another order")
    if disk_check.get("rules_changed"):
        problems.append("the compiled rules file is out of date with the rules directory")
    if not problems and disk_check.get("kernel_changed"):
        problems.append("the kernel differs from the compiled rules file")
    if problems:
        return _verdict(FAIL, "; ".join(problems), evidence)
    return _verdict(PASS, "%s rule(s) loaded, no drift" % evidence["loaded_rules"], evidence)


def skip_allowed(skipped, source, allowed):
    """Whether the policy's `allowed` entries accept a skipped rule: an entry starting with ``/`` is a
    glob of the skipped path, any other a glob of the rule's source (bundle or example set name, or
    ``auditd_rules``) or of its file name, with or without ``.rules``."""
    path = skipped.get("path") or ""
    names = [source, skipped.get("file") or ""]
    names.append(re.sub(r"\.rules$", "", names[1]))
    for entry in allowed:
        entry = str(entry)
        if entry.startswith("/"):
            if fnmatch.fnmatchcase(path, entry) or fnmatch.fnmatchcase(path.rstrip("/"), entry.rstrip("/")):
                return True
        elif any(name and fnmatch.fnmatchcase(name, entry) for name in names):
            return True
    return False


def skipped_rules(policy_check, sources, allowed):
    """The policy's rules left out on this host because their paths do not exist, each with its
    `source` (bundle, example set or ``auditd_rules``, from `sources`, file name to source) and
    whether the policy `allowed` it."""
    result = []
    for entry in policy_check.get("skipped_rules") or []:
        source = (sources or {}).get(entry.get("file")) or entry.get("file")
        result.append({"file": entry.get("file"), "source": source, "line": entry.get("line"),
                       "rule": entry.get("rule"), "path": entry.get("path"),
                       "allowed": skip_allowed(entry, source, allowed)})
    return result


def _count_by_source(skipped):
    counts = {}
    for entry in skipped:
        counts[entry["source"]] = counts.get(entry["source"], 0) + 1
    return ", ".join("%s %d" % item for item in sorted(counts.items()))


def _check_required_rules(policy_check, policy, sources):
    drift = _drift_evidence(policy_check)
    # `enabled` is the kernel_audit check's business.
    settings = {name: value for name, value in drift["settings"].items() if name != "enabled"}
    skipped = skipped_rules(policy_check, sources, policy["allowed_skips"])
    evidence = {"missing": drift["missing"], "settings": settings,
                "files_differ": bool(policy_check.get("rules_changed")), "skipped": skipped}
    problems = []
    if drift["missing"]:
        problems.append("%d required rule(s) not loaded" % len(drift["missing"]))
    if settings:
        problems.append("kernel settings differ from the policy: %s" % ", ".join(sorted(settings)))
    not_allowed = [entry for entry in skipped if not entry["allowed"]]
    if not_allowed:
        problems.append("%d rule(s) not loaded because their paths do not exist here (%s), "
                        "not among the allowed skips" % (len(not_allowed), _count_by_source(not_allowed)))
    status = FAIL if drift["missing"] or settings else (policy["unallowed_skips"] if not_allowed else PASS)
    if problems:
        return _verdict(status, "; ".join(problems), evidence)
    if skipped:
        return _verdict(PASS, "all required rules are loaded, %d skipped as the policy allows (%s)"
                        % (len(skipped), _count_by_source(skipped)), evidence)
    return _verdict(PASS, "all required rules are loaded", evidence)


def _check_events_lost(info, policy):
    status = info.get("status") or {}
    lost, backlog, limit = (_as_int(status.get(key)) for key in ("lost", "backlog", "backlog_limit"))
    evidence = {"lost": lost, "backlog": backlog, "backlog_limit": limit,
                "max_lost_events": policy["max_lost_events"],
                "backlog_threshold_percent": policy["backlog_threshold_percent"]}
    problems = []
    if lost is not None and lost > policy["max_lost_events"]:
        problems.append("%d event(s) lost" % lost)
    if backlog is not None and limit and backlog * 100 >= limit * policy["backlog_threshold_percent"]:
        problems.append("backlog %d is at %d%% of its limit %d" % (backlog, backlog * 100 // limit, limit))
    if problems:
        return _verdict(FAIL, "; ".join(problems), evidence)
    return _verdict(PASS, "lost %s, backlog %s of %s" % (lost, backlog, limit), evidence)


def parse_df(text):
    """`df -P -k DIR` output as {mount, size_total, size_available} in bytes, or None."""
    lines = [line for line in (text or "").splitlines() if line.strip()]
    if len(lines) < 2:
        return None
    # Filesystem, 1024-blocks, Used, Available, Capacity, Mounted on (which may hold spaces).
    fields = lines[-1].split(None, 5)
    if len(fields) < 6 or not fields[1].isdigit() or not fields[3].isdigit():
        return None
    return {"mount": fields[5], "size_total": int(fields[1]) * 1024, "size_available": int(fields[3]) * 1024}


def space_left_bytes(value, total_bytes):
    """auditd.conf `space_left` in bytes: megabytes, or a percentage of the partition (`25%`)."""
    text = str(value).strip()
    match = re.match(r"^(\d+(?:\.\d+)?)\s*%$", text)
    if match:
        return int(float(match.group(1)) * total_bytes / 100)
    number = _as_int(text)
    return None if number is None else number * _MB


def _check_log_space(info, df, policy):
    conf = info.get("conf") or {}
    log = info.get("log_file") or {}
    log_file = log.get("path") or conf.get("log_file") or "/var/log/audit/audit.log"
    mount = parse_df((df or {}).get("stdout"))
    if mount is None:
        return _verdict(ERROR, "cannot tell the free space where %s is: %s"
                        % (log_file, ((df or {}).get("stderr") or "no df output").strip()), {"log_file": log_file})
    free, total = mount["size_available"], mount["size_total"]
    threshold = space_left_bytes(conf.get("space_left", "75"), total)
    evidence = {"log_file": log_file, "mount": mount["mount"], "free_mb": free // _MB,
                "total_mb": total // _MB, "space_left": conf.get("space_left", "75"),
                "space_left_action": conf.get("space_left_action"), "log_size": log.get("size")}
    if threshold is None:
        return _verdict(FAIL, "space_left %r is not a size" % conf.get("space_left"), evidence)
    if free <= threshold:
        return _verdict(FAIL, "%d MB free on %s, at or below space_left (%d MB)"
                        % (free // _MB, mount["mount"], threshold // _MB), evidence)
    margin = threshold * (100 + policy["space_left_margin_percent"]) // 100
    if free <= margin:
        return _verdict(FAIL, "%d MB free on %s, within %d%% of space_left (%d MB)"
                        % (free // _MB, mount["mount"], policy["space_left_margin_percent"], threshold // _MB),
                        evidence)
    return _verdict(PASS, "%d MB free on %s (space_left %d MB)" % (free // _MB, mount["mount"], threshold // _MB),
                    evidence)


def _normalize_conf_value(value):
    if isinstance(value, bool):
        return "yes" if value else "no"
    return " ".join(str(value).split()).lower()


def _utc(seconds):
    return datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _check_auditd_conf(info, policy):
    actual = {str(key).lower(): value for key, value in (info.get("conf") or {}).items()}
    mismatches = {}
    for key, wanted in sorted(policy["auditd_conf"].items()):
        have = actual.get(str(key).lower())
        if have is None or _normalize_conf_value(have) != _normalize_conf_value(wanted):
            mismatches[key] = {"required": wanted, "actual": have}
    problems = []
    evidence = {}
    if mismatches:
        problems.append("%d setting(s) differ: %s" % (len(mismatches), ", ".join(sorted(mismatches))))
        evidence["mismatches"] = mismatches
    started = (info.get("service") or {}).get("started")
    if info.get("conf_changed_since_start") and started and info.get("conf_mtime"):
        # The daemon reads auditd.conf at start: it runs older settings than the file says.
        problems.append("auditd.conf changed since the daemon started (file %s, daemon %s): restart auditd"
                        % (_utc(info["conf_mtime"]), _utc(started)))
        evidence.update(conf_mtime=_utc(info["conf_mtime"]), daemon_started=_utc(started))
    if problems:
        return _verdict(FAIL, "; ".join(problems), evidence)
    return _verdict(PASS, "%d required setting(s) match" % len(policy["auditd_conf"]), {})


def _check_docker(docker, policy_check):
    """On a Docker host (daemon or client present), each Docker file found there must be watched by
    a rule of the policy that the kernel holds. The docker group's members, root-equivalent on the
    host, are evidence either way."""
    if docker is None:
        return _verdict(ERROR, "not checked: the host was not looked at for Docker's files")
    found = [watch for watch in docker.get("watches") or [] if watch.get("exists")]
    # A file in a directory made after boot cannot be watched from the boot-time rules.
    present = [watch for watch in found if not watch.get("after_boot")]
    evidence = {"docker_group": docker.get("group_members"),
                "watched_paths": [watch["path"] for watch in present], "not_loaded": [],
                "made_after_boot": [watch["path"] for watch in found if watch.get("after_boot")]}
    if not any(watch.get("cis") == "1.1.3" or watch.get("what") == "Docker client" for watch in found):
        return _verdict(PASS, "Docker is not installed", evidence)
    if not docker.get("in_policy"):
        evidence["not_loaded"] = [watch["rule"] for watch in present]
        return _verdict(FAIL, "Docker is installed but the policy has no docker bundle: %d Docker file(s) not audited"
                        % len(present), evidence)
    unwatched = {rule.split()[1] for rule in _drift_evidence(policy_check)["missing"] if rule.startswith("-w ")}
    evidence["not_loaded"] = [watch["rule"] for watch in present if watch["path"] in unwatched]
    if evidence["not_loaded"]:
        return _verdict(FAIL, "%d Docker file(s) not watched in the kernel" % len(evidence["not_loaded"]), evidence)
    return _verdict(PASS, "%d Docker file(s) watched; docker group: %s" % (
        len(present), ", ".join(evidence["docker_group"] or []) or "no members"), evidence)


def _kernel_unknown(reason):
    return _verdict(UNKNOWN, "no kernel audit: %s" % reason, {"kernel_unavailable_reason": reason})


def report_check_ids(policy):
    """The checks of a report: every host's, then those the policy turns on."""
    policy = dict(DEFAULT_POLICY, **(policy or {}))
    return CHECK_IDS + tuple(check_id for check_id, _title, key in OPTIONAL_CHECKS if policy.get(key))


def check_remote_logging(probe, kernel_available=True):
    """Whether the host's probe event (a user message with a unique token, written with
    `auditctl -m`) was found on the collector under the host's node name within the bound.

    `probe` keys: `collector`, `node` (None when the host's records carry no node name), `token`,
    `within` (seconds), `written` (the probe was written), `write_error`, `search_error` (the
    collector could not be searched), `found`, `waited` (seconds until found or given up)."""
    if not probe:
        return _verdict(ERROR, "not checked: the probe did not run on this host")
    evidence = {key: probe.get(key) for key in ("collector", "node", "token", "within", "waited") if key in probe}
    if not probe.get("written"):
        if not kernel_available:
            return _verdict(UNKNOWN, "no kernel audit: no probe event can be written", evidence)
        return _verdict(FAIL, "could not write the probe event: %s" % (probe.get("write_error") or "unknown error"),
                        evidence)
    if not probe.get("node"):
        return _verdict(FAIL, "the host's records carry no node name (auditd.conf name_format), so a collector "
                              "cannot tell its events apart", evidence)
    if probe.get("search_error"):
        return _verdict(ERROR, "cannot search the collector %s: %s" % (probe.get("collector"), probe["search_error"]),
                        evidence)
    if not probe.get("found"):
        return _verdict(FAIL, "probe %s not found on collector %s under node %s within %s s"
                        % (probe.get("token"), probe.get("collector"), probe["node"], probe.get("within")), evidence)
    return _verdict(PASS, "probe found on collector %s under node %s after about %s s (bound %s s)"
                    % (probe.get("collector"), probe["node"], probe.get("waited"), probe.get("within")), evidence)


def _all_checks(status, message, check_ids=CHECK_IDS):
    return {check_id: _verdict(status, message) for check_id in check_ids}


def evaluate_host(observed, policy=None):
    """One host's verdict from what the compliance role observed there.

    `observed` keys: `unreachable` (bool) and `msg`; `errors` ({step: message} for reads that
    failed); `info` (auditd_info result); `disk_check` (augenrules `state: checked` on the rules on
    disk); `policy_check` (the same with the policy's rule files); `df` (the result of `df -P -k` on
    the log directory); `rule_sources` ({rule file name: the bundle, example set or ``auditd_rules``
    it renders}, to name where skipped rules come from);
    `policy` (this host's own policy settings, over the fleet-wide `policy`).
    Returns `{"status": <host status>, "checks": {check id: {status, message, evidence}}}`.
    """
    policy = dict(DEFAULT_POLICY, **(policy or {}))
    check_ids = report_check_ids(policy)
    policy.update((observed or {}).get("policy") or {})
    for name, choices in POLICY_CHOICES.items():
        if policy[name] not in choices:
            raise ValueError("policy %s must be one of %s, not %r" % (name, ", ".join(choices), policy[name]))
    if observed is None:
        return {"status": HOST_ERROR,
                "checks": _all_checks(ERROR, "no result: the host failed before the checks ran", check_ids)}
    if observed.get("unreachable"):
        message = "host unreachable: %s" % (observed.get("msg") or "no connection")
        return {"status": UNREACHABLE, "checks": _all_checks(ERROR, message, check_ids)}
    errors = observed.get("errors") or {}
    if errors:
        message = "; ".join("%s: %s" % item for item in sorted(errors.items()))
        return {"status": HOST_ERROR, "checks": _all_checks(ERROR, "could not read the host: " + message, check_ids)}

    info = observed.get("info") or {}
    disk_check = observed.get("disk_check") or {}
    checks = {
        "installed": _check_installed(info),
        "service": _check_service(info),
        "log_space": _check_log_space(info, observed.get("df"), policy),
        "auditd_conf": _check_auditd_conf(info, policy),
    }
    kernel_available = disk_check.get("kernel_available", info.get("kernel_available", True))
    if kernel_available and "kernel_available" not in disk_check:
        # augenrules did not run (auditd missing, or the step was skipped): nothing to judge by.
        checks.update({check_id: _verdict(ERROR, "not checked: the rules were not compared with the kernel")
                       for check_id in KERNEL_CHECKS})
    elif not kernel_available:
        reason = (disk_check.get("kernel_unavailable_reason") or info.get("kernel_unavailable_reason")
                  or "unknown reason")
        checks.update({check_id: _kernel_unknown(reason) for check_id in KERNEL_CHECKS})
        # Nothing is loaded here, but the files still leave these rules out.
        checks["required_rules"]["evidence"]["skipped"] = skipped_rules(
            observed.get("policy_check") or {}, observed.get("rule_sources"), policy["allowed_skips"])
        # auditd cannot run without kernel audit (it exits at start in a container): not its fault.
        service = info.get("service") or {}
        if not service.get("running") and starts_at_boot(service.get("enabled")) is not False:
            checks["service"] = _verdict(UNKNOWN, "auditd cannot run without kernel audit: %s" % reason,
                                         checks["service"]["evidence"])
    else:
        checks.update({
            "kernel_audit": _check_kernel_audit(disk_check, policy),
            "rules_drift": _check_rules_drift(disk_check),
            "required_rules": _check_required_rules(observed.get("policy_check") or {}, policy,
                                                    observed.get("rule_sources")),
            "events_lost": _check_events_lost(info, policy),
            "docker": _check_docker(observed.get("docker"), observed.get("policy_check") or {}),
        })
    if "remote_logging" in check_ids:
        checks["remote_logging"] = check_remote_logging(observed.get("remote_logging"), kernel_available)
    statuses = {verdict["status"] for verdict in checks.values()}
    if FAIL in statuses or ERROR in statuses:
        status = NONCOMPLIANT
    elif UNKNOWN in statuses:
        status = NO_KERNEL_AUDIT
    else:
        status = COMPLIANT
    return {"status": status, "checks": {check_id: checks[check_id] for check_id in check_ids}}


def events_by_host_and_key(gather):
    """`{host: {key: count}}` from the gather step's `gather.json` (its `hosts` entries' `by_key`)."""
    counts = {}
    for host, entry in sorted(((gather or {}).get("hosts") or {}).items()):
        by_key = (entry or {}).get("by_key") or {}
        counts[host] = {str(key): int(count) for key, count in sorted(by_key.items()) if int(count) > 0}
    return counts


def build_report(observed_by_host, policy=None, generated=None, run_id=None, gather=None, gather_file=None):
    """The whole fleet report as one JSON-ready dict (what fleet.json holds)."""
    hosts = []
    for name in sorted(observed_by_host):
        verdict = evaluate_host(observed_by_host[name], policy)
        hosts.append({"host": name, "status": verdict["status"], "checks": verdict["checks"]})
    totals = {status: 0 for status in HOST_STATUSES}
    for host in hosts:
        totals[host["status"]] += 1
    return {
        "format_version": 1,
        "run_id": run_id,
        "generated": generated,
        "summary": dict(totals, hosts=len(hosts)),
        "checks": [{"id": check_id, "title": CHECK_TITLES[check_id]} for check_id in report_check_ids(policy)],
        "hosts": hosts,
        "events": events_by_host_and_key(gather),
        "events_source": gather_file if gather is not None else None,
    }


def failing_checks(report):
    """`{host: [check id, ...]}` for every host that is not compliant and not without kernel audit."""
    result = {}
    for host in report["hosts"]:
        if host["status"] in (NONCOMPLIANT, HOST_ERROR, UNREACHABLE):
            result[host["host"]] = [check_id for check_id, verdict in host["checks"].items()
                                    if verdict["status"] in (FAIL, ERROR)]
    return result


def warning_checks(report):
    """`{host: [check id, ...]}` of the checks that passed with a warning."""
    result = {}
    for host in report["hosts"]:
        warned = [check_id for check_id, verdict in host["checks"].items() if verdict["status"] == WARN]
        if warned:
            result[host["host"]] = warned
    return result


def summary_counts(report):
    """`N host(s): a compliant, b noncompliant, ...` (statuses with no host left out)."""
    summary = report["summary"]
    counts = ["%d compliant" % summary[COMPLIANT]]
    counts += ["%d %s" % (summary[status], status) for status in HOST_STATUSES[1:] if summary[status]]
    return "%d host(s): %s" % (summary["hosts"], ", ".join(counts))


def summary_line(report):
    """One line a person (or a scheduler's alert) reads first: counts, then each problem host."""
    failing = failing_checks(report)
    problems = ["%s (%s)" % (host["host"], "unreachable" if host["status"] == UNREACHABLE
                             else ", ".join(failing[host["host"]]))
                for host in report["hosts"] if host["host"] in failing]
    warnings = ["%s (warning: %s)" % (host, ", ".join(check_ids))
                for host, check_ids in sorted(warning_checks(report).items())]
    return "; ".join([summary_counts(report)] + problems + warnings)


def render_json(report):
    return json.dumps(report, indent=2, sort_keys=True) + "\n"


def render_junit(report):
    """JUnit XML: a test suite per host, a test case per check."""
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    root = ET.Element("testsuites", name="fleetaudit compliance")
    for host in report["hosts"]:
        suite = ET.SubElement(root, "testsuite", name=host["host"])
        suite_counts = dict.fromkeys(counts, 0)
        for check_id, verdict in host["checks"].items():
            case = ET.SubElement(suite, "testcase", classname=host["host"], name=check_id)
            suite_counts["tests"] += 1
            tag = {FAIL: ("failure", "failures"), ERROR: ("error", "errors"),
                   UNKNOWN: ("skipped", "skipped")}.get(verdict["status"])
            if verdict["status"] == WARN:
                # JUnit has no warnings: the case passes and says why in its output.
                ET.SubElement(case, "system-out").text = "warning: %s\n%s" % (
                    verdict["message"], json.dumps(verdict["evidence"], indent=2, sort_keys=True))
            if tag:
                element = ET.SubElement(case, tag[0], message=verdict["message"])
                suite_counts[tag[1]] += 1
                if verdict["evidence"] and tag[0] != "skipped":
                    element.text = json.dumps(verdict["evidence"], indent=2, sort_keys=True)
        for key, value in suite_counts.items():
            suite.set(key, str(value))
            counts[key] += value
    for key, value in counts.items():
        root.set(key, str(value))
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


# Colours: status cells and host verdicts share them; chart bars cycle through PALETTE by key.
_COLOURS = {PASS: "#2e7d32", COMPLIANT: "#2e7d32", WARN: "#ef6c00", FAIL: "#c62828", NONCOMPLIANT: "#c62828",
            ERROR: "#6a1b9a", HOST_ERROR: "#6a1b9a", UNREACHABLE: "#6a1b9a",
            UNKNOWN: "#f9a825", NO_KERNEL_AUDIT: "#f9a825"}
_PALETTE = ("#1565c0", "#ef6c00", "#00838f", "#ad1457", "#558b2f", "#4527a0", "#6d4c41", "#00695c")

_STYLE = """
body { font-family: sans-serif; margin: 1.5em; color: #212121; }
h1 { font-size: 1.4em; margin-bottom: 0.2em; }
.summary { font-size: 1.1em; padding: 0.6em; border-left: 6px solid %(fail)s; background: #fafafa; }
.summary.ok { border-left-color: %(pass)s; }
table.checks { border-collapse: collapse; margin: 1em 0; }
table.checks { font-size: 0.9em; }
table.checks th, table.checks td { border: 1px solid #bdbdbd; padding: 0.2em 0.4em; text-align: center; white-space: nowrap; }
table.checks th.host, table.checks td.host { text-align: left; }
td.status { color: #fff; font-weight: bold; }
%(status_rules)s
.legend span { display: inline-block; margin-right: 1em; }
.legend i { display: inline-block; width: 0.9em; height: 0.9em; margin-right: 0.3em; vertical-align: middle; }
section.failure { border: 1px solid #e0e0e0; margin: 0.6em 0; padding: 0.4em 0.8em; }
section.failure h4 { margin: 0.6em 0 0.2em; }
.badge { color: #fff; padding: 0.1em 0.4em; border-radius: 3px; font-size: 0.85em; }
pre { background: #f5f5f5; padding: 0.5em; overflow-x: auto; }
"""


def _e(value):
    return html.escape(str(value), quote=True)


def _style():
    rules = "\n".join(".s-%s { background: %s; } .b-%s { border-left: 6px solid %s; }" % (status, colour, status, colour)
                      for status, colour in sorted(_COLOURS.items()))
    return _STYLE % {"fail": _COLOURS[FAIL], "pass": _COLOURS[PASS], "status_rules": rules}


def _host_table(report):
    head = "".join('<th title="%s">%s</th>' % (_e(check["title"]), _e(check["id"])) for check in report["checks"])
    rows = []
    for host in report["hosts"]:
        cells = ['<td class="host">%s</td>' % _e(host["host"]),
                 '<td class="status s-%s">%s</td>' % (_e(host["status"]), _e(host["status"]))]
        for check_id, verdict in host["checks"].items():
            cells.append('<td class="status s-%s" data-check="%s" title="%s">%s</td>'
                         % (_e(verdict["status"]), _e(check_id), _e(verdict["message"]), _e(verdict["status"])))
        rows.append('<tr class="host-row" data-host="%s" data-status="%s">%s</tr>'
                    % (_e(host["host"]), _e(host["status"]), "".join(cells)))
    return ('<table class="checks" id="hosts"><thead><tr><th class="host">host</th><th>verdict</th>%s</tr></thead>'
            "<tbody>%s</tbody></table>" % (head, "\n".join(rows)))


def events_chart_svg(events):
    """A horizontal stacked bar per host, one segment per key, with a legend: inline SVG."""
    hosts = sorted(events)
    keys = sorted({key for counts in events.values() for key in counts})
    if not keys:
        return '<p class="no-events">No events from the gather step for this fleet.</p>'
    colour = {key: _PALETTE[index % len(_PALETTE)] for index, key in enumerate(keys)}
    biggest = max(sum(events[host].values()) for host in hosts) or 1
    label_width, bar_width, row, top = 180, 520, 26, 10
    height = top + row * len(hosts) + 10
    parts = ['<svg xmlns="http://www.w3.org/2000/svg" id="events-chart" role="img" width="%d" height="%d" '
             'aria-label="events by key and host">' % (label_width + bar_width + 80, height)]
    for index, host in enumerate(hosts):
        y = top + index * row
        parts.append('<text x="%d" y="%d" text-anchor="end" font-size="13">%s</text>'
                     % (label_width - 8, y + 15, _e(host)))
        x = label_width
        for key in keys:
            count = events[host].get(key, 0)
            if not count:
                continue
            width = max(1, round(bar_width * count / biggest))
            parts.append('<rect class="bar" data-host="%s" data-key="%s" x="%d" y="%d" width="%d" height="18" '
                         'fill="%s"><title>%s / %s: %d</title></rect>'
                         % (_e(host), _e(key), x, y + 2, width, colour[key], _e(host), _e(key), count))
            x += width
        parts.append('<text x="%d" y="%d" font-size="12">%d</text>' % (x + 6, y + 15, sum(events[host].values())))
    parts.append("</svg>")
    legend = "".join('<span><i style="background:%s"></i>%s</span>' % (colour[key], _e(key)) for key in keys)
    return "".join(parts) + '<div class="legend">%s</div>' % legend


def _findings(report):
    """Per host that is not compliant: its non-passing checks, identical findings merged into one."""
    sections = []
    for host in report["hosts"]:
        groups = {}
        for check_id, verdict in host["checks"].items():
            if verdict["status"] != PASS:
                evidence = json.dumps(verdict["evidence"], indent=2, sort_keys=True) if verdict["evidence"] else ""
                groups.setdefault((verdict["status"], verdict["message"], evidence), []).append(check_id)
        if not groups:
            continue
        entries = []
        for (status, message, evidence), check_ids in groups.items():
            entries.append(
                '<div class="finding" data-check="%s"><h4><span class="badge s-%s">%s</span> %s</h4><p>%s</p>%s</div>'
                % (_e(" ".join(check_ids)), _e(status), _e(status), _e(", ".join(check_ids)), _e(message),
                   "<pre>%s</pre>" % _e(evidence) if evidence else ""))
        sections.append(
            '<section class="failure b-%s" data-host="%s"><h3>%s <small>(%s)</small></h3>%s</section>'
            % (_e(host["status"]), _e(host["host"]), _e(host["host"]), _e(host["status"]), "".join(entries)))
    return "\n".join(sections) or "<p>No findings: every host is compliant.</p>"


def _skipped_table(report):
    """Per host and per source (bundle, example set, auditd_rules): the rules left out because their
    paths do not exist on the host, and whether the policy allows it."""
    rows = []
    for host in report["hosts"]:
        by_source = {}
        for entry in host["checks"]["required_rules"]["evidence"].get("skipped") or []:
            by_source.setdefault((entry["source"], entry["file"]), []).append(entry)
        for (source, file_name), entries in sorted(by_source.items()):
            allowed = all(entry["allowed"] for entry in entries)
            rows.append('<tr class="skipped" data-host="%s" data-source="%s"><td class="host">%s</td><td>%s</td>'
                        '<td>%s</td><td>%d</td><td class="status s-%s">%s</td><td class="host">%s</td></tr>'
                        % (_e(host["host"]), _e(source), _e(host["host"]), _e(source), _e(file_name), len(entries),
                           PASS if allowed else WARN, "allowed" if allowed else "not allowed",
                           _e(", ".join(entry["path"] for entry in entries))))
    if not rows:
        return '<p class="no-skips">No rule of the policy was skipped on any host.</p>'
    return ('<table class="checks" id="skipped"><thead><tr><th class="host">host</th><th>source</th><th>file</th>'
            '<th>rules</th><th>policy</th><th class="host">paths that do not exist</th></tr></thead>'
            "<tbody>%s</tbody></table>" % "\n".join(rows))


def render_html(report):
    """One self-contained page: summary, host-by-check table, events chart, failure evidence."""
    ok = not failing_checks(report)
    return "\n".join((
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<title>fleetaudit compliance %s</title>" % _e(report.get("run_id") or ""),
        "<style>%s</style></head><body>" % _style(),
        "<h1>Audit compliance</h1>",
        '<p class="generated">Run %s, generated %s</p>'
        % (_e(report.get("run_id") or "-"), _e(report.get("generated") or "-")),
        '<p class="summary%s" id="summary">%s</p>' % (" ok" if ok else "", _e(summary_counts(report))),
        "<h2>Hosts</h2>",
        _host_table(report),
        "<h2>Events by key and host</h2>",
        events_chart_svg(report.get("events") or {}),
        '<p class="source">%s</p>' % ("From %s" % _e(report["events_source"]) if report.get("events_source") else ""),
        "<h2>Rules skipped because their paths do not exist</h2>",
        _skipped_table(report),
        '<h2>Findings</h2><div id="findings">',
        _findings(report),
        "</div></body></html>",
        "",
    ))


RUN_PREFIX = "compliance-"
LATEST = "latest"


def _write_private(path, text):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)


def write_run(report_dir, run_id, files, keep=0):
    """Writes `files` ({name: text}) to a new `<report_dir>/compliance-<run_id>` directory.

    The directory is filled under a temporary name and renamed into place, so a reader never sees a
    half-written run; `latest` is then pointed at it (relative link, replaced atomically). With
    `keep` > 0 only the newest `keep` compliance runs remain (other runs, such as gather's, stay).
    Returns (run directory, [pruned directories]).
    """
    os.makedirs(report_dir, mode=0o700, exist_ok=True)
    name, suffix = RUN_PREFIX + run_id, 1
    while os.path.lexists(os.path.join(report_dir, name)):
        suffix += 1
        name = "%s%s-%d" % (RUN_PREFIX, run_id, suffix)
    staging = tempfile.mkdtemp(prefix=".tmp-", dir=report_dir)
    try:
        for file_name, text in files.items():
            _write_private(os.path.join(staging, file_name), text)
        run_dir = os.path.join(report_dir, name)
        os.rename(staging, run_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    link_tmp = os.path.join(report_dir, ".%s.%d" % (LATEST, os.getpid()))
    if os.path.lexists(link_tmp):
        os.unlink(link_tmp)
    os.symlink(name, link_tmp)
    os.replace(link_tmp, os.path.join(report_dir, LATEST))
    pruned = []
    if keep > 0:
        runs = sorted(entry for entry in os.listdir(report_dir)
                      if entry.startswith(RUN_PREFIX) and os.path.isdir(os.path.join(report_dir, entry))
                      and not os.path.islink(os.path.join(report_dir, entry)))
        for old in runs[:-keep]:
            if old != name:
                shutil.rmtree(os.path.join(report_dir, old))
                pruned.append(os.path.join(report_dir, old))
    return run_dir, pruned


def newest_gather_file(report_dir):
    """The most recent `gather.json` among the run directories under `report_dir`, or None."""
    if not os.path.isdir(report_dir):
        return None
    candidates = []
    for entry in os.listdir(report_dir):
        path = os.path.join(report_dir, entry, "gather.json")
        if entry != LATEST and os.path.isfile(path):
            candidates.append((os.path.getmtime(path), path))
    return max(candidates)[1] if candidates else None
