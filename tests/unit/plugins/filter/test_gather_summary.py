from ansible_collections.fleetaudit.auditd.plugins.filter.gather_summary import gather_summary

RUN = {"run": "gather-1", "run_dir": "/r/gather-1", "name": "events", "keys": ["docker", "identity"]}


def search(count, files=("/var/log/audit/audit.log",), **extra):
    return dict({"count": count, "count_by_key": {"docker": count}, "files": list(files), "truncated": False,
                 "scanned_bytes": 100, "transfer_bytes": 10, "unloaded_keys": [],
                 "dest_files": ["/r/gather-1/web1/events.jsonl"]}, **extra)


def test_each_host_with_its_counts_files_and_reports():
    summary = gather_summary({"web1": search(3)}, ["web1"], host_reports={"web1": {"results": [{"item": "key"}]}}, **RUN)
    assert summary == {"run": "gather-1", "name": "events", "keys": ["docker", "identity"], "hosts": {"web1": {
        "status": "ok", "count": 3, "by_key": {"docker": 3}, "truncated": False, "scanned_bytes": 100,
        "transfer_bytes": 10, "unloaded_keys": [],
        "files": ["/r/gather-1/web1/events.jsonl", "/r/gather-1/web1/aureport-key.json"]}}}


def test_a_host_out_of_the_play_or_without_a_search_failed():
    summary = gather_summary({"web1": search(3), "web2": {}, "db1": search(1)}, ["web2", "db1"], **RUN)
    assert {host: found["status"] for host, found in summary["hosts"].items()} == {
        "web1": "failed", "web2": "failed", "db1": "ok"}
    assert summary["hosts"]["web2"]["count"] == 0 and summary["hosts"]["web2"]["files"] == []


def test_a_host_without_an_audit_log():
    summary = gather_summary({"web1": search(0, files=())}, ["web1"], **RUN)
    assert summary["hosts"]["web1"]["status"] == "no-audit-log"


def test_collectors_give_one_entry_per_node_with_its_collector_and_reports():
    collected = {"results": [{"truncated": True, "scanned_bytes": 7, "transfer_bytes": 3, "nodes": {
        "web1": {"collector": "c1", "count": 2, "by_key": {"docker": 2}, "dest_file": "/r/gather-1/web1/events.jsonl",
                 "csv_file": "/r/gather-1/web1/events.csv"},
        "web2": {"collector": "c1", "count": 1, "by_key": {"docker": 1}, "dest_file": "/r/gather-1/web2/events.jsonl"},
    }}]}
    node_reports = {"results": [{"item": [{"key": "web2", "value": {"collector": "c1"}}, "login"]}]}
    summary = gather_summary({}, ["c1"], collected=collected, node_reports=node_reports, **RUN)
    assert summary["hosts"] == {
        "web1": {"status": "ok", "collector": "c1", "count": 2, "by_key": {"docker": 2}, "truncated": True,
                 "scanned_bytes": 7, "transfer_bytes": 3,
                 "files": ["/r/gather-1/web1/events.jsonl", "/r/gather-1/web1/events.csv"]},
        "web2": {"status": "ok", "collector": "c1", "count": 1, "by_key": {"docker": 1}, "truncated": True,
                 "scanned_bytes": 7, "transfer_bytes": 3,
                 "files": ["/r/gather-1/web2/events.jsonl", "/r/gather-1/web2/aureport-login.json"]},
    }
