# -*- coding: utf-8 -*-
# Copyright (c) fleetaudit maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Compliance verdicts: what one host's observations mean, check by check, and the fleet's summary.

Pure logic, no Ansible import and no I/O: `evaluate_host` turns what the compliance role observed on
one host (module results, free space, Docker's files) into one verdict per check and a host status.
"""

from __future__ import annotations

import datetime
import fnmatch
import re

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
    df = df or {}
    mount = parse_df(df.get("stdout"))
    if mount is None:
        # The compliance role's probe runs df with its stderr in its stdout.
        return _verdict(ERROR, "cannot tell the free space where %s is: %s"
                        % (log_file, (df.get("stderr") or df.get("stdout") or "no df output").strip()),
                        {"log_file": log_file})
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
    evidence = {"docker_group": docker.get("group_members"), "engine_version": version_of(docker.get("engine")),
                "watched_paths": [watch["path"] for watch in present], "not_loaded": [],
                "made_after_boot": [watch["path"] for watch in found if watch.get("after_boot")]}
    if not any(watch.get("cis") == "1.1.3" or watch.get("what") == "Docker client" for watch in found):
        return _verdict(PASS, "Docker is not installed", evidence)
    if not docker.get("in_policy"):
        evidence["not_loaded"] = [watch["rule"] for watch in present]
        evidence["controls"] = docker_controls(docker.get("watches"), evidence["not_loaded"])
        return _verdict(FAIL, "Docker is installed but the policy has no docker bundle: %d Docker file(s) not audited"
                        % len(present), evidence)
    unwatched = {rule.split()[1] for rule in _drift_evidence(policy_check)["missing"] if rule.startswith("-w ")}
    evidence["not_loaded"] = [watch["rule"] for watch in present if watch["path"] in unwatched]
    evidence["controls"] = docker_controls(docker.get("watches"), evidence["not_loaded"])
    if evidence["not_loaded"]:
        return _verdict(FAIL, "%d Docker file(s) not watched in the kernel" % len(evidence["not_loaded"]), evidence)
    return _verdict(PASS, "%d Docker file(s) watched; docker group: %s" % (
        len(present), ", ".join(evidence["docker_group"] or []) or "no members"), evidence)


# How a CIS Docker 1.1.x control stands on a host.
COVERED = "covered"
NOT_LOADED = "not-loaded"
ABSENT = "absent"
AFTER_BOOT = "after-boot"


def docker_controls(watches, not_loaded):
    """`[{cis, what, state, paths}]`, one per CIS Docker 1.1.x control of the docker bundle in table order:
    `covered` (every file of it on the host is watched in the kernel), `not-loaded` (one is not),
    `absent` (the host has none of its files) or `after-boot` (its file lies in a directory made after
    boot, which the boot-time rules cannot watch)."""
    controls = {}
    for watch in watches or []:
        if not watch.get("cis"):
            continue
        if not watch.get("exists"):
            state = ABSENT
        elif watch.get("after_boot"):
            state = AFTER_BOOT
        else:
            state = NOT_LOADED if watch.get("rule") in not_loaded else COVERED
        entry = controls.setdefault(watch["cis"], {"cis": watch["cis"], "what": watch.get("what"),
                                                   "state": state, "paths": []})
        entry["paths"].append(watch.get("path"))
        if state == NOT_LOADED or entry["state"] == ABSENT:
            entry["state"] = state
    return list(controls.values())


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


def advice(check_id, verdict):
    """What a person does about a verdict that did not pass, in a few words, or None."""
    status, message, evidence = verdict["status"], verdict["message"], verdict["evidence"]
    if status == PASS:
        return None
    if message.startswith("host unreachable"):
        return "unreachable: check the connection (ssh, docker exec) and run compliance.yml again"
    if message.startswith(("could not read the host", "no result")):
        return "the checks could not run: see the error, fix it, run compliance.yml again"
    if status == UNKNOWN:
        return "no kernel audit here (a container): audit its host's kernel instead"
    if message.startswith("not checked"):
        return "not checked: see the errors of the compliance play for this host"
    if check_id == "kernel_audit" and evidence.get("pending") is not None:
        return "immutable: reboot needed to load the pending rules"
    if check_id == "auditd_conf" and "daemon_started" in evidence and not evidence.get("mismatches"):
        return "auditd.conf changed since the daemon started: restart auditd"
    if check_id == "rules_drift" and evidence.get("extra") and not evidence.get("missing"):
        return "rules loaded out of band: find who added them, then run site.yml"
    if check_id == "required_rules" and status == WARN:
        return ("rule paths missing on the host: install what they watch, or allow them "
                "(compliance_allowed_skips)")
    if check_id == "docker" and "no docker bundle" in message:
        return "add docker to auditd_rule_bundles and run site.yml"
    return _ADVICE.get(check_id)


_ADVICE = {
    "installed": "install auditd: run site.yml",
    "service": "start and enable auditd: run site.yml",
    "kernel_audit": "kernel audit not as the policy requires: run site.yml (reboot if immutable)",
    "rules_drift": "rule file drift: run site.yml",
    "required_rules": "required rules not loaded: run site.yml",
    "events_lost": "events lost: raise auditd_buffer_size or backlog_limit, check the daemon keeps up",
    "log_space": "free space on the log partition, or rotate and ship logs sooner",
    "auditd_conf": "auditd.conf differs from the policy: run site.yml (it restarts auditd)",
    "docker": "Docker files not watched: run site.yml",
    "remote_logging": "events do not reach the collector: check name_format, the audisp-remote plugin and the network",
}


def _all_checks(status, message, check_ids=CHECK_IDS):
    return {check_id: _verdict(status, message) for check_id in check_ids}


def evaluate_host(observed, policy=None):
    """One host's verdict from what the compliance role observed there.

    `observed` keys: `unreachable` (bool) and `msg`; `errors` ({step: message} for reads that
    failed); `info` (auditd_info result); `disk_check` (augenrules `state: checked` on the rules on
    disk); `policy_check` (the same with the policy's rule files); `df` (`df -P -k` on the log
    directory: `stdout`, and `stderr` unless `stdout` holds it); `rule_sources` ({rule file name: the bundle, example set or ``auditd_rules``
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


def _with_advice(checks):
    for check_id, verdict in checks.items():
        action = advice(check_id, verdict)
        if action:
            verdict["action"] = action
    return checks


_VERSION = re.compile(r"\bversion\s+([^\s,]+)")


def version_of(text):
    """The version in a tool's `--version` line (`Docker version 20.10.24+dfsg1, build 5d6db84`,
    `ausearch version 3.0.9`), or None."""
    match = _VERSION.search(text or "")
    return match.group(1) if match else None


def host_facts(observed):
    """The versions a person asks about first: the audit userspace (auditd_info's, else the one
    `ausearch -v` names, which needs no kernel audit: containers too), the kernel, the distribution
    and the Docker engine (null where not installed)."""
    observed = observed or {}
    facts = observed.get("facts") or {}
    info = observed.get("info") or {}
    return {"auditd_version": info.get("version") or version_of(facts.get("audit_tools")),
            "kernel": facts.get("kernel"), "distribution": (facts.get("distribution") or "").strip() or None,
            "docker_version": version_of((observed.get("docker") or {}).get("engine"))}


def rule_coverage(observed, checks):
    """Per rule source (bundle, example set, ``base``, ``auditd_rules``): its file, the rules written
    for this host, those skipped because their paths do not exist here, and whether all written ones
    are loaded (null where the kernel cannot say)."""
    observed = observed or {}
    written = observed.get("rule_counts") or {}
    sources = observed.get("rule_sources") or {}
    skipped = (checks.get("required_rules") or {}).get("evidence", {}).get("skipped") or []
    required = checks.get("required_rules") or {}
    loaded = None if required.get("status") in (UNKNOWN, ERROR, None) else not required["evidence"].get("missing")
    rows = []
    for file_name in sorted(set(written) | {entry["file"] for entry in skipped}):
        skipped_here = [entry for entry in skipped if entry["file"] == file_name]
        count = _as_int(written.get(file_name))
        rows.append({"source": sources.get(file_name) or file_name, "file": file_name,
                     "written": None if count is None else count - len(skipped_here),
                     "skipped": len(skipped_here), "skipped_paths": [entry["path"] for entry in skipped_here],
                     "skipped_allowed": all(entry["allowed"] for entry in skipped_here), "all_loaded": loaded})
    return rows


def evaluate_fleet(observed_by_host, policy=None):
    """Every host's verdict, sorted by host name, and how many hosts have each status:
    `{"hosts": [{host, status, checks}], "summary": {status: count, "hosts": total}}`."""
    hosts = []
    for name in sorted(observed_by_host):
        verdict = evaluate_host(observed_by_host[name], policy)
        hosts.append({"host": name, "status": verdict["status"], "checks": _with_advice(verdict["checks"]),
                      "facts": host_facts(observed_by_host[name]),
                      "coverage": rule_coverage(observed_by_host[name], verdict["checks"])})
    totals = {status: 0 for status in HOST_STATUSES}
    for host in hosts:
        totals[host["status"]] += 1
    return {"hosts": hosts, "summary": dict(totals, hosts=len(hosts))}


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
