"""Central collection end to end: a client (a qemu VM, or this machine; configured by the auditd
role) ships to a collector container (the collector role) reached through 127.0.0.1 only; the
events are found there under the client's node name, gathered per node, and proven by the
compliance probe; then the plugin is disabled, nothing more arrives and the probe fails.
The tests run in order and share the client and the collector."""

import json
import os
import time
import uuid

import pytest

from conftest import module_on, playbook, write_inventory

WAIT_SECONDS = 30

COLLECTOR_PLAY = """
- name: Make the container a collector
  hosts: collectors
  gather_facts: false
  roles:
    - role: fleetaudit.auditd.collector
      vars:
        collector_local_events: false
        collector_priority_boost: 0
        # Every client arrives from the forwarder's address.
        collector_max_per_addr: 8
"""

CLIENT_PLAY = """
- name: Make this machine a client of the collector
  hosts: clients
  gather_facts: false
  roles:
    - role: fleetaudit.auditd.auditd
      vars:
        auditd_rule_bundles: [base]
        auditd_remote_enabled: %s
        auditd_remote_server: %s
        auditd_remote_port: %d
"""


@pytest.fixture(scope="module")
def inventory(tmp_path_factory, collector, client):
    path = write_inventory(tmp_path_factory.mktemp("inventory") / "hosts.ini", client, collector)
    play = tmp_path_factory.mktemp("plays") / "collector.yml"
    play.write_text(COLLECTOR_PLAY)
    rc, tasks, report = playbook(path, play)
    assert rc == 0, json.dumps(report)[-3000:]
    return path


def configure_client(inventory, client, tmp_path, enabled):
    play = tmp_path / "client.yml"
    play.write_text(CLIENT_PLAY % (str(enabled).lower(), client.server, client.port))
    rc, tasks, report = playbook(inventory, play)
    assert rc == 0, json.dumps(report)[-3000:]
    return tasks


def probe(client):
    """A user message with a unique token in the client's audit trail; the token."""
    token = "fleetaudit-probe-" + uuid.uuid4().hex[:12]
    done = client.run("auditctl", "-m", token)
    assert done.returncode == 0, done.stderr
    return token


def on_collector(inventory, token, node, wait=WAIT_SECONDS):
    """The collector's events of `node` that hold the token, waiting up to `wait` seconds."""
    deadline = time.monotonic() + wait
    while True:
        result = module_on(inventory, "fa-collect-lane", "ausearch",
                           {"node": node, "message_types": ["USER"], "start": "recent", "max_events": 0})
        assert not result.get("failed"), result
        found = [event for event in result["events"]
                 if any(record["fields"].get("text") == token for record in event["records"])]
        if found or time.monotonic() >= deadline:
            return found
        time.sleep(2)


def test_client_ships_events_that_the_collector_keeps_under_its_node(inventory, client, tmp_path):
    tasks = configure_client(inventory, client, tmp_path, True)
    assert tasks["Write the dispatcher plugin files"][client.name]["changed"] is True
    assert [r["rc"] for r in tasks["Verify that the active plugins run"][client.name]["results"]] == [0]
    assert "active = yes\n" in client.run("cat", "/etc/audit/plugins.d/au-remote.conf").stdout
    token = probe(client)
    found = on_collector(inventory, token, client.node)
    assert len(found) == 1, "the probe %s did not reach the collector under node %s" % (token, client.node)
    assert found[0]["node"] == client.node
    # The node criterion is exact: another name finds nothing of the client's.
    assert on_collector(inventory, token, client.node + "x", wait=0) == []


GATHER_PLAY = """
- name: Gather from the collector
  hosts: clients
  gather_facts: false
  roles:
    - role: fleetaudit.auditd.gather
      vars:
        gather_from: collectors
        gather_collectors: [fa-collect-lane]
        gather_message_types: [USER]
        gather_start: recent
        gather_reports: [summary]
        gather_report_dir: %s
"""

COMPLIANCE_PLAY = """
- name: Check compliance, with the delivery probe
  hosts: clients
  gather_facts: false
  roles:
    - role: fleetaudit.auditd.compliance
      vars:
        auditd_rule_bundles: [base]
        compliance_remote_logging: true
        compliance_collector: fa-collect-lane
        compliance_remote_logging_within: 60
        compliance_report_dir: %s
        compliance_fail_on_noncompliant: false
"""


def remote_logging_check(inventory, client, tmp_path):
    """The client's remote_logging verdict in the compliance run's fleet.json."""
    play = tmp_path / "compliance.yml"
    play.write_text(COMPLIANCE_PLAY % (tmp_path / "reports"))
    rc, tasks, report = playbook(inventory, play)
    assert rc == 0, json.dumps(report)[-3000:]
    run_dir = tasks["Write the fleet report on the controller"][client.name]["run_dir"]
    with open(os.path.join(run_dir, "fleet.json")) as handle:
        fleet = json.load(handle)
    [host] = fleet["hosts"]
    return host["checks"]["remote_logging"]


def test_gather_from_the_collector_writes_the_clients_events_under_its_node(inventory, client, tmp_path):
    token = probe(client)
    assert on_collector(inventory, token, client.node)
    play = tmp_path / "gather.yml"
    play.write_text(GATHER_PLAY % (tmp_path / "reports"))
    rc, tasks, report = playbook(inventory, play)
    assert rc == 0, json.dumps(report)[-3000:]
    latest = tmp_path / "reports" / "latest"
    events = [json.loads(line) for line in (latest / client.node / "events.jsonl").read_text().splitlines()]
    assert any(record["fields"].get("text") == token for event in events for record in event["records"])
    assert {event["node"] for event in events} == {client.node}
    summary = json.loads((latest / "gather.json").read_text())
    assert summary["hosts"][client.node]["collector"] == "fa-collect-lane"
    cmd = json.loads((latest / client.node / "aureport-summary.json").read_text())["cmd"]
    assert cmd[cmd.index("--node") + 1] == client.node


def test_compliance_probe_passes_when_the_events_arrive(inventory, client, tmp_path):
    check = remote_logging_check(inventory, client, tmp_path)
    # On failure, say whether the probe arrived at all (later, or under another node name).
    assert check["status"] == "pass", (check, on_collector(inventory, check["evidence"]["token"], client.node, wait=0))
    assert check["evidence"]["node"] == client.node


def test_a_second_run_changes_nothing(inventory, client, tmp_path):
    pid = client.run("pgrep", "-x", "auditd").stdout
    tasks = configure_client(inventory, client, tmp_path, True)
    assert tasks["Write the dispatcher plugin files"][client.name]["changed"] is False
    assert client.run("pgrep", "-x", "auditd").stdout == pid


def test_disabled_plugin_ships_nothing(inventory, client, tmp_path):
    configure_client(inventory, client, tmp_path, False)
    assert "active = no\n" in client.run("cat", "/etc/audit/plugins.d/au-remote.conf").stdout
    assert client.run("pgrep", "-x", "audisp-remote").returncode == 1
    token = probe(client)
    assert on_collector(inventory, token, client.node, wait=10) == []
    check = remote_logging_check(inventory, client, tmp_path)
    assert check["status"] == "fail", check
    assert check["message"].startswith("probe fleetaudit-probe-") and "not found on collector fa-collect-lane" in check["message"]
