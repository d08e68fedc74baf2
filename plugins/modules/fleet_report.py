#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) fleetaudit maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: fleet_report
short_description: Judge audit compliance per host and write the fleet report on the controller
version_added: 1.0.0
description:
  - Runs on the controller only (an action plugin). Turns what the P(fleetaudit.auditd.compliance#role)
    role observed on each host into one verdict per check and writes C(fleet.json), C(fleet.html) and
    C(junit.xml) to a new run directory C(compliance-<UTC time>) under O(report_dir), then points the
    C(latest) link at it (the gather role points C(latest-gather) at its runs; neither touches the other's).
  - "Checks, in report order: V(installed); V(service) (running, and enabled where the service manager
    says; V(unknown) when auditd cannot run for want of kernel audit); V(kernel_audit) (enabled, and
    immutable when O(policy.immutable)); V(rules_drift) (kernel rules and settings equal the compiled
    rules on disk); V(required_rules) (every rule and setting the policy renders is loaded);
    V(events_lost) (lost events, backlog near its limit); V(log_space) (free space on the log partition
    against C(space_left)); V(auditd_conf) (settings of O(policy.auditd_conf)); V(docker) (on a host with
    the Docker daemon or client, every Docker file found there is watched by a loaded rule of the policy;
    the C(docker) group's members, root-equivalent, are its evidence)."
  - V(required_rules) also lists the policy's rules that were skipped on the host because their paths do not
    exist there (the C(skipped_rules) of the policy check), each with its source (bundle, example set or
    C(auditd_rules)) and whether O(policy.allowed_skips) allows it. Skips it does not allow make the check
    V(warn) (or V(fail) with O(policy.unallowed_skips=fail)); C(fleet.html) shows them per host and source
    in its coverage table.
  - Each check is V(pass), V(warn) (passes, with something to look at; the host stays compliant and the
    summary names it), V(fail), V(unknown) (not decidable because the host has no kernel audit, such as
    a container) or V(error) (the host was unreachable or a read failed).
  - "Each host is V(compliant), V(noncompliant), V(no-kernel-audit) (every check that could run passed, the
    kernel ones are V(unknown)), V(unreachable) or V(error)."
  - "Every verdict that did not pass carries C(action), what to do in a few words (for example
    C(immutable: reboot needed to load the pending rules) or C(rule file drift: run site.yml))."
  - "C(fleet.html), one self-contained page (no script, no external asset, readable at phone width and
    printable): what needs attention first, one entry per cause with what to do and the hosts it hits;
    the host-by-check table, hosts newly failing since the previous compliance run first, each cell that
    did not pass linked to its cause, and the hosts' verdicts in up to 10 earlier runs; versions (auditd,
    kernel, distribution, Docker engine), rules written, loaded and skipped per rule source, and CIS Docker
    1.1.x controls per host; events per key and host over every gather run kept under O(report_dir); top
    executables and users per key."
  - C(fleet.json) holds the same as data, C(format_version) 2, described by the JSON Schema
    C(docs/fleet-report.schema.json) in the collection.
  - "In C(junit.xml) each host is a test suite and each check a test case named C(host: check)."
  - The task never fails because of what it finds; it returns RV(noncompliant) so a play can decide.
author:
  - fleetaudit maintainers (@fleetaudit)
options:
  results:
    description:
      - What was observed per host, keyed by inventory host name.
      - Each value holds C(unreachable) and C(msg) for a host that could not be reached; C(errors)
        (a dict of step to message) for reads that failed; otherwise C(info) (the result of
        M(fleetaudit.auditd.auditd_info)), C(disk_check) (the result of M(fleetaudit.auditd.augenrules)
        with O(fleetaudit.auditd.augenrules#module:state=checked) on the rules on disk), C(policy_check)
        (the same with the policy's rule files), C(df) (C(df -P -k) on the log directory, its C(stdout),
        and its C(stderr) unless C(stdout) holds it), C(rule_sources) (rule file name to the bundle,
        example set or C(auditd_rules) that renders it, to name where a skipped rule comes from), C(remote_logging) (the delivery probe,
        with O(policy.remote_logging)), C(docker) (C(in_policy), whether the policy has the C(docker)
        bundle; C(watches), the P(fleetaudit.auditd.docker_watches#filter) of the host's Docker files;
        C(group_members), the C(docker) group's members or null; C(engine), the C(dockerd --version) line
        or null), C(rule_counts) (rule file name to its number of rule lines, skipped ones included),
        C(facts) (C(audit_tools), the C(ausearch -v) line; C(kernel); C(distribution)) and C(policy)
        (this host's own O(policy) settings, which go over the fleet-wide ones).
      - A host whose value is null is reported as V(error) (it failed before its checks ran).
    type: dict
    required: true
  policy:
    description:
      - What compliant means beyond the rules, for every host; a host's own C(policy) in O(results) goes over it.
    type: dict
    default: {}
    suboptions:
      immutable:
        description: Require kernel audit in immutable mode (C(enabled 2)).
        type: bool
        default: false
      auditd_conf:
        description: Settings C(auditd.conf) must have; names and values are compared without case.
        type: dict
        default: {}
      max_lost_events:
        description: Most events the kernel may have lost (C(auditctl -s) C(lost), counted since boot).
        type: int
        default: 0
      backlog_threshold_percent:
        description: The backlog fails the check at or above this share of C(backlog_limit).
        type: int
        default: 80
      space_left_margin_percent:
        description: Free space on the log partition must exceed C(space_left) by this share.
        type: int
        default: 50
      allowed_skips:
        description:
          - Skipped rules (paths that do not exist on the host) that are acceptable. An entry starting
            with C(/) is a shell glob of the skipped path (V(/etc/NetworkManager*)); any other is a glob
            of the rule's source (a bundle such as V(docker), an example set such as V(30-stig), or
            V(auditd_rules)) or of its file name (V(30-fleetaudit-docker.rules)).
        type: list
        elements: str
        default: []
      unallowed_skips:
        description: What a skipped rule that O(policy.allowed_skips) does not allow makes the V(required_rules) check.
        type: str
        choices: [warn, fail]
        default: warn
      remote_logging:
        description:
          - Add the V(remote_logging) check - each host's C(remote_logging) result in O(results)
            (C(collector), C(node), C(token), C(within), C(written), C(write_error), C(search_error),
            C(found), C(waited)) says whether its probe event reached the collector in time.
          - The compliance role's C(compliance_remote_logging) sets it.
        type: bool
        default: false
        version_added: 1.1.0
  report_dir:
    description:
      - Controller directory that holds one directory per run and the C(latest) link.
      - A relative path is taken from the directory ansible-playbook runs from.
    type: path
    default: audit-reports
  keep:
    description:
      - Keep only this many compliance runs under O(report_dir), newest first; V(0) keeps all.
      - Directories other than C(compliance-*) runs (such as the gather step's) are never removed.
    type: int
    default: 0
  gather_file:
    description:
      - The one gather run's C(gather.json) whose per-host counts by key feed the events charts.
      - Default is every C(gather-*/gather.json) under O(report_dir), oldest first, one point per run on
        the time axis; the top executables and users come from the newest 10 runs' C(.jsonl) files.
        Without any the page says so. A file that cannot be read is warned about and left out.
    type: path
attributes:
  action:
    support: full
  async:
    support: none
  bypass_host_loop:
    support: none
  check_mode:
    support: full
    details: Computes and returns the verdicts, writes no file.
  diff_mode:
    support: none
  platform:
    platforms: posix
notes:
  - Run it once for the fleet with C(run_once) (the role does); it reads nothing from the hosts itself.
  - Files are mode C(0600) in directories C(0700); a run directory appears complete or not at all.
seealso:
  - module: fleetaudit.auditd.augenrules
  - module: fleetaudit.auditd.auditd_info
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
"""

EXAMPLES = r"""
- name: Write the fleet report from what each host's checks observed
  fleetaudit.auditd.fleet_report:
    results: "{{ dict(ansible_play_hosts_all | zip(ansible_play_hosts_all | map('extract', hostvars)
      | map(attribute='compliance_observed', default=None))) }}"
    policy:
      immutable: true
      auditd_conf:
        log_format: ENRICHED
    report_dir: /var/lib/fleetaudit/reports
    keep: 30
  run_once: true
  register: fleet

- name: Fail the play when a host is not compliant
  ansible.builtin.fail:
    msg: "{{ fleet.msg }}"
  when: fleet.noncompliant | length > 0
  run_once: true
"""

RETURN = r"""
msg:
  description: One line summary, naming each host that is not compliant with its failing checks.
  returned: always
  type: str
  sample: "3 host(s): 2 compliant, 1 unreachable; db1 (unreachable); web2 (warning: required_rules)"
summary:
  description: Number of hosts in total (C(hosts)) and per host status.
  returned: always
  type: dict
  sample: {"hosts": 3, "compliant": 1, "noncompliant": 1, "no-kernel-audit": 0, "unreachable": 1, "error": 0}
noncompliant:
  description: Hosts that are V(noncompliant), V(unreachable) or V(error), each with the checks that failed.
  returned: always
  type: dict
  sample: {"web2": ["service", "rules_drift"]}
hosts_by_status:
  description: Host names per host status.
  returned: always
  type: dict
  sample: {"compliant": ["web1"], "noncompliant": ["web2"], "no-kernel-audit": [], "unreachable": ["db1"], "error": []}
run_dir:
  description: The run directory written (in check mode, the one that would be written).
  returned: always
  type: str
  sample: /home/ops/audit-reports/compliance-20261126T170102Z
files:
  description: The report files written.
  returned: when not in check mode
  type: list
  elements: str
  sample:
    - /home/ops/audit-reports/compliance-20261126T170102Z/fleet.html
    - /home/ops/audit-reports/compliance-20261126T170102Z/fleet.json
    - /home/ops/audit-reports/compliance-20261126T170102Z/junit.xml
pruned:
  description: Older run directories removed because of O(keep).
  returned: always
  type: list
  elements: str
gather_file:
  description: The newest gather run's file the events charts were drawn from, or null.
  returned: always
  type: str
"""
