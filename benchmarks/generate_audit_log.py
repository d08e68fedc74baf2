#!/usr/bin/env python
"""Writes a large audit log in the real ENRICHED format of audit 3.0.9, for the ausearch benchmark.

The events are the ones recorded in tests/unit/fixtures/logs/audit-3.0.9-enriched.log (syscall
events with CWD/PATH/PROCTITLE records, an execution with EXECVE, PAM user messages, rule
changes), re-stamped with increasing times and serials. A given share of the events carries the
benchmark key; one event pair in fifty is interleaved record by record, as when CPUs log at once.

    generate_audit_log.py OUT [--events 250000] [--key bench-docker] [--share 0.05]
"""

import argparse
import os
import random
import re

FIXTURE = os.path.join(os.path.dirname(__file__), "..", "tests", "unit", "fixtures", "logs",
                       "audit-3.0.9-enriched.log")
_STAMP = re.compile(rb"msg=audit\(\d+\.\d+:\d+\)")
_KEY = re.compile(rb' key=("[^"]*"|\(null\)|[0-9A-F]+)')
START = 1795700000


def templates():
    """{serial: [lines]} of the recorded events, in log order."""
    events = {}
    with open(FIXTURE, "rb") as handle:
        for line in handle.read().split(b"\n"):
            match = re.search(rb":(\d+)\):", line)
            if match:
                events.setdefault(int(match.group(1)), []).append(line + b"\n")
    return list(events.values())


def keyed(lines, key):
    """The event with its SYSCALL record's key replaced."""
    value = b'"%s"' % key if key else b"(null)"
    return [_KEY.sub(b" key=" + value, line, count=1) if line.startswith(b"type=SYSCALL") else line
            for line in lines]


def stamped(lines, sec, ms, serial):
    stamp = b"msg=audit(%d.%03d:%d)" % (sec, ms, serial)
    return [_STAMP.sub(stamp, line, count=1) for line in lines]


def generate(path, events, key, share, seed=5):
    rng = random.Random(seed)
    pool = templates()
    syscall_events = [t for t in pool if t[0].startswith(b"type=SYSCALL")]
    other_keys = [b"identity", b"scope", b"docker", b"time-change", None]
    matching = 0
    with open(path, "wb") as out:
        serial = 1000
        pending = []
        for index in range(events):
            serial += 1
            sec, ms = START + index // 20, (index % 20) * 50
            if rng.random() < share:
                lines = keyed(rng.choice(syscall_events), key.encode())
                matching += 1
            else:
                # Mostly syscall events, as on a host with file watches: about 1 kB per event.
                template = rng.choice(syscall_events if rng.random() < 0.6 else pool)
                lines = keyed(template, rng.choice(other_keys)) if template in syscall_events else template
            lines = stamped(lines, sec, ms, serial)
            if index % 50 == 0:
                pending = lines  # interleaved with the next event
                continue
            if pending:
                merged = []
                for number in range(max(len(pending), len(lines))):
                    merged += pending[number:number + 1] + lines[number:number + 1]
                lines, pending = merged, []
            out.writelines(lines)
    return matching


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--events", type=int, default=250000)
    parser.add_argument("--key", default="bench-docker")
    parser.add_argument("--share", type=float, default=0.05)
    args = parser.parse_args()
    matching = generate(args.out, args.events, args.key, args.share)
    print("%s: %d events, %d with key %s, %d bytes" % (args.out, args.events, matching, args.key,
                                                       os.path.getsize(args.out)))


if __name__ == "__main__":
    main()
