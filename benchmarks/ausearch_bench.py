#!/usr/bin/env python
"""Speed and memory of the ausearch module's host-side search, against the real ausearch, measured
in one run on the same generated log (ratios, never absolute thresholds).

    benchmarks/ausearch_bench.py [--log PATH] [--events 250000] [--repeat 3] [--reference DIR]

Three searches: a key (`-k KEY`, 5% of the events), a message type (`-m EXECVE`, 12%) and a time
window (`-ts`/`-te`, 5%, in the middle of the log). For each, best of --repeat rounds (each round
runs the three contenders in turn, so that a change in the machine's load hits them alike):
- `ausearch -if LOG ... --raw` and `ausearch -if LOG ... -i`, and the module's search (a fresh
  /usr/bin/python3 process that imports the collection's module_utils, finds, parses, filters,
  redacts, encodes the events as JSON and compresses them: everything the module does on the host
  but Ansible's own start-up and result transfer), as wall time and as CPU time (user + system,
  less sensitive to other work on a shared machine); the ratios `module / ausearch --raw`
  (target <= 1.5) and `module / ausearch -i` (target <= 1);
- the module process's peak memory (target < 64 MB);
- whether the module found the same events as ausearch (serials);
- with --reference DIR (the collections directory of another checkout, say the main branch's), whether
  this checkout's search gives byte for byte the same events and cursor as that one;
then, for the key search:
- an incremental search with no new events (target < 50 ms);
- bytes sent to the controller for the matching events, compressed, against their JSON size;
- with --phases, where the module's CPU time goes: find and gather the lines, parse the records,
  filter, redact, encode as JSON, compress (each phase over all events in turn, best of --repeat);
- with --floor, a lower bound for any design that keeps redaction exact on the host: find and
  gather the lines, take each record's free text (the fields redaction reads), screen it, and
  compress the raw lines (as if the controller parsed them); the redaction of the events the screen
  flags is left out. Its ratio to `ausearch --raw` (CPU time) shows how close the targets can come.
"""

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import generate_audit_log  # noqa: E402  pylint: disable=wrong-import-position

# Where `ansible_collections/fleetaudit/auditd` resolves to this checkout (scripts/env.sh sets it).
COLLECTIONS = os.environ.get("ANSIBLE_COLLECTIONS_PATH", "").split(os.pathsep)[0] \
    or os.path.normpath(os.path.join(HERE, "..", "..", "..", ".."))
HOST_PYTHON = "/usr/bin/python3"
KEY = "bench-docker"

# Runs on the "host": the module's own search code, timed and measured in its own process.
DRIVER = r"""
import base64, gzip, hashlib, json, sys, time
t0 = time.perf_counter()
from ansible_collections.fleetaudit.auditd.plugins.module_utils.cursor import load_cursor, save_cursor
from ansible_collections.fleetaudit.auditd.plugins.module_utils.event_filter import EventFilter
from ansible_collections.fleetaudit.auditd.plugins.module_utils.event_transport import decode_events
from ansible_collections.fleetaudit.auditd.plugins.module_utils.log_search import search
from ansible_collections.fleetaudit.auditd.plugins.module_utils.log_set import log_set
from ansible_collections.fleetaudit.auditd.plugins.module_utils.redaction import DEFAULT_REDACT_PATTERNS, Redactor
log, criteria, cursor_file = sys.argv[1:4]
t1 = time.perf_counter()
cursor = load_cursor(cursor_file) if cursor_file != "-" else None
result = search(log_set(log), EventFilter(**json.loads(criteria)), Redactor(DEFAULT_REDACT_PATTERNS), cursor=cursor,
                max_events=0)
t2 = time.perf_counter()
if cursor_file != "-":
    save_cursor(cursor_file, result["cursor"])
# This process's own peak (VmHWM): ru_maxrss would also hold the benchmark's RSS at the fork, which
# Linux carries over the exec (the benchmark holds ausearch's output of the previous search).
with open("/proc/self/status") as status:
    peak_kb = int(next(line for line in status if line.startswith("VmHWM:")).split()[1])
serials = sorted(e["serial"] for e in decode_events(result["events_gz"])) if len(sys.argv) > 4 else []
# What another checkout must give byte for byte: the events as sent, and the cursor.
output = gzip.decompress(base64.b64decode(result["events_gz"])) + json.dumps(result["cursor"], sort_keys=True).encode()
print(json.dumps({"search_s": t2 - t1, "import_s": t1 - t0, "count": result["count"], "peak_kb": peak_kb,
                  "transfer_bytes": result["transfer_bytes"], "events_bytes": result["events_bytes"],
                  "scanned_bytes": result["scanned_bytes"], "serials": serials,
                  "output_sha256": hashlib.sha256(output).hexdigest()}))
"""

# The module's search cut into its phases, each timed over all matching events before the next.
PHASES = r"""
import os, sys, time, zlib
from ansible_collections.fleetaudit.auditd.plugins.module_utils import event_json, event_filter, redaction, scan
log, key, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3])
event_filter = event_filter.EventFilter(keys=[key])
redactor = redaction.Redactor(redaction.DEFAULT_REDACT_PATTERNS)
best = {}
for attempt in range(repeat):
    fd = os.open(log, os.O_RDONLY)
    times = [time.process_time()]
    raws = list(scan.scan_matching(fd, 0, os.fstat(fd).st_size, scan.needles_for(event_filter)))
    times.append(time.process_time())
    events = [raw.records() for raw in raws]
    times.append(time.process_time())
    events = [records for records in events if event_filter.matches(records)]
    times.append(time.process_time())
    for records in events:
        redactor.event(records)
    times.append(time.process_time())
    texts = [event_json.event_json(records)[0] for records in events]
    times.append(time.process_time())
    compressor = zlib.compressobj(1, zlib.DEFLATED, 31)
    for text in texts:
        compressor.compress((text + "\n").encode())
    compressor.flush()
    times.append(time.process_time())
    os.close(fd)
    names = ("find and gather lines", "parse records", "filter", "redact", "encode JSON", "compress")
    for name, start, end in zip(names, times, times[1:]):
        best[name] = min(best.get(name, end - start), end - start)
for name, seconds in best.items():
    print("  %-24s %6.3f s" % (name, seconds))
print("  %-24s %6.3f s  (%d events, %d records)" % ("sum", sum(best.values()), len(events),
                                                      sum(map(len, events))))
"""

# The floor (see --floor): the least host-side work of an exact redaction, best CPU time of --repeat.
FLOOR = r"""
import json, os, sys, time, zlib
from ansible_collections.fleetaudit.auditd.plugins.module_utils import event_filter, records, redaction, scan
log, key, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3])
event_filter = event_filter.EventFilter(keys=[key])
redactor = redaction.Redactor(redaction.DEFAULT_REDACT_PATTERNS)
best = None
for attempt in range(repeat):
    start = time.process_time()
    fd = os.open(log, os.O_RDONLY)
    compressor, flagged = zlib.compressobj(1, zlib.DEFLATED, 31), 0
    for raw in scan.scan_matching(fd, 0, os.fstat(fd).st_size, scan.needles_for(event_filter)):
        raw.lines.sort()
        stamp = " msg=audit(%s): " % raw.token.decode()
        texts = []
        for _offset, line in raw.lines:
            node, record_type, rest = records._split_header(line.decode("utf-8", "backslashreplace"), stamp)
            fields = {}
            records._parse_fields(rest.partition(records.ENRICHED_SEPARATOR)[0], record_type, fields)
            texts.extend(fields[name] for name in redaction._free_text_names(record_type, fields))
        flagged += redactor._screen(texts)
        compressor.compress(b"\n".join(line for _offset, line in raw.lines) + b"\n\n")
    compressor.flush()
    os.close(fd)
    best = min(best or 1e9, time.process_time() - start)
print(json.dumps({"floor_cpu": best, "flagged": flagged}))
"""


def _children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(cmd, **kwargs):
    """(wall seconds, CPU seconds, completed process) of one run of cmd."""
    start, cpu = time.perf_counter(), _children_cpu()
    proc = subprocess.run(cmd, check=False, **kwargs)
    return time.perf_counter() - start, _children_cpu() - cpu, proc


def module_search(log, criteria, cursor_file="-", with_serials=False, collections=COLLECTIONS):
    cmd = [HOST_PYTHON, "-c", DRIVER, log, json.dumps(criteria), cursor_file] + (["serials"] if with_serials else [])
    seconds, cpu, proc = timed(cmd, capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=collections))
    if proc.returncode != 0:
        raise SystemExit("module search failed:\n" + proc.stderr)
    return seconds, cpu, json.loads(proc.stdout)


def ausearch_serials(log, options):
    """Serials of the events ausearch finds, less the rule changes that its -k adds."""
    proc = subprocess.run(["ausearch", "-if", log] + options + ["--raw"], capture_output=True, text=True,
                          check=False, env=dict(os.environ, LC_ALL="C"))
    serials, rule_changes = set(), set()
    for line in proc.stdout.split("\n"):
        match = re.search(r"msg=audit\(\d+\.\d+:(\d+)\)", line)
        if match:
            serials.add(int(match.group(1)))
            if line.startswith("type=CONFIG_CHANGE") and "-k" in options:
                rule_changes.add(int(match.group(1)))
    return sorted(serials - rule_changes)


def searches():
    """(name, ausearch options, the module's criteria) of each search measured. ausearch reads -ts/-te
    in the C locale's %x %X, and its -te takes in the whole of its second."""
    start = generate_audit_log.START + 6000
    end = start + 625

    def local(when):
        return time.strftime("%x %X", time.localtime(when)).split()
    return [
        ("-k %s" % KEY, ["-k", KEY], {"keys": [KEY]}),
        ("-m EXECVE", ["-m", "EXECVE"], {"message_types": ["EXECVE"]}),
        ("-ts/-te (625 s)", ["-ts"] + local(start) + ["-te"] + local(end), {"start": start, "end": end + 0.999}),
    ]


def measure(log, options, criteria, repeat):
    """Best wall and CPU seconds of ausearch --raw, ausearch -i and the module, the module's result and
    its peak memory."""
    env = dict(os.environ, LC_ALL="C")
    devnull = subprocess.DEVNULL
    rounds = {"raw": [], "interpreted": [], "module": []}
    for attempt in range(repeat):
        rounds["raw"].append(timed(["ausearch", "-if", log] + options + ["--raw"], stdout=devnull,
                                   stderr=devnull, env=env)[:2])
        rounds["interpreted"].append(timed(["ausearch", "-if", log] + options + ["-i"], stdout=devnull,
                                           stderr=devnull, env=env)[:2])
        rounds["module"].append(module_search(log, criteria))
    best = {name: (min(run[0] for run in runs), min(run[1] for run in runs)) for name, runs in rounds.items()}
    module = min(rounds["module"], key=lambda run: run[0])[2]
    peak_mb = max(run[2]["peak_kb"] for run in rounds["module"]) / 1024.0
    return best, module, peak_mb


def report(name, options, criteria, log, best, module, peak_mb, reference):
    (raw_s, raw_cpu), (interp_s, interp_cpu), (module_s, module_cpu) = best["raw"], best["interpreted"], best["module"]
    found = module_search(log, criteria, with_serials=True)[2]
    ours = found["serials"]
    theirs = ausearch_serials(log, options)
    print("search %s: module %d events, ausearch %d, same serials: %s" % (name, len(ours), len(theirs), ours == theirs))
    same = ours == theirs
    if reference:
        identical = module_search(log, criteria, collections=reference)[2]["output_sha256"] == found["output_sha256"]
        print("  events and cursor byte for byte as %s's: %s" % (reference, identical))
        same = same and identical
    print("                           wall time   CPU time")
    print("  ausearch --raw           %7.3f s   %7.3f s" % (raw_s, raw_cpu))
    print("  ausearch -i              %7.3f s   %7.3f s" % (interp_s, interp_cpu))
    print("  module search (process)  %7.3f s   %7.3f s  (in-process: search %.3f s, imports %.3f s)"
          % (module_s, module_cpu, module["search_s"], module["import_s"]))
    print("  module / ausearch --raw    %5.2f       %5.2f   (target <= 1.5)" % (module_s / raw_s, module_cpu / raw_cpu))
    print("  module / ausearch -i       %5.2f       %5.2f   (target <= 1)" % (module_s / interp_s, module_cpu / interp_cpu))
    print("  peak memory              %7.1f MB (target < 64 MB)" % peak_mb)
    return same


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--log", help="generated log to use (made, and kept, when missing)")
    parser.add_argument("--events", type=int, default=250000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--phases", action="store_true", help="also print the CPU time of each phase")
    parser.add_argument("--reference", help="collections directory of another checkout whose search must give "
                        "the same events and cursor byte for byte")
    parser.add_argument("--floor", action="store_true",
                        help="also print the least host-side work of an exact redaction (see above)")
    args = parser.parse_args()
    log = args.log or os.path.join(tempfile.gettempdir(), "fleetaudit-bench-%d.log" % args.events)
    if not os.path.exists(log):
        matching = generate_audit_log.generate(log, args.events, KEY, 0.05)
        print("generated %s: %d events, %d with key %s" % (log, args.events, matching, KEY))
    size = os.path.getsize(log)
    # Warm the page cache so that every contender reads from memory.
    timed(["cat", log], stdout=subprocess.DEVNULL)
    print("log: %s, %.0f MB, %d events; load average %.1f (other work on the machine)"
          % (log, size / 1e6, args.events, os.getloadavg()[0]))
    agree = True
    for name, options, criteria in searches():
        best, module, peak_mb = measure(log, options, criteria, args.repeat)
        agree = report(name, options, criteria, log, best, module, peak_mb, args.reference) and agree
        if name.startswith("-k"):
            key_module, key_best = module, best
    print("  to the controller        %7.0f kB compressed, %.0f kB as JSON Lines (%.1fx smaller)"
          % (key_module["transfer_bytes"] / 1e3, key_module["events_bytes"] / 1e3,
             key_module["events_bytes"] / float(key_module["transfer_bytes"])))
    with tempfile.TemporaryDirectory() as state:
        cursor = os.path.join(state, "cursor.json")
        module_search(log, {"keys": [KEY]}, cursor)  # first incremental run: everything
        idle = [module_search(log, {"keys": [KEY]}, cursor)[2] for attempt in range(args.repeat)]
    assert all(run["count"] == 0 for run in idle), "an incremental run with no new events returned events"
    print("  incremental, no new events %5.1f ms (target < 50 ms)" % (min(run["search_s"] for run in idle) * 1000))
    if args.phases:
        print("module search phases (CPU time, in-process):")
        sys.stdout.flush()
        subprocess.run([HOST_PYTHON, "-c", PHASES, log, KEY, str(args.repeat)], check=True,
                       env=dict(os.environ, PYTHONPATH=COLLECTIONS))
    if args.floor:
        proc = subprocess.run([HOST_PYTHON, "-c", FLOOR, log, KEY, str(args.repeat)], check=True,
                              capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=COLLECTIONS))
        floor = json.loads(proc.stdout)
        print("floor of an exact redaction %7.3f s CPU  (%d events flagged, not redacted here)"
              % (floor["floor_cpu"], floor["flagged"]))
        print("ratio floor / ausearch -k --raw          %5.2f   (target <= 1.5)" % (floor["floor_cpu"] / key_best["raw"][1]))
        print("ratio floor / ausearch -k -i             %5.2f   (target <= 1)" % (floor["floor_cpu"] / key_best["interpreted"][1]))
    print("load average at the end %.1f" % os.getloadavg()[0])
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
