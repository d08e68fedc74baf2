# Copyright: (c) 2026, fleetaudit maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: gather_summary
short_description: The fleet summary of a gather run, per host or node
version_added: 1.0.0
author: fleetaudit maintainers (@fleetaudit)
description:
  - Used by P(fleetaudit.auditd.gather#role) to write C(gather.json) and the lines its play ends
    with, from the results of its searches (what each host, or with C(gather_from=collectors)
    each node, returned, where its files are, and whether its search failed).
  - M(fleetaudit.auditd.fleet_report) reads C(gather.json) for the events chart of C(fleet.html).
options:
  _input:
    description:
      - Each host's registered M(fleetaudit.auditd.ausearch) result, by inventory name (an empty
        dict for a host that did not reach the search); empty with C(gather_from=collectors).
    type: dict
    required: true
  host_reports:
    description: Each host's registered loop of M(fleetaudit.auditd.aureport) results, by inventory name.
    type: dict
    default: {}
  collected:
    description: The registered loop of the searches of the collectors (C(gather_from=collectors)).
    type: dict
    default: {}
  node_reports:
    description: The registered loop of the aureport reports of each node on the collectors.
    type: dict
    default: {}
  active_hosts:
    description: The hosts still in the play (C(ansible_play_hosts)); the others failed.
    type: list
    elements: str
    required: true
  run:
    description: The run's directory name, C(gather-<run id>).
    type: str
    required: true
  run_dir:
    description: The run's directory on the controller, where the aureport reports are written.
    type: str
    required: true
  name:
    description: The events files' base name (C(gather_name)).
    type: str
    required: true
  keys:
    description: The keys searched for.
    type: list
    elements: str
    required: true
"""

EXAMPLES = r"""
- name: Summarize the run
  ansible.builtin.set_fact:
    summary: >-
      {{ dict(ansible_play_hosts_all | zip(ansible_play_hosts_all | map('extract', hostvars)
              | map(attribute='found', default={})))
         | fleetaudit.auditd.gather_summary(active_hosts=ansible_play_hosts, run='gather-1',
             run_dir='/srv/audit/gather-1', name='events', keys=['docker']) }}
  run_once: true
"""

RETURN = r"""
_value:
  description:
    - C(run), C(name), C(keys), and C(hosts), by host or node name, C(status) (C(ok), C(failed) or
      C(no-audit-log)), C(count), C(by_key), C(truncated), C(scanned_bytes), C(transfer_bytes),
      C(files) (the events files, then the aureport reports), and C(unloaded_keys) (per host) or
      C(collector) (per node).
  type: dict
"""


def gather_summary(host_searches, active_hosts, run, run_dir, name, keys, host_reports=None, collected=None,
                   node_reports=None):
    hosts = {}
    # gather_from collectors: one entry per node, from the collector whose log holds its events.
    for found in (collected or {}).get("results", []):
        for node, entry in (found.get("nodes") or {}).items():
            reports = [item["item"][1] for item in (node_reports or {}).get("results", []) if item["item"][0]["key"] == node]
            files = [entry[kind] for kind in ("dest_file", "csv_file") if kind in entry]
            hosts[node] = dict(_search_figures(found), status="ok", collector=entry["collector"], count=entry["count"],
                               by_key=entry["by_key"], files=files + _report_files(run_dir, node, reports))
    # gather_from hosts: one entry per host of the play; one that failed before its search has none.
    for host, found in host_searches.items():
        reports = [item["item"] for item in (host_reports or {}).get(host, {}).get("results", [])]
        searched = host in active_hosts and "count" in found
        hosts[host] = dict(_search_figures(found), count=found.get("count", 0), by_key=found.get("count_by_key", {}),
                           status=("no-audit-log" if found.get("files") == [] else "ok") if searched else "failed",
                           unloaded_keys=found.get("unloaded_keys"),
                           files=list(found.get("dest_files", [])) + _report_files(run_dir, host, reports))
    return {"run": run, "name": name, "keys": list(keys), "hosts": hosts}


def _search_figures(found):
    return {"truncated": found.get("truncated", False), "scanned_bytes": found.get("scanned_bytes", 0),
            "transfer_bytes": found.get("transfer_bytes", 0)}


def _report_files(run_dir, host, reports):
    return ["%s/%s/aureport-%s.json" % (run_dir, host, report) for report in reports]


class FilterModule:
    def filters(self):
        return {"gather_summary": gather_summary}
