# -*- coding: utf-8 -*-
# Copyright (c) fleetaudit maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Controller side of fleetaudit.auditd.fleet_report: verdicts per host, report files per run."""

from __future__ import annotations

import datetime
import json
import os

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.fleetaudit.auditd.plugins.module_utils import fleet_report

display = Display()

ARGUMENT_SPEC = {
    "results": {"type": "dict", "required": True},
    # The policy's options, types and defaults are the report writer's own.
    "policy": {"type": "dict", "default": {}, "options": {
        name: dict({"type": type(default).__name__, "default": default},
                   **({"choices": list(fleet_report.POLICY_CHOICES[name])} if name in fleet_report.POLICY_CHOICES else {}))
        for name, default in fleet_report.DEFAULT_POLICY.items()}},
    "report_dir": {"type": "path", "default": "audit-reports"},
    "keep": {"type": "int", "default": 0},
    "gather_file": {"type": "path"},
}


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        self._supports_check_mode = True
        _validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        result = super().run(tmp, task_vars)
        if args["keep"] < 0:
            raise AnsibleActionFail("keep must be 0 (keep every run) or a positive number, got %d" % args["keep"])

        # Relative to the directory ansible-playbook runs from, as users expect of a report path.
        report_dir = os.path.abspath(args["report_dir"])
        gather_file = args["gather_file"] or fleet_report.newest_gather_file(report_dir)
        gather = self._load_gather(gather_file)

        now = datetime.datetime.now(datetime.timezone.utc)
        run_id = now.strftime("%Y%m%dT%H%M%SZ")
        try:
            report = fleet_report.build_report(args["results"], args["policy"],
                                               generated=now.isoformat(timespec="seconds"), run_id=run_id,
                                               gather=gather, gather_file=gather_file)
        except ValueError as exc:
            # A host's own policy setting out of range.
            raise AnsibleActionFail(str(exc)) from exc
        files = {
            "fleet.json": fleet_report.render_json(report),
            "fleet.html": fleet_report.render_html(report),
            "junit.xml": fleet_report.render_junit(report),
        }
        result.update({
            "changed": True,
            "msg": fleet_report.summary_line(report),
            "summary": report["summary"],
            "noncompliant": fleet_report.failing_checks(report),
            "hosts_by_status": {status: [host["host"] for host in report["hosts"] if host["status"] == status]
                                for status in fleet_report.HOST_STATUSES},
            "gather_file": report["events_source"],
            "pruned": [],
        })
        if self._task.check_mode:
            result["run_dir"] = os.path.join(report_dir, fleet_report.RUN_PREFIX + run_id)
            return result
        try:
            result["run_dir"], result["pruned"] = fleet_report.write_run(report_dir, run_id, files, args["keep"])
        except OSError as exc:
            raise AnsibleActionFail("could not write the fleet report under %s: %s" % (report_dir, exc)) from exc
        result["files"] = sorted(os.path.join(result["run_dir"], name) for name in files)
        return result

    @staticmethod
    def _load_gather(path):
        """The gather step's counts, or None: a missing or unreadable file only costs the chart."""
        if not path:
            return None
        try:
            with open(path, encoding="utf-8") as handle:
                return json.load(handle)
        except (OSError, ValueError) as exc:
            display.warning("events chart left empty: cannot read %s: %s" % (path, exc))
            return None
