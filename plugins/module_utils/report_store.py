# -*- coding: utf-8 -*-
# Copyright (c) fleetaudit maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The report directory on the controller: run directories written whole, the `latest` links, and
what earlier runs left there.

Each kind of run owns its own link: `latest` points at the newest compliance run (fleet.json,
fleet.html, junit.xml), `latest-gather` at the newest gather run (gather.json and the per-host
files). No writer touches the other's link.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile

RUN_PREFIX = "compliance-"
GATHER_PREFIX = "gather-"
FLEET_FILE = "fleet.json"
GATHER_FILE = "gather.json"
# The compliance run's link; the gather role points `latest-gather` at its own runs.
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
        runs = _runs(report_dir, RUN_PREFIX)
        for old in runs[:-keep]:
            if old != name:
                shutil.rmtree(os.path.join(report_dir, old))
                pruned.append(os.path.join(report_dir, old))
    return run_dir, pruned


def _runs(report_dir, prefix):
    """Names of the run directories starting with `prefix`, oldest first (run names sort by time)."""
    if not os.path.isdir(report_dir):
        return []
    return sorted(entry for entry in os.listdir(report_dir)
                  if entry.startswith(prefix) and not os.path.islink(os.path.join(report_dir, entry))
                  and os.path.isdir(os.path.join(report_dir, entry)))


def gather_files(report_dir):
    """The `gather.json` of every gather run kept under `report_dir`, oldest first (by the time the
    file was written: a run id given by the user need not sort by time)."""
    paths = (os.path.join(report_dir, entry, GATHER_FILE) for entry in _runs(report_dir, GATHER_PREFIX))
    return sorted((path for path in paths if os.path.isfile(path)), key=lambda path: (os.path.getmtime(path), path))


def newest_gather_file(report_dir):
    """The most recent gather run's `gather.json` under `report_dir`, or None."""
    files = gather_files(report_dir)
    return files[-1] if files else None


def read_json(path):
    """The JSON document at `path`, or raises ValueError naming the file and why it cannot be read."""
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError) as exc:
        raise ValueError("cannot read %s: %s" % (path, exc)) from exc


def read_gather_runs(report_dir, warn):
    """Every gather run under `report_dir` as `{"run", "file", "gather"}`, oldest first; a run whose
    gather.json cannot be read is left out and named through `warn(message)`."""
    runs = []
    for path in gather_files(report_dir):
        try:
            runs.append({"run": os.path.basename(os.path.dirname(path)), "file": path, "gather": read_json(path)})
        except ValueError as exc:
            warn(str(exc))
    return runs


def read_compliance_history(report_dir, limit, warn):
    """The `limit` newest earlier compliance runs' fleet.json documents under `report_dir`, oldest first."""
    paths = [os.path.join(report_dir, entry, FLEET_FILE) for entry in _runs(report_dir, RUN_PREFIX)]
    documents = []
    for path in [path for path in paths if os.path.isfile(path)][-limit:] if limit > 0 else []:
        try:
            documents.append(read_json(path))
        except ValueError as exc:
            warn(str(exc))
    return documents


def read_events(paths, warn):
    """Each event of the JSON Lines files `paths`, one dict at a time; a bad line or file is named
    through `warn` and skipped, so that one broken file only costs its own counts."""
    for path in paths:
        try:
            with open(path, encoding="utf-8") as handle:
                for number, line in enumerate(handle, 1):
                    if line.strip():
                        try:
                            yield json.loads(line)
                        except ValueError as exc:
                            warn("%s line %d: %s" % (path, number, exc))
        except OSError as exc:
            warn("cannot read %s: %s" % (path, exc))
