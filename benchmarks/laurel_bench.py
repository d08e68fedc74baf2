#!/usr/bin/env python
"""What laurel costs, on the ausearch benchmark's generated log, measured in one run (ratios,
never absolute thresholds).

    benchmarks/laurel_bench.py [--log PATH] [--events 250000] [--repeat 3] [--laurel PATH]

Prints, best of --repeat rounds:
- on the host, all the time: laurel turning the whole log into its JSON log, fed the log's lines as
  auditd feeds its plugins (CPU time per event), against `ausearch -if LOG --raw -k KEY` over the
  same log, the gather's own yardstick (ratio `laurel / ausearch --raw`);
- at gather time: the module's search of the benchmark key without and with `containers: true`
  (a fresh /usr/bin/python3 process each: find, parse, redact, encode, compress; with containers,
  laurel's log read first and each returned event joined by its id before it is encoded), and the
  ratio `with / without`. One event in twenty of the
  key is marked as run in a container in laurel's output (the generated events' processes are
  gone, so laurel itself finds none); `docker inspect`, run once per search, is not counted.

laurel is the one in PATH, or --laurel (for example from `apt-get download laurel` and
`dpkg -x laurel_*.deb DIR`: DIR/usr/sbin/laurel), so that the machine's auditd is left alone.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import generate_audit_log  # noqa: E402  pylint: disable=wrong-import-position
from ausearch_bench import COLLECTIONS, HOST_PYTHON, KEY, timed  # noqa: E402  pylint: disable=wrong-import-position

CONTAINER_ID = "4f1c2b9c8f0e6a7d3b5c1e2f9a8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d"
LAUREL_CONFIG = """directory = "%s"
statusreport-period = 0
[auditlog]
file = "audit.log"
size = 100000000000
generations = 1
[transform]
execve-argv = [ "array" ]
[translate]
universal = false
user-db = false
[enrich]
pid = true
execve-env = []
container = true
script = true
"""

# The module's search, and with containers: true its attribution, in one host-side process.
DRIVER = r"""
import json, sys, time
from ansible_collections.fleetaudit.auditd.plugins.module_utils.event_filter import EventFilter
from ansible_collections.fleetaudit.auditd.plugins.module_utils.log_search import search
from ansible_collections.fleetaudit.auditd.plugins.module_utils.log_set import log_set
from ansible_collections.fleetaudit.auditd.plugins.module_utils.redaction import DEFAULT_REDACT_PATTERNS, Redactor
from ansible_collections.fleetaudit.auditd.plugins.module_utils.container_attribution import container_annotator
log, key, laurel_log = sys.argv[1:4]


class Host:
    # No docker here: attribution reads laurel's log and joins; docker inspect is not counted.
    def get_bin_path(self, name):
        return None

    def warn(self, text):
        pass


redactor = Redactor(DEFAULT_REDACT_PATTERNS)
annotate = container_annotator(Host(), laurel_log, redactor) if laurel_log != "-" else None
result = search(log_set(log), EventFilter(keys=[key]), redactor, max_events=0, annotate=annotate)
print(json.dumps({"count": result["count"], "transfer_bytes": result["transfer_bytes"]}))
"""


def find_laurel(path):
    laurel = path or shutil.which("laurel")
    if not laurel or not os.access(laurel, os.X_OK):
        raise SystemExit("no laurel: install Debian's laurel, or pass --laurel PATH (apt-get download laurel; "
                         "dpkg -x laurel_*.deb DIR; DIR/usr/sbin/laurel)")
    return laurel


def run_laurel(laurel, log, out_dir):
    """(wall s, CPU s) of laurel turning the log into out_dir/audit.log."""
    shutil.rmtree(out_dir, ignore_errors=True)
    os.makedirs(out_dir)
    config = os.path.join(out_dir, "config.toml")
    with open(config, "w") as handle:
        handle.write(LAUREL_CONFIG % out_dir)
    with open(log, "rb") as stdin:
        seconds, cpu, proc = timed([laurel, "--config", config], stdin=stdin, stderr=subprocess.PIPE)
    if proc.returncode != 0:
        raise SystemExit("laurel failed: %s" % proc.stderr.decode(errors="replace"))
    return seconds, cpu


def mark_containers(laurel_log):
    """Marks one event of the key in twenty as run in a container, as laurel does (CONTAINER_INFO)."""
    marked = 0
    with open(laurel_log) as handle, open(laurel_log + ".new", "w") as out:
        for line in handle:
            if '"key":"%s"' % KEY in line:
                marked += 1
                if marked % 20 == 0:
                    line = line.rstrip("\n")[:-1] + ',"CONTAINER_INFO":{"ID":"%s"}}\n' % CONTAINER_ID
            out.write(line)
    os.replace(laurel_log + ".new", laurel_log)
    return marked // 20


def module_search(log, laurel_log):
    seconds, cpu, proc = timed([HOST_PYTHON, "-c", DRIVER, log, KEY, laurel_log], capture_output=True, text=True,
                               env=dict(os.environ, PYTHONPATH=COLLECTIONS))
    if proc.returncode != 0:
        raise SystemExit("module search failed:\n" + proc.stderr)
    return seconds, cpu, json.loads(proc.stdout)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--log", help="generated log to use (made, and kept, when missing)")
    parser.add_argument("--events", type=int, default=250000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--laurel", help="the laurel program (default: laurel in PATH)")
    args = parser.parse_args()
    laurel = find_laurel(args.laurel)
    log = args.log or os.path.join(tempfile.gettempdir(), "fleetaudit-bench-%d.log" % args.events)
    if not os.path.exists(log):
        matching = generate_audit_log.generate(log, args.events, KEY, 0.05)
        print("generated %s: %d events, %d with key %s" % (log, args.events, matching, KEY))
    out_dir = tempfile.mkdtemp(prefix="fleetaudit-laurel-bench-")
    laurel_log = os.path.join(out_dir, "audit.log")
    devnull = subprocess.DEVNULL
    timed(["cat", log], stdout=devnull)  # warm the page cache
    rounds = {"laurel": [], "raw": [], "without": [], "with": []}
    try:
        for _attempt in range(args.repeat):
            rounds["laurel"].append(run_laurel(laurel, log, out_dir))
            rounds["raw"].append(timed(["ausearch", "-if", log, "-k", KEY, "--raw"], stdout=devnull, stderr=devnull,
                                       env=dict(os.environ, LC_ALL="C"))[:2])
        marked = mark_containers(laurel_log)
        for _attempt in range(args.repeat):
            rounds["without"].append(module_search(log, "-"))
            rounds["with"].append(module_search(log, laurel_log))
        laurel_bytes = os.path.getsize(laurel_log)
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)
    best = {name: (min(r[0] for r in runs), min(r[1] for r in runs)) for name, runs in rounds.items()}
    count = rounds["with"][0][2]["count"]
    print("log: %s, %d MB, %d events; laurel's JSON log of it: %d MB" % (
        log, os.path.getsize(log) // 2**20, args.events, laurel_bytes // 2**20))
    print("on the host, all the time (every event through laurel):")
    print("  laurel               %6.2f s wall %6.2f s CPU  (%.1f us CPU per event)" % (
        best["laurel"][0], best["laurel"][1], best["laurel"][1] / args.events * 1e6))
    print("  ausearch --raw -k    %6.2f s wall %6.2f s CPU" % best["raw"])
    print("  ratio laurel / ausearch --raw (CPU): %.2f" % (best["laurel"][1] / best["raw"][1]))
    print("at gather time (%d events of key %s, %d of them in a container):" % (count, KEY, marked))
    print("  containers: false    %6.2f s wall %6.2f s CPU" % best["without"])
    print("  containers: true     %6.2f s wall %6.2f s CPU" % best["with"])
    print("  ratio with / without (CPU): %.2f" % (best["with"][1] / best["without"][1]))


if __name__ == "__main__":
    main()
