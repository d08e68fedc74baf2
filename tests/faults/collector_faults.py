"""Fault trials of central collection, with figures (not a test: it prints what happened).

A qemu VM client (its own kernel, configured by the auditd role, audisp-remote in its default
`immediate` mode with a 10,240-record queue) writes numbered user messages (`auditctl -m`) at a
steady rate to a collector container (the collector role; scripts/collector.sh, reached through
127.0.0.1 and a guestfwd only). Each trial counts the messages the client wrote before, during and
after the fault, and how many of each arrived on the collector under the client's node name (and
how many twice):

- outage: the collector's auditd stopped for --outage seconds (60), then started again;
- collector-restart: the collector's auditd restarted;
- client-reboot: the client VM rebooted; its plugin must reconnect by itself;
- disk: the collector's log directory is a small tmpfs this script mounts; filled past
  `space_left` (logging goes on, SYSLOG action), then past `admin_space_left` (auditd suspends
  logging), then freed (does logging resume by itself?).

Nothing is killed but what this script started (scripts/vm.sh and scripts/collector.sh stop their
own qemu and forwarder by PID); the only file system filled is the tmpfs it mounted. Run it as
root through tests/faults/collector.sh (make faults-collect).
"""

import argparse
import collections
import importlib.util
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import time

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
COLLECT_TESTS = os.path.join(REPO_ROOT, "tests", "integration", "collect")
sys.path.insert(0, COLLECT_TESTS)
# The lane's client model, inventory, collector and client plays.
import conftest as collect_lane  # noqa: E402  pylint: disable=wrong-import-position
_spec = importlib.util.spec_from_file_location("collect_tests", os.path.join(COLLECT_TESTS, "test_collect.py"))
collect_tests = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(collect_tests)

COLLECTOR = "fa-fault-collector"
COLLECTOR_PORT = 16070
VM = "fa-fault-client"
VM_PORT = 2295
RATE_INTERVAL = 0.5  # seconds between two messages of the client
DISK_MIB = 16  # the collector's log file system; the role's space_left is 15%, admin_space_left 5%
SETTLE_SECONDS = 90  # how long arrivals are awaited after a trial


def sh(*argv, check=True):
    return subprocess.run(argv, capture_output=True, text=True, check=check)


def guest(*command, check=True):
    """A command on the client. SSH itself (exit 255) is tried again: on a loaded machine a TCG guest
    may take longer than its connect timeout to answer."""
    for _attempt in range(12):
        done = sh(os.path.join(REPO_ROOT, "scripts", "vm.sh"), "ssh", VM, *command, check=False)
        if done.returncode != 255:
            break
        time.sleep(5)
    if check and done.returncode:
        raise subprocess.CalledProcessError(done.returncode, command, done.stdout, done.stderr)
    return done


def guest_time():
    return float(guest("date", "+%s.%N").stdout)


def collector(*command, check=True):
    return sh("docker", "exec", COLLECTOR, *command, check=check)


class Sender:
    """Numbered messages written on the client at a steady rate; each one that auditctl accepted is
    listed with the client's time in /root/TRIAL.sent."""

    def __init__(self, trial):
        self.trial = trial

    def start(self):
        loop = ("i=0; while [ ! -e /run/{t}.stop ]; do i=$((i+1)); "
                "auditctl -m fault-{t}-$i >/dev/null 2>&1 && echo \"$i $(date +%s.%N)\" >>/root/{t}.sent; "
                "sleep {s}; done").format(t=self.trial, s=RATE_INTERVAL)
        guest("rm -f /run/%s.stop /root/%s.sent; nohup sh -c '%s' >/dev/null 2>&1 </dev/null &"
              % (self.trial, self.trial, loop))

    def stop(self):
        guest("touch", "/run/%s.stop" % self.trial)
        time.sleep(2 * RATE_INTERVAL + 1)

    def sent(self):
        """{number: client time} of the messages written."""
        text = guest("cat", "/root/%s.sent" % self.trial, check=False).stdout
        return {int(number): float(when) for number, when in (line.split() for line in text.splitlines() if line)}


def arrived(trial):
    """Counter of the message numbers of `trial` in the collector's logs under the client's node."""
    text = collector("sh", "-c", "cat /var/log/audit/audit.log* 2>/dev/null", check=False).stdout
    pattern = re.compile(r"^node=%s .*text=fault-%s-(\d+)\b" % (re.escape(VM), re.escape(trial)), re.M)
    return collections.Counter(int(number) for number in pattern.findall(text))


def settle(trial, sent):
    """The arrivals once all sent messages came, or nothing new came for 20 s (SETTLE_SECONDS at most);
    and the seconds it took."""
    started = last_change = time.monotonic()
    got = arrived(trial)
    while set(sent) - set(got) and time.monotonic() - started < SETTLE_SECONDS:
        time.sleep(3)
        now = arrived(trial)
        if now != got:
            got, last_change = now, time.monotonic()
        elif time.monotonic() - last_change > 20:
            break
    return got, round(time.monotonic() - started)


def figures(trial, sent, got, phases):
    """Per phase [(name, client time from, to)]: sent, arrived, lost; and duplicates."""
    rows = []
    for name, start, end in phases:
        numbers = [n for n, when in sent.items() if start <= when < end]
        rows.append({"phase": name, "sent": len(numbers), "arrived": sum(1 for n in numbers if got[n]),
                     "lost": [n for n in sorted(numbers) if not got[n]]})
    return {"trial": trial, "phases": rows, "twice": sorted(n for n, count in got.items() if count > 1),
            "unknown": sorted(set(got) - set(sent))}


def run_trial(trial, fault, before=10, after=20):
    """Sends, runs fault() (returning [(phase name, client time from, to)] of its phases), goes on
    sending for `after` seconds, then counts."""
    sender = Sender(trial)
    start = guest_time()
    sender.start()
    time.sleep(before)
    phases = fault()
    time.sleep(after)
    sender.stop()
    end = guest_time()
    sent = sender.sent()
    got, waited = settle(trial, sent)
    first, last = phases[0][1], phases[-1][2]
    result = figures(trial, sent, got, [("before", start, first)] + phases + [("after", last, end)])
    result["settled_after_s"] = waited
    return result


def outage(seconds):
    def fault():
        collector("systemctl", "stop", "auditd")
        down = guest_time()
        time.sleep(seconds)
        collector("systemctl", "start", "auditd")
        return [("collector down %d s" % seconds, down, guest_time())]
    return fault


def collector_restart():
    at = guest_time()
    collector("systemctl", "restart", "auditd")
    return [("collector restart", at, guest_time())]


def start_vm(image):
    env = dict(os.environ, VM_COLLECTOR_PORT=str(COLLECTOR_PORT), VM_BOOT_TIMEOUT=os.environ.get("VM_BOOT_TIMEOUT", "900"))
    subprocess.run([os.path.join(REPO_ROOT, "scripts", "vm.sh"), "start", VM, str(VM_PORT), image],
                   check=True, env=env)


def client_reboot(image, after=20):
    """The client rebooted while its loop sends; after the boot a second loop (its first died with the
    guest, its list is on disk) sends for `after` seconds. The figures of both loops."""
    sender, again = Sender("reboot"), Sender("reboot-b")
    start = guest_time()
    sender.start()
    time.sleep(10)
    at = guest_time()
    guest("systemctl", "reboot", check=False)
    time.sleep(10)
    start_vm(image)  # waits for the boot (a no-op start of the running instance)
    booted = guest_time()
    again.start()
    time.sleep(after)
    again.stop()
    sent, resent = sender.sent(), again.sent()
    got, waited = settle(sender.trial, sent)
    got_again, waited_again = settle(again.trial, resent)
    result = figures(sender.trial, sent, got, [("before", start, at), ("reboot (loop ends)", at, booted)])
    result["phases"] += figures(again.trial, resent, got_again, [("after boot (new loop)", booted, 1e12)])["phases"]
    result["settled_after_s"] = waited + waited_again
    return result


def fill(disk, free_bytes):
    """Fills the tmpfs to about free_bytes free."""
    filler = os.path.join(disk, "filler")
    stat = os.statvfs(disk)
    have = stat.f_bavail * stat.f_frsize + (os.path.getsize(filler) if os.path.exists(filler) else 0)
    with open(filler, "wb") as handle:
        handle.truncate(0)
        handle.write(b"\0" * max(0, have - free_bytes))


def free(disk):
    stat = os.statvfs(disk)
    return stat.f_bavail * stat.f_frsize


def disk_trial(disk, hold):
    def fault():
        total = DISK_MIB << 20
        phases = []
        for name, level in (("over space_left (15%)", 0.10), ("over admin_space_left (5%)", 0.02)):
            fill(disk, int(total * level))
            at = guest_time()
            time.sleep(hold)
            phases.append(("%s, %d KiB free" % (name, free(disk) >> 10), at, guest_time()))
        os.unlink(os.path.join(disk, "filler"))
        at = guest_time()
        time.sleep(hold)
        phases.append(("space freed", at, guest_time()))
        return phases
    return fault


def prepare(disk, workdir, image):
    env = dict(os.environ, COLLECTOR_LOG_DIR=disk)
    subprocess.run([os.path.join(REPO_ROOT, "scripts", "collector.sh"), "start", COLLECTOR, str(COLLECTOR_PORT)],
                   check=True, env=env)
    start_vm(image)
    inventory = json.loads(sh(os.path.join(REPO_ROOT, "scripts", "vm.sh"), "inventory", VM).stdout)
    hostvars = inventory["all"]["hosts"][VM]
    client = collect_lane.Client(VM, " ".join("%s=%s" % (k, json.dumps(v)) for k, v in hostvars.items()),
                                 VM, "10.0.2.100", 60, [])
    hosts = collect_lane.write_inventory(workdir / "hosts.ini", [client], COLLECTOR)
    collect_tests.configure_collector(hosts, workdir)
    collect_tests.configure_clients(hosts, [client], workdir, True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outage", type=int, default=60, help="seconds the collector is down")
    parser.add_argument("--hold", type=int, default=20, help="seconds at each disk level")
    parser.add_argument("--image", default="debian12", choices=["debian12", "debian13"])
    parser.add_argument("--trials", default="outage,collector-restart,client-reboot,disk")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("collector_faults.py: needs root")
    workdir = tempfile.mkdtemp(prefix="fa-collect-faults-")
    disk = os.path.join(workdir, "log")
    os.mkdir(disk, 0o700)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%dm,mode=0700" % DISK_MIB, "fa-fault-disk", disk], check=True)
    results = []
    try:
        prepare(disk, pathlib.Path(workdir), args.image)
        trials = {
            "outage": lambda: run_trial("outage", outage(args.outage)),
            "collector-restart": lambda: run_trial("restart", collector_restart),
            "client-reboot": lambda: client_reboot(args.image),
            "disk": lambda: run_trial("disk", disk_trial(disk, args.hold)),
        }
        for name in args.trials.split(","):
            result = trials[name]()
            results.append(result)
            print(json.dumps(result), flush=True)
    finally:
        subprocess.run([os.path.join(REPO_ROOT, "scripts", "vm.sh"), "stop", VM], check=False)
        subprocess.run([os.path.join(REPO_ROOT, "scripts", "collector.sh"), "stop", COLLECTOR], check=False)
        if subprocess.run(["umount", disk], check=False).returncode == 0:
            shutil.rmtree(workdir)
    print("\n%-12s %-36s %6s %8s %6s" % ("trial", "phase", "sent", "arrived", "lost"))
    for result in results:
        trial = result["trial"]
        for row in result["phases"]:
            print("%-12s %-36s %6d %8d %6d" % (trial, row["phase"], row["sent"], row["arrived"], len(row["lost"])))
        print("%-12s %-36s twice: %d, settled after %s s" % (trial, "", len(result["twice"]), result["settled_after_s"]))


if __name__ == "__main__":
    main()
