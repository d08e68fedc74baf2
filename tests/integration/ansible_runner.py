"""Ansible runs of the integration lanes (host and collect): `ansible` or `ansible-playbook` with
the json callback, whose report keeps each task's `failed`, `changed` and `diff` per host."""

import json
import os
import subprocess


def ansible_json(cmd):
    """(returncode, the json callback's report) of an `ansible` or `ansible-playbook` command."""
    env = dict(os.environ, ANSIBLE_LOAD_CALLBACK_PLUGINS="1", ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json")
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env)
    try:
        return proc.returncode, json.loads(proc.stdout)
    except ValueError:
        raise AssertionError("%s produced no report:\n%s\n%s" % (cmd[0], proc.stdout, proc.stderr))


def module_result(cmd, host):
    """The result on `host` of the one module an `ansible` command runs."""
    _rc, report = ansible_json(cmd)
    try:
        return report["plays"][0]["tasks"][0]["hosts"][host]
    except (KeyError, IndexError):
        raise AssertionError("ansible produced no result for %s:\n%s" % (host, json.dumps(report, indent=1)))
