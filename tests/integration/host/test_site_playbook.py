"""playbooks/site.yml rolls through the fleet when the role may reboot hosts.

Two inventory names for this machine (connection local), in check mode: nothing is written, and
the play's batches are what the run shows (ansible starts the play once per batch). This proves
how hosts are batched and that a failed batch stops the roll; reboots themselves happen only in the
kernel lane's VMs.
"""

import json

import pytest

from ansible_collections.fleetaudit.auditd.tests.integration.ansible_runner import ansible_json
from conftest import HOST_PYTHON

HOST = {"ansible_connection": "local", "ansible_become": False, "ansible_python_interpreter": HOST_PYTHON}


def site(tmp_path, group_vars, *args, **hosts):
    """Runs site.yml --check on web1 and web2; returns (exit status, [hosts of each batch], the
    json callback's report)."""
    inventory = {"all": {"vars": dict(group_vars, auditd_rule_bundles=["base"]),
                         "hosts": {name: dict(HOST, **hosts.get(name, {})) for name in ("web1", "web2")}}}
    (tmp_path / "inventory.json").write_text(json.dumps(inventory))
    returncode, report = ansible_json(["ansible-playbook", "-i", str(tmp_path / "inventory.json"), "--check",
                                       *args, "fleetaudit.auditd.site"])
    batches = [sorted({host for task in play["tasks"] for host in task["hosts"]})
               for play in report["plays"] if play["play"]["name"] == "Put auditd under control"]
    return returncode, batches, report


def test_hosts_that_may_be_rebooted_are_configured_a_quarter_at_a_time(tmp_path):
    returncode, batches, report = site(tmp_path, {"auditd_reboot_policy": "allowed"})
    assert returncode == 0, json.dumps(report)[-4000:]
    assert batches == [["web1"], ["web2"]]


def test_reboot_allowed_on_one_host_is_enough_to_roll(tmp_path):
    returncode, batches, report = site(tmp_path, {}, web2={"auditd_reboot_policy": "allowed"})
    assert returncode == 0, json.dumps(report)[-4000:]
    assert batches == [["web1"], ["web2"]]


@pytest.mark.parametrize("group_vars,args", [
    ({}, []),  # auditd_reboot_policy: never, the role's default
    ({"auditd_reboot_policy": "allowed"}, ["-e", "fleetaudit_serial=2"]),
])
def test_one_batch_when_no_host_is_rebooted_or_when_asked(tmp_path, group_vars, args):
    returncode, batches, report = site(tmp_path, group_vars, *args)
    assert returncode == 0, json.dumps(report)[-4000:]
    assert batches == [["web1", "web2"]]


def test_a_failed_batch_stops_the_roll(tmp_path):
    returncode, batches, report = site(tmp_path, {"auditd_reboot_policy": "allowed"},
                                       web1={"ansible_python_interpreter": "/nonexistent/python3"})
    assert returncode == 2, json.dumps(report)[-4000:]
    assert batches == [["web1"]]
    # Without the roll, a failed host does not stop the others.
    returncode, batches, report = site(tmp_path, {"auditd_reboot_policy": "never"},
                                       web1={"ansible_python_interpreter": "/nonexistent/python3"})
    assert returncode == 2 and batches == [["web1", "web2"]]
    assert report["stats"]["web2"]["failures"] == 0
