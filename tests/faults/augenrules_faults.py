# Copyright: (c) 2026, fleetaudit maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Faults for fleetaudit.auditd.augenrules on this machine's real kernel (root, never immutable).

Three kinds of trials, each from a baseline of 300 loaded rules:

- races: two ``state: loaded`` runs at once, with different content for the same file;
- kills: the module (and the ``auditctl`` it runs) killed at several points of a load, then a
  ``state: checked`` run and a next run;
- full disk: ``rules_dir`` and ``rules_file`` on a small tmpfs this script mounts, filled to a
  few free pages, then space freed and a next run.

Every trial must end with rule files, compiled file and kernel in agreement (the old state or the
new one), or a failure that leaves the old state and a next run that converges. Agreement is
checked without the module: the compiled file's rules against the rule files, and the kernel's
``auditctl -l`` against the compiled file (the rules here are written as ``auditctl -l`` prints
them). The module runs directly (``python -m``), so that the PID this script kills is the module's.
It kills only processes it started (the module and that module's children), fills only the tmpfs
it mounted, and puts back the kernel's rules and settings it found.

Usage (as root, after ``. scripts/env.sh``): tests/faults/run.sh [--races N] [--kills N] [--disk LEVELS]
"""

import argparse
import glob
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration", "host"))
from conftest import _restore_kernel, kernel_rules, kernel_status  # noqa: E402  pylint: disable=wrong-import-position

MODULE = "ansible_collections.fleetaudit.auditd.plugins.modules.augenrules"
STATE_DIR = "/run/fleetaudit-augenrules"
INTENT = os.path.join(STATE_DIR, "intent.json")
# Where the module's load file was before it had no name.
OLD_LOAD_FILES = "/tmp/fleetaudit-*.rules"
BASELINE_RULES = 300
SETTINGS = "-D\n-b 8192\n-f 1\n"
# Where in a load a kill lands (see `kill_when`).
KILL_POINTS = ("delay", "intent", "rename", "auditctl-R", "after-load")
PAGE = 4096


def policy(variant):
    """The rule files of one variant: the same file names, 300 rules whose keys name the variant,
    written as ``auditctl -l`` prints them."""
    lines = []
    for index in range(BASELINE_RULES // 2):
        lines.append("-w /etc/fa-fault-%d -p wa -k %sw%d" % (index, variant, index))
        lines.append("-a always,exit -F arch=b64 -S openat -F uid=%d -F key=%ss%d" % (20000 + index, variant, index))
    return {"10-base.rules": SETTINGS, "50-fault.rules": "\n".join(lines) + "\n"}


def rule_lines(text):
    return [line for line in text.splitlines()
            if line.strip() and not line.startswith("#") and line.split()[0] not in ("-D", "-b", "-f")]


class Place:
    """A rules_dir and rules_file for the trials."""

    def __init__(self, root):
        self.rules_dir = os.path.join(root, "rules.d")
        self.rules_file = os.path.join(root, "audit.rules")
        # Load files of other checkouts' runs are not this script's.
        self.load_files_before = set(glob.glob(OLD_LOAD_FILES))

    def args(self, variant, **extra):
        return dict(rules_dir=self.rules_dir, rules_file=self.rules_file, files=policy(variant), purge=True, **extra)

    def agreement(self):
        """``(variant, problems)``: the variant that files, compiled file and kernel all hold."""
        problems = []
        files = ""
        for name in sorted(os.listdir(self.rules_dir)):
            if name.startswith("."):
                problems.append("left behind: %s" % os.path.join(self.rules_dir, name))
            elif name.endswith(".rules"):
                with open(os.path.join(self.rules_dir, name)) as handle:
                    files += handle.read()
        for leftover in glob.glob(os.path.join(os.path.dirname(self.rules_file), ".fleetaudit-*")) \
                + glob.glob(os.path.join(STATE_DIR, "*.rules")):
            problems.append("left behind: %s" % leftover)
        for leftover in set(glob.glob(OLD_LOAD_FILES)) - self.load_files_before:
            problems.append("left behind: %s" % leftover)
        with open(self.rules_file) as handle:
            compiled = rule_lines(handle.read())
        if compiled != rule_lines(files):
            problems.append("the compiled file differs from the rule files")
        kernel = kernel_rules()
        if kernel != compiled:
            problems.append("the kernel holds %d rules, %d of them as compiled" % (len(kernel), len(set(kernel) & set(compiled))))
        keys = {line.rsplit("=", 1)[-1].split()[-1][0] for line in compiled}
        variant = keys.pop() if len(keys) == 1 else "mixed"
        return variant, problems


def start_module(args, check=False):
    handle, path = tempfile.mkstemp(prefix="fa-faults-args-", suffix=".json")
    with os.fdopen(handle, "w") as stream:
        json.dump({"ANSIBLE_MODULE_ARGS": dict(args, _ansible_check_mode=check)}, stream)
    process = subprocess.Popen([sys.executable, "-m", MODULE, path], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    process.args_file = path
    return process


def finish_module(process):
    out, err = process.communicate()
    os.unlink(process.args_file)
    if process.returncode < 0:
        return {"failed": True, "killed": True}
    try:
        return json.loads(out)
    except ValueError:
        return {"failed": True, "msg": "no result (exit %d): %s %s" % (process.returncode, out[-500:], err[-500:])}


def run_module(args, check=False):
    return finish_module(start_module(args, check))


def children(pid):
    """The commands (pid, argv) the process `pid` has started and that still run."""
    found = []
    for path in glob.glob("/proc/%d/task/*/children" % pid):
        try:
            with open(path) as handle:
                pids = [int(word) for word in handle.read().split()]
        except OSError:
            continue
        for child in pids:
            try:
                with open("/proc/%d/cmdline" % child, "rb") as handle:
                    found.append((child, handle.read().split(b"\0")))
            except OSError:
                pass
    return found


def kill_when(process, point, rules_file, deadline=20.0):
    """Kills the module `process` (and its children) at `point`; returns what was killed, or
    ``None`` when the run ended first.

    ``delay``: after a random delay within a load's usual duration; ``intent``: when the intent
    record appears; ``rename``: when the compiled file changes; ``auditctl-R``: while auditctl
    loads; ``after-load``: when the module reads the kernel back after loading.
    """
    started = time.monotonic()
    with open(rules_file, "rb") as handle:
        compiled = handle.read()
    delay = random.uniform(0.2, 0.8)
    seen_load = False
    while process.poll() is None and time.monotonic() - started < deadline:
        hit = False
        if point == "delay":
            hit = time.monotonic() - started >= delay
        elif point == "intent":
            hit = os.path.exists(INTENT)
        elif point == "rename":
            try:
                with open(rules_file, "rb") as handle:
                    hit = handle.read() != compiled
            except OSError:
                pass
        else:
            commands = children(process.pid)
            loading = any(b"-R" in argv for _pid, argv in commands)
            seen_load = seen_load or loading
            hit = loading if point == "auditctl-R" else seen_load and any(b"-l" in argv for _pid, argv in commands)
        if hit:
            targets = [child for child, _argv in children(process.pid)]
            for child in targets:
                os.kill(child, signal.SIGKILL)
            os.kill(process.pid, signal.SIGKILL)
            return {"children": len(targets)}
    return None


class Tally:
    def __init__(self):
        self.lines = []
        self.bad = []

    def trial(self, kind, ok, detail):
        self.lines.append((kind, ok, detail))
        if not ok:
            self.bad.append("%s: %s" % (kind, detail))
        print("%-10s %s %s" % (kind, "ok  " if ok else "BAD ", detail), flush=True)


def converge(place, variant, tally, kind, label):
    """A next run with `variant`: it must succeed and leave everything holding `variant`."""
    result = run_module(place.args(variant))
    held, problems = place.agreement()
    ok = not result.get("failed") and held == variant and not problems and not os.path.exists(INTENT)
    tally.trial(kind, ok, "%s; next run %s: %s%s" % (
        label, "recovered (%s)" % result["recovered"]["outcome"] if result.get("recovered") else "ok"
        if not result.get("failed") else "FAILED: %s" % result.get("msg"), held, "; " + "; ".join(problems) if problems else ""))
    return result


def races(place, trials, tally):
    for number in range(trials):
        run_module(place.args("o"))
        first, second = start_module(place.args("a")), start_module(place.args("b"))
        results = [finish_module(first), finish_module(second)]
        held, problems = place.agreement()
        failures = [result.get("msg") for result in results if result.get("failed")]
        ok = not failures and held in ("a", "b") and not problems
        tally.trial("race", ok, "trial %d: both runs %s, files/compiled/kernel hold %s%s" % (
            number + 1, "succeeded" if not failures else "did not succeed: %s" % failures, held,
            "; " + "; ".join(problems) if problems else ""))


def kills(place, rounds, tally):
    for number in range(rounds):
        for point in KILL_POINTS:
            run_module(place.args("o"))
            process = start_module(place.args("n"))
            killed = kill_when(process, point, place.rules_file)
            finish_module(process)
            if killed is None:
                tally.trial("kill", True, "%s: the run ended before the kill point" % point)
                continue
            at_kill = kernel_rules()
            record = os.path.exists(INTENT)
            checked = run_module(dict(place.args("n"), state="checked"))
            pending = (checked.get("recovered") or {}).get("outcome") == "pending"
            if record != pending:
                tally.trial("kill", False, "%s: intent record %s but the checked run reported %s"
                            % (point, record, checked.get("recovered")))
            # Half the next runs ask for the new state, half for the old one.
            variant = "n" if number % 2 == 0 else "o"
            kernel_keys = {line.split("=")[-1].split()[-1][0] for line in at_kill} or {"-"}
            converge(place, variant, tally, "kill", "%s (round %d): killed with %d rules in the kernel (keys %s), "
                     "intent record %s" % (point, number + 1, len(at_kill), "".join(sorted(kernel_keys)),
                                           "present" if record else "absent"))


def full_disk(root, levels, tally):
    mount = os.path.join(root, "tmpfs")
    os.mkdir(mount)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k,mode=0750", "tmpfs", mount], check=True)
    try:
        place = Place(mount)
        filler = os.path.join(mount, "filler")
        for free_pages in levels:
            result = run_module(place.args("o"))
            assert not result.get("failed"), result.get("msg")
            stat = os.statvfs(mount)
            with open(filler, "wb") as handle:
                handle.write(b"\0" * max(0, (stat.f_bavail - free_pages) * stat.f_frsize))
            result = run_module(place.args("n"))
            held, problems = place.agreement()
            if result.get("failed"):
                message = result.get("msg", "")
                ok = (held == "o" and not problems and "No space left on device" in message
                      and mount in message and not os.path.exists(INTENT))
                label = "%d free pages: failed, %s: %r" % (free_pages, "old state kept" if ok else held, message[:160])
            else:
                ok = held == "n" and not problems
                label = "%d free pages: loaded" % free_pages
            if problems:
                label += "; " + "; ".join(problems)
            tally.trial("disk", ok, label)
            os.unlink(filler)
            converge(place, "n", tally, "disk", "%d free pages, then space freed" % free_pages)
    finally:
        subprocess.run(["umount", mount], check=False)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--races", type=int, default=10, help="race trials")
    parser.add_argument("--kills", type=int, default=4, help="rounds over the kill points %s" % (KILL_POINTS,))
    parser.add_argument("--disk", default="0,1,2,3,4,5,8,16", help="free pages left on the tmpfs, comma-separated")
    options = parser.parse_args()
    print("fault trials: %d races, %d kill rounds x %d points, full disk at %s free pages"
          % (options.races, options.kills, len(KILL_POINTS), options.disk), flush=True)
    tally = run(options.races, options.kills, [int(level) for level in options.disk.split(",") if level])
    summary(tally)
    return 1 if tally.bad else 0


def run(race_trials, kill_rounds, disk_levels):
    """Runs the trials with the kernel's rules and settings put back afterwards; returns the Tally."""
    if os.geteuid() != 0:
        raise SystemExit("the fault trials need root (they load rules into this machine's kernel)")
    status = kernel_status()
    if status["enabled"] == "2":
        raise SystemExit("the kernel is immutable: reboot first")
    saved = kernel_rules()
    root = tempfile.mkdtemp(prefix="fa-faults-")
    tally = Tally()
    try:
        os.mkdir(os.path.join(root, "etc"))
        place = Place(os.path.join(root, "etc"))
        races(place, race_trials, tally)
        kills(place, kill_rounds, tally)
        full_disk(root, disk_levels, tally)
    finally:
        _restore_kernel(saved, status)
        shutil.rmtree(root, ignore_errors=True)
    assert kernel_rules() == saved, "the kernel's rules were not put back"
    return tally


def summary(tally):
    for kind in ("race", "kill", "disk"):
        lines = [ok for trial_kind, ok, _detail in tally.lines if trial_kind == kind]
        print("%s: %d trials, %d ended in agreement or a clean failure and convergence, %d did not"
              % (kind, len(lines), sum(lines), len(lines) - sum(lines)))
    for line in tally.bad:
        print("BAD: " + line)


if __name__ == "__main__":
    sys.exit(main())
