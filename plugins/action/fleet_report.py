# -*- coding: utf-8 -*-
# Copyright (c) fleetaudit maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Controller side of fleetaudit.auditd.fleet_report: verdicts per host, report files per run."""

from __future__ import annotations

import datetime
import os

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.fleetaudit.auditd.plugins.module_utils import report_checks, report_html, report_render, report_store

display = Display()

ARGUMENT_SPEC = {
    "results": {"type": "dict", "required": True},
    # The policy's options, types and defaults are the report writer's own.
    "policy": {"type": "dict", "default": {}, "options": {
        name: dict({"type": type(default).__name__, "default": default},
                   **({"choices": list(report_checks.POLICY_CHOICES[name])} if name in report_checks.POLICY_CHOICES else {}))
        for name, default in report_checks.DEFAULT_POLICY.items()}},
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
        gather_runs = self._gather_runs(report_dir, args["gather_file"])
        # A missing or unreadable earlier file only costs its part of the page.
        history = report_store.read_compliance_history(report_dir, report_render.HISTORY_RUNS, display.warning)
        profile = report_render.event_profile(report_store.read_events(
            [path for run in gather_runs[-report_render.HISTORY_RUNS:] for path in self._event_files(run)],
            display.warning))

        now = datetime.datetime.now(datetime.timezone.utc)
        run_id = now.strftime("%Y%m%dT%H%M%SZ")
        try:
            report = report_render.build_report(args["results"], args["policy"],
                                                generated=now.isoformat(timespec="seconds"), run_id=run_id,
                                                gather_runs=gather_runs, history=history, profile=profile)
        except ValueError as exc:
            # A host's own policy setting out of range.
            raise AnsibleActionFail(str(exc)) from exc
        files = {
            report_store.FLEET_FILE: report_render.render_json(report),
            "fleet.html": report_html.render_html(report),
            "junit.xml": report_render.render_junit(report),
        }
        result.update({
            "changed": True,
            "msg": report_checks.summary_line(report),
            "summary": report["summary"],
            "noncompliant": report_checks.failing_checks(report),
            "hosts_by_status": {status: [host["host"] for host in report["hosts"] if host["status"] == status]
                                for status in report_checks.HOST_STATUSES},
            "gather_file": report["events_source"],
            "pruned": [],
        })
        if self._task.check_mode:
            result["run_dir"] = os.path.join(report_dir, report_store.RUN_PREFIX + run_id)
            return result
        try:
            result["run_dir"], result["pruned"] = report_store.write_run(report_dir, run_id, files, args["keep"])
        except OSError as exc:
            raise AnsibleActionFail("could not write the fleet report under %s: %s" % (report_dir, exc)) from exc
        result["files"] = sorted(os.path.join(result["run_dir"], name) for name in files)
        return result

    @staticmethod
    def _gather_runs(report_dir, gather_file):
        """The gather runs the events come from: every one kept under `report_dir`, or only
        `gather_file` when the task names one."""
        if not gather_file:
            return report_store.read_gather_runs(report_dir, display.warning)
        try:
            gather = report_store.read_json(gather_file)
        except ValueError as exc:
            display.warning("events left out: %s" % exc)
            return []
        return [{"run": os.path.basename(os.path.dirname(gather_file)), "file": gather_file, "gather": gather}]

    @staticmethod
    def _event_files(run):
        """The JSON Lines files of a gather run, where the run directory holds them now
        (`<run>/<host>/<name>.jsonl`, whatever path gather.json recorded when they were written)."""
        run_dir = os.path.dirname(run["file"])
        return [os.path.join(run_dir, host, os.path.basename(str(path)))
                for host, entry in sorted((run["gather"].get("hosts") or {}).items())
                for path in (entry or {}).get("files") or [] if str(path).endswith(".jsonl")]
