"""The audit 3.0.9 logs recorded for the event tests (ENRICHED, its RAW form, an interleaved copy,
audit 4.0), and lines that the parser must treat with care."""

import json
import os

from ansible_collections.fleetaudit.auditd.plugins.module_utils.event_json import event_json
from ansible_collections.fleetaudit.auditd.plugins.module_utils.records import parse_record

LOGS = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "logs")


def lines_of(name):
    # Not splitlines(): it would also split at the ENRICHED format's 0x1d separator.
    with open(os.path.join(LOGS, name), encoding="utf-8") as handle:
        return handle.read().rstrip("\n").split("\n")


def records_of(name, serial):
    return [r for r in map(parse_record, lines_of(name)) if r["serial"] == serial]


def build_event(records, redactor):
    """The public event object the module sends for records of one serial."""
    redactor.event(records)
    return json.loads(event_json(records)[0])


ODD_LINES = [
    # A quoted value holding "=" and a backslash, a hex value that is not UTF-8, two spaces, a
    # value with a non-ASCII byte, words without "=", braces: their JSON is not made from the text.
    'type=PATH msg=audit(1.001:5): item=0 name="/tmp/a=b\\c" inode=5 nametype=NORMAL\x1dOUID="root"',
    'type=PATH msg=audit(1.001:5): item=1 name=2F746D702FFF2063C3A9 inode=6 nametype=NORMAL',
    'type=DAEMON_START msg=audit(1.001:5): op=start ver=3.0.9 subj=unconfined  res=success\x1dAUID="unset"',
    'type=SYSCALL msg=audit(1.001:5): arch=c000003e syscall=2 success=no pid=45 comm="t\xe9st" key="k"',
    'type=AVC msg=audit(1.001:5): avc:  denied  { read } for  pid=45 comm="cat" tclass=file',
    'type=SOCKADDR msg=audit(1.001:5): saddr=02000050C0A80001\x1dSADDR={ saddr_fam=inet laddr=1.2.3.4 lport=80 }',
]


ENRICHED = os.path.join(LOGS, "audit-3.0.9-enriched.log")


def recorded_lines():
    with open(ENRICHED, "rb") as handle:
        return handle.read().splitlines(keepends=True)


def write(path, lines):
    with open(path, "ab") as handle:
        handle.writelines(lines)


def rotate(directory, keep=3):
    """What auditd does: audit.log.N-1 -> audit.log.N, ..., audit.log -> audit.log.1, new audit.log."""
    base = os.path.join(directory, "audit.log")
    for index in range(keep - 1, 0, -1):
        if os.path.exists("%s.%d" % (base, index)):
            os.rename("%s.%d" % (base, index), "%s.%d" % (base, index + 1))
    os.rename(base, base + ".1")
    open(base, "wb").close()
