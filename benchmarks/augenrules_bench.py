# Copyright: (c) 2026, fleetaudit maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Speed of fleetaudit.auditd.augenrules against the host's own ``augenrules --check``.

    . scripts/env.sh; sudo -E python benchmarks/augenrules_bench.py [--rules 1000] [--runs 10]

On one 1,000-rule set (half watches, half syscall rules), in the same run:
- baseline: the host's augenrules script with ``--check`` (pointed at a temporary rules.d, as
  it compares files only);
- the module with ``state: checked`` and with ``state: loaded`` when nothing changes, both of
  which also read the kernel's rules (``auditctl -l``, ``auditctl -s``) and compare them.
The module is timed two ways: the whole process as Ansible starts it on a managed host (Python
start, imports, module), and its own work inside an already started Python (from main() to its
JSON result, reading the rule files and running auditctl -s, auditctl -l and ausyscall included;
the module reads the kernel after it compiles and validates: read-ahead threads, timed against
it in this script at f420d00, saved at most 3% of the task's time for 10% more CPU, and were
removed).
Both are also set against what users would otherwise run as an Ansible task,
``ansible.builtin.command: augenrules --check``, started the same way (whole process), since a
module's start-up is paid by every task alike.
Prints median wall times and CPU times (user + system of this process and of the commands it
waited for) and their ratios to the baseline: on a busy machine the wall time follows the CPU
time. Needs root and kernel audit; the kernel's rules and settings are put back afterwards.
Never sets immutable mode.
"""

import argparse
import contextlib
import io
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from ansible.module_utils import basic
from ansible.modules import command as command_module
from ansible_collections.fleetaudit.auditd.plugins.module_utils.syscalls import SyscallTables
from ansible_collections.fleetaudit.auditd.plugins.module_utils.auditctl_output import (
    parse_rule_listing,
    parse_status,
)
from ansible_collections.fleetaudit.auditd.plugins.module_utils.rules_drift import parse_kernel_rules
from ansible_collections.fleetaudit.auditd.plugins.modules import augenrules as module_code

SETTINGS = (("-b", "backlog_limit"), ("-f", "failure"), ("-r", "rate_limit"),
            ("--backlog_wait_time", "backlog_wait_time"))


def run(*args):
    return subprocess.run(list(args), capture_output=True, text=True, check=True).stdout


def rule_set(count):
    """``count`` rules: watches on existing programs, then syscall rules with distinct fields."""
    programs = sorted(name for name in os.listdir("/usr/bin") if os.path.isfile(os.path.join("/usr/bin", name)))
    watches = ["-w /usr/bin/%s -p x -k bench-exec" % name for name in programs[:count // 2]]
    syscalls = ["-a always,exit -F arch=b64 -S openat,open -F auid=%d -F key=bench-open" % (2000 + index)
                for index in range(count - len(watches))]
    return "-D\n-b 8192\n-f 1\n" + "\n".join(watches + syscalls) + "\n"


def cpu_seconds():
    """User + system time of this process and of the child processes it has waited for."""
    return sum(usage.ru_utime + usage.ru_stime
               for usage in (resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)))


def median_seconds(candidates, runs):
    """``{name: (median wall seconds, median CPU seconds)}``, the candidates run in turn in each
    round so that the load of a busy machine falls on all of them alike."""
    times = {name: [] for name, _function in candidates}
    for _index in range(runs):
        for name, function in candidates:
            start, cpu = time.perf_counter(), cpu_seconds()
            function()
            times[name].append((time.perf_counter() - start, cpu_seconds() - cpu))
    return {name: (statistics.median(wall for wall, _cpu in values), statistics.median(cpu for _wall, cpu in values))
            for name, values in times.items()}


def module_in_process(args):
    """Runs the module's main() in this Python; returns its result."""
    # What AnsibleModule reads its arguments from (ansible.module_utils.testing does the same).
    basic._ANSIBLE_ARGS = json.dumps({"ANSIBLE_MODULE_ARGS": args}).encode()
    basic._ANSIBLE_PROFILE = "legacy"
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        try:
            module_code.main()
        except SystemExit:
            pass
        finally:
            release_run_lock()
    return json.loads(output.getvalue())


def release_run_lock():
    """Closes the module's run lock, which it holds until its process exits: here the process goes
    on, and the next run would wait for the lock."""
    lock = os.path.join(module_code.STATE_DIR, module_code.LOCK_NAME)
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink("/proc/self/fd/" + fd) == lock:
                os.close(int(fd))
        except OSError:
            pass  # the directory's own descriptor, closed by now


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=15)
    options = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("needs root (auditctl)")
    status = parse_status(run("auditctl", "-s"))
    if status.get("enabled") == 2:
        sys.exit("the kernel is immutable: nothing to measure")
    machine = os.uname()[4]
    tables = SyscallTables(machine, {64: SyscallTables.parse_dump(run("ausyscall", "--dump")),
                                     32: SyscallTables.parse_dump(run("ausyscall", "b32", "--dump"))})
    saved_rules = parse_kernel_rules(parse_rule_listing(run("auditctl", "-l")), tables)
    work = tempfile.mkdtemp(prefix="fa-bench-")
    try:
        rules_dir = os.path.join(work, "rules.d")
        rules_file = os.path.join(work, "audit.rules")
        os.mkdir(rules_dir)
        with open(os.path.join(rules_dir, "50-bench.rules"), "w") as handle:
            handle.write(rule_set(options.rules))
        script = open(shutil.which("augenrules")).read()
        script = script.replace("DestinationFile=/etc/audit/audit.rules", "DestinationFile=" + rules_file)
        script = script.replace("SourceRulesDir=/etc/audit/rules.d", "SourceRulesDir=" + rules_dir)
        augenrules = os.path.join(work, "augenrules")
        with open(augenrules, "w") as handle:
            handle.write(script)
        args = {"rules_dir": rules_dir, "rules_file": rules_file}
        first = module_in_process(dict(args, state="loaded"))
        if first.get("failed"):
            sys.exit("loading the benchmark rules failed: %s" % first.get("msg"))
        check_output = run("sh", augenrules, "--check")
        assert "No change" in check_output, check_output
        for state in ("checked", "loaded"):
            result = module_in_process(dict(args, state=state))
            assert result["changed"] is False and result["loaded_rules"] == options.rules, result

        args_file = os.path.join(work, "args.json")

        def module_process(name, module_args):
            with open(args_file, "w") as handle:
                json.dump({"ANSIBLE_MODULE_ARGS": module_args}, handle)
            run(sys.executable, "-m", name, args_file)

        baseline_name = "augenrules --check (files only, baseline)"
        task_name = "ansible.builtin.command: augenrules --check"
        candidates = [(baseline_name, lambda: run("sh", augenrules, "--check")),
                      (task_name, lambda: module_process(command_module.__name__,
                                                         {"argv": ["sh", augenrules, "--check"]}))]
        for state in ("checked", "loaded"):
            candidates.append(("module state=%s, in-process work" % state,
                               lambda state=state: module_in_process(dict(args, state=state))))
            candidates.append(("module state=%s, whole process" % state,
                               lambda state=state: module_process(module_code.__name__, dict(args, state=state))))
        medians = median_seconds(candidates, options.runs)
        baseline_wall, baseline_cpu = medians[baseline_name]
        print("%d rules, median of %d runs, audit %s" % (options.rules, options.runs,
                                                         run("auditctl", "-v").split()[-1]))
        print("%-48s %9s %7s %9s %7s" % ("", "wall s", "ratio", "CPU s", "ratio"))
        for name, _function in candidates:
            wall, cpu = medians[name]
            print("%-48s %9.4f %6.2fx %9.4f %6.2fx" % (name, wall, wall / baseline_wall, cpu, cpu / baseline_cpu))
        task_wall, task_cpu = medians[task_name]
        print("as Ansible tasks, against %s:" % task_name)
        for state in ("checked", "loaded"):
            wall, cpu = medians["module state=%s, whole process" % state]
            print("%-48s %9.4f %6.2fx %9.4f %6.2fx" % ("module state=%s" % state, wall, wall / task_wall,
                                                       cpu, cpu / task_cpu))
    finally:
        shutil.rmtree(work, ignore_errors=True)
        subprocess.run(["auditctl", "-D"], capture_output=True, check=False)
        for option, name in SETTINGS:
            subprocess.run(["auditctl", option, str(status[name])], capture_output=True, check=False)
        if saved_rules:
            handle, path = tempfile.mkstemp(suffix=".rules")
            with os.fdopen(handle, "w") as stream:
                stream.write("".join(rule.loadable + "\n" for rule in saved_rules))
            subprocess.run(["auditctl", "-R", path], capture_output=True, check=False)
            os.unlink(path)


if __name__ == "__main__":
    main()
