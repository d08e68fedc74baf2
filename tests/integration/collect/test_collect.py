"""Central collection end to end: clients (qemu VMs booting Debian 12 and Debian 13, or this
machine; configured by the auditd role) ship to a collector container (the collector role) reached
through 127.0.0.1 only; each client's events are found there under its own node name, gathered per
node, and proven by the compliance probe; a collector that refuses the clients, and clients sending
to the wrong port, fail the probe; then the plugin is disabled, nothing more arrives and the probe
fails. The tests run in order and share the clients and the collector."""

import json
import os
import time
import uuid

import pytest

from conftest import module_on, playbook, write_inventory

WAIT_SECONDS = 30
# The probe's bound where it must fail: it only has to be long enough for a probe that would arrive.
FAIL_WITHIN = 20

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
        collector_client_ports: "%s"
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


def configure_collector(inventory, tmp_path, client_ports=""):
    play = tmp_path / "collector.yml"
    play.write_text(COLLECTOR_PLAY % client_ports)
    rc, tasks, report = playbook(inventory, play)
    assert rc == 0, json.dumps(report)[-3000:]
    return tasks


@pytest.fixture(scope="module")
def inventory(tmp_path_factory, collector, clients):
    path = write_inventory(tmp_path_factory.mktemp("inventory") / "hosts.ini", clients, collector)
    configure_collector(path, tmp_path_factory.mktemp("plays"))
    return path


def configure_clients(inventory, clients, tmp_path, enabled, port=None, must_succeed=True):
    """Runs the auditd role on every client; they all reach the collector the same way."""
    [(server, usual_port)] = {(client.server, client.port) for client in clients}
    play = tmp_path / "client.yml"
    play.write_text(CLIENT_PLAY % (str(enabled).lower(), server, usual_port if port is None else port))
    rc, tasks, report = playbook(inventory, play)
    assert rc == 0 or not must_succeed, json.dumps(report)[-3000:]
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


def test_clients_ship_events_that_the_collector_keeps_under_their_nodes(inventory, clients, tmp_path):
    tasks = configure_clients(inventory, clients, tmp_path, True)
    tokens = {}
    for client in clients:
        assert tasks["Write the dispatcher plugin files"][client.name]["changed"] is True
        assert [r["rc"] for r in tasks["Verify that the active plugins run"][client.name]["results"]] == [0]
        assert "active = yes\n" in client.run("cat", "/etc/audit/plugins.d/au-remote.conf").stdout
        tokens[client.node] = probe(client)
    for node, token in tokens.items():
        found = on_collector(inventory, token, node)
        assert len(found) == 1, "the probe %s did not reach the collector under node %s" % (token, node)
        assert found[0]["node"] == node
        # The node criterion is exact: another name, or another client's, finds nothing of this client's.
        for other in [node + "x"] + [name for name in tokens if name != node]:
            assert on_collector(inventory, token, other, wait=0) == []


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
        compliance_remote_logging_within: %d
        compliance_report_dir: %s
        compliance_fail_on_noncompliant: false
"""


def remote_logging_checks(inventory, clients, tmp_path, within=60):
    """Each client's remote_logging verdict in the compliance run's fleet.json, by node."""
    play = tmp_path / "compliance.yml"
    play.write_text(COMPLIANCE_PLAY % (within, tmp_path / "reports"))
    rc, tasks, report = playbook(inventory, play)
    assert rc == 0, json.dumps(report)[-3000:]
    run_dir = tasks["Write the fleet report on the controller"][clients[0].name]["run_dir"]
    with open(os.path.join(run_dir, "fleet.json")) as handle:
        fleet = json.load(handle)
    assert len(fleet["hosts"]) == len(clients)
    checks = {host["checks"]["remote_logging"]["evidence"]["node"]: host["checks"]["remote_logging"]
              for host in fleet["hosts"]}
    assert sorted(checks) == sorted(client.node for client in clients), checks
    return checks


def test_gather_from_the_collector_writes_each_clients_events_under_its_node(inventory, clients, tmp_path):
    tokens = {client.node: probe(client) for client in clients}
    for node, token in tokens.items():
        assert on_collector(inventory, token, node)
    play = tmp_path / "gather.yml"
    play.write_text(GATHER_PLAY % (tmp_path / "reports"))
    rc, tasks, report = playbook(inventory, play)
    assert rc == 0, json.dumps(report)[-3000:]
    latest = tmp_path / "reports" / "latest-gather"
    summary = json.loads((latest / "gather.json").read_text())
    for node, token in tokens.items():
        events = [json.loads(line) for line in (latest / node / "events.jsonl").read_text().splitlines()]
        texts = {record["fields"].get("text") for event in events for record in event["records"]}
        assert token in texts
        assert texts.isdisjoint(other for name, other in tokens.items() if name != node)
        assert {event["node"] for event in events} == {node}
        assert summary["hosts"][node]["collector"] == "fa-collect-lane"
        cmd = json.loads((latest / node / "aureport-summary.json").read_text())["cmd"]
        assert cmd[cmd.index("--node") + 1] == node


def test_compliance_probe_passes_when_the_events_arrive(inventory, clients, tmp_path):
    for node, check in remote_logging_checks(inventory, clients, tmp_path).items():
        # On failure, say whether the probe arrived at all (later, or under another node name).
        assert check["status"] == "pass", (check, on_collector(inventory, check["evidence"]["token"], node, wait=0))


def test_a_second_run_changes_nothing(inventory, clients, tmp_path):
    pids = [client.run("pgrep", "-x", "auditd").stdout for client in clients]
    tasks = configure_clients(inventory, clients, tmp_path, True)
    for client, pid in zip(clients, pids):
        assert tasks["Write the dispatcher plugin files"][client.name]["changed"] is False
        assert client.run("pgrep", "-x", "auditd").stdout == pid


def assert_probe_fails(inventory, clients, tmp_path):
    for node, check in remote_logging_checks(inventory, clients, tmp_path, within=FAIL_WITHIN).items():
        assert check["status"] == "fail", check
        assert check["message"].startswith("probe fleetaudit-probe-"), check
        assert "not found on collector fa-collect-lane under node %s within %d s" % (node, FAIL_WITHIN) \
            in check["message"], check


def test_a_collector_that_refuses_the_clients_fails_the_probe(inventory, clients, tmp_path):
    # tcp_client_ports mismatch: the collector takes privileged source ports only, and every client
    # arrives from the forwarder's unprivileged ones. Its restart drops the clients' connections.
    configure_collector(inventory, tmp_path, client_ports="1-1023")
    try:
        assert_probe_fails(inventory, clients, tmp_path)
    finally:
        configure_collector(inventory, tmp_path)


def test_clients_sending_to_the_wrong_port_fail_the_probe(inventory, clients, tmp_path):
    # Nothing listens there; whether audisp-remote keeps running then is audit's business.
    configure_clients(inventory, clients, tmp_path, True, port=clients[0].port + 1, must_succeed=False)
    assert_probe_fails(inventory, clients, tmp_path)


def test_disabled_plugin_ships_nothing(inventory, clients, tmp_path):
    configure_clients(inventory, clients, tmp_path, False)
    tokens = {}
    for client in clients:
        assert "active = no\n" in client.run("cat", "/etc/audit/plugins.d/au-remote.conf").stdout
        assert client.run("pgrep", "-x", "audisp-remote").returncode == 1
        tokens[client.node] = probe(client)
    for node, token in tokens.items():
        assert on_collector(inventory, token, node, wait=10) == []
    assert_probe_fails(inventory, clients, tmp_path)
