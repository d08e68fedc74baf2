#!/usr/bin/env python
"""No-change run of the auditd role on this machine: task round trips and wall time.

Applies the role twice (the first run converges), then times a third, no-change run and counts
the tasks that ran on the host (module executions, not controller-side tasks such as debug,
assert or set_fact). The baseline, measured in the same run, is one ansible ad-hoc call of a
trivial module (`ansible.builtin.ping`): the ratio says how many round trips' worth of time a
no-change run costs. Root, real kernel; restores /etc/audit and the kernel rules it found.

    sudo .venv/bin/python benchmarks/role_noop_bench.py
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

PYTHON = "-e ansible_python_interpreter=/usr/bin/python3"
CONTROLLER_ACTIONS = {
    "ansible.builtin.debug", "ansible.builtin.assert", "ansible.builtin.set_fact",
    "ansible.builtin.include_vars", "ansible.builtin.include_tasks", "ansible.builtin.import_tasks",
    "ansible.builtin.validate_argument_spec", "ansible.builtin.meta",
}
PLAY = """
- hosts: localhost
  gather_facts: false
  roles:
    - role: fleetaudit.auditd.auditd
      vars:
        auditd_rule_bundles: [base, docker, identity, time_change, perm_mod, privileged]
        auditd_example_rule_sets: [43-module-load]
"""


def timed(cmd, env=None):
    start = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0:
        sys.exit("failed: %s\n%s%s" % (" ".join(cmd), proc.stdout[-3000:], proc.stderr[-2000:]))
    return time.monotonic() - start, proc.stdout


def main():
    saved = tempfile.mkdtemp()
    shutil.copytree("/etc/audit", os.path.join(saved, "audit"), symlinks=True)
    rules = subprocess.run(["auditctl", "-l"], capture_output=True, text=True, check=True).stdout
    playbook = os.path.join(saved, "play.yml")
    with open(playbook, "w") as handle:
        handle.write(PLAY)
    env = dict(os.environ, ANSIBLE_STDOUT_CALLBACK="ansible.posix.json")
    run = ["ansible-playbook", "-i", "localhost,", "-c", "local"] + PYTHON.split() + [playbook]
    try:
        timed(run, env)
        baseline, dummy = timed(["ansible", "localhost", "-i", "localhost,", "-c", "local"] + PYTHON.split()
                                + ["-m", "ansible.builtin.ping"])
        elapsed, out = timed(run, env)
        report = json.loads(out)
        on_host = [task["task"]["name"] for task in report["plays"][0]["tasks"]
                   if task["hosts"]["localhost"].get("action") not in CONTROLLER_ACTIONS
                   and not task["hosts"]["localhost"].get("skipped")]
        changed = report["stats"]["localhost"]["changed"]
    finally:
        shutil.rmtree("/etc/audit")
        shutil.copytree(os.path.join(saved, "audit"), "/etc/audit", symlinks=True)
        subprocess.run(["auditctl", "-D"], capture_output=True, check=True)
        if rules.strip() != "No rules":
            with open(os.path.join(saved, "kernel.rules"), "w") as handle:
                handle.write(rules)
            subprocess.run(["auditctl", "-R", os.path.join(saved, "kernel.rules")], capture_output=True, check=True)
        shutil.rmtree(saved)
        # The daemon runs the settings the role wrote: restart it on the auditd.conf put back.
        subprocess.run(["ansible", "localhost", "-i", "localhost,", "-c", "local"] + PYTHON.split()
                       + ["-m", "fleetaudit.auditd.auditd_service", "-a", "state=restarted"], capture_output=True, check=True)
    print("no-change run: %d changed, %d task round trips on the host (target <= 10)" % (changed, len(on_host)))
    for name in on_host:
        print("  - %s" % name)
    print("wall time %.2f s; one ad-hoc ping %.2f s; ratio %.1fx" % (elapsed, baseline, elapsed / baseline))


if __name__ == "__main__":
    main()
