"""Real events on this machine's kernel under a unique key, and what the real ausearch says of them.

Shared by the ausearch, aureport and gather playbook host tests.
"""

import os
import re
import shutil
import subprocess
import tempfile
import time
import uuid

from conftest import auditctl

FIXTURE_LOG = os.path.join(os.path.dirname(__file__), "..", "..", "unit", "fixtures", "logs",
                           "audit-3.0.9-enriched.log")

_SERIAL = re.compile(r"msg=audit\(\d+\.\d+:(\d+)\)")


def ausearch_raw(key, log):
    """{serial: [record types]} of the events `ausearch -if LOG -k KEY --raw` prints (substring
    match, CONFIG_CHANGE events included)."""
    proc = subprocess.run(["ausearch", "-if", log, "-k", key, "--raw"], capture_output=True, text=True,
                          check=False, env=dict(os.environ, LC_ALL="C"))
    events = {}
    for line in proc.stdout.split("\n"):
        match = _SERIAL.search(line)
        if match:
            events.setdefault(int(match.group(1)), []).append(line.split(" ", 1)[0].split("=", 1)[1]
                                                              if line.startswith("type=") else "")
    return events


def keyed_serials(key, log):
    """What ausearch finds for the key, less the rule's own CONFIG_CHANGE events."""
    return sorted(s for s, types in ausearch_raw(key, log).items() if "CONFIG_CHANGE" not in types)


def _logged_count(key):
    """Keyed events in the live log and its newest rotated file, counted cheaply (one SYSCALL
    record each; the rule's CONFIG_CHANGE records left out)."""
    needle = (' key="%s"' % key).encode()
    count = 0
    for name in ("/var/log/audit/audit.log.1", "/var/log/audit/audit.log"):
        if os.path.exists(name):
            with open(name, "rb") as handle:
                count += sum(1 for line in handle if needle in line and not line.startswith(b"type=CONFIG_CHANGE"))
    return count


def wait_for_events(key, count, timeout=30):
    """Waits until auditd has written `count` keyed events (its writes are asynchronous)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if _logged_count(key) >= count:
            return
        time.sleep(0.2)
    raise AssertionError("auditd did not log %d events for key %s in %ds" % (count, key, timeout))


def copy_of_live_log(path):
    """The newest rotated file and the live log as one file, so that the module and ausearch read
    the very same bytes even if auditd rotates meanwhile."""
    with open(path, "wb") as out:
        for name in ("/var/log/audit/audit.log.1", "/var/log/audit/audit.log"):
            if os.path.exists(name):
                with open(name, "rb") as handle:
                    shutil.copyfileobj(handle, out)
    return path


class KeyedEvents:
    """A watch on a fresh directory under a unique key, and events caused in it: a file with a
    space in its name created, a program copied in and run with an argument holding a space and a
    fake secret."""

    def __init__(self):
        self.key = "fa5-" + uuid.uuid4().hex[:12]
        self.dir = tempfile.mkdtemp(prefix="fa5-watch-")
        self.program = os.path.join(self.dir, "my prog")
        self.watching = False

    def __enter__(self):
        auditctl("-w", self.dir, "-p", "rwxa", "-k", self.key)
        self.watching = True
        return self

    def _ensure_watch(self):
        # Another host-lane run on this machine may have reset the kernel's rules meanwhile.
        if self.key not in auditctl("-l").stdout:
            auditctl("-w", self.dir, "-p", "rwxa", "-k", self.key)

    def cause(self):
        """Causes the three events and waits until they are logged."""
        self._ensure_watch()
        open(os.path.join(self.dir, "a file"), "w").close()
        shutil.copy("/bin/true", self.program)
        subprocess.run([self.program, "arg with space", "--password=secret"], check=True)
        wait_for_events(self.key, 3)

    def touch(self, name):
        """Creates one more file; waits until its event is logged."""
        self._ensure_watch()
        before = _logged_count(self.key)
        open(os.path.join(self.dir, name), "w").close()
        wait_for_events(self.key, before + 1)

    def run(self, *args):
        """Runs the watched program with these arguments; waits until its event is logged."""
        self._ensure_watch()
        if not os.path.exists(self.program):
            shutil.copy("/bin/true", self.program)
        before = _logged_count(self.key)
        subprocess.run([self.program, *args], check=True)
        wait_for_events(self.key, before + 1)

    def __exit__(self, *exc):
        if self.watching:
            auditctl("-W", self.dir, "-p", "rwxa", "-k", self.key, check=False)
        shutil.rmtree(self.dir, ignore_errors=True)


def watched_events():
    """For a module-scoped fixture: KeyedEvents with its events caused and logged."""
    with KeyedEvents() as events:
        events.cause()
        yield events
