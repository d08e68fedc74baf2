#!/usr/bin/env python
"""The fleet playbooks on N local systemd containers, against the floor of one ping per host.

For each fleet size (default 10, then 30) the script starts that many systemd containers of the
local Debian 12 image (network mode none; Ansible reaches them with community.docker.docker, as
scripts/demo-fleet.sh does), puts a small audit log in each, and in the same run times:
- the floor: `ansible all -m ansible.builtin.ping`, one module round trip per host;
- `playbooks/site.yml` with nothing to change (after a first, converging run, untimed);
- `playbooks/gather.yml` with `gather_incremental: true` and no new events (after a first run);
- `playbooks/compliance.yml`.
It prints each run's wall time and the CPU time of Ansible's processes on the controller, their
ratios to the floor, the tasks that ran a module on one host, and how each grows from the first
fleet size to the last (3.0 for 10 to 30 hosts is linear).
Each timed run is repeated (--repeat, best taken, each round runs every contender in turn so that
a change in the machine's load hits them alike). Only the containers it started are removed.

    sudo -E .venv/bin/python benchmarks/fleet_bench.py [--hosts 10,30] [--forks 10] [--repeat 2]
        [--pipelining on|off] [--profile] [--raise-inotify]

A systemd container holds about 5 inotify instances, and the kernel's per-user limit
(fs.inotify.max_user_instances) is 128 on many machines: past about 25 containers, some exit at
start with no log. The script checks the limit first and says how to raise it; it raises it
itself only with --raise-inotify (the setting is the machine owner's to make).
Runs under the containers lane's machine lock, so that it never shares Docker with that lane or
with a second copy of itself.
"""

import argparse
import datetime
import fcntl
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from role_noop_bench import CONTROLLER_ACTIONS  # noqa: E402  pylint: disable=wrong-import-position
import generate_audit_log  # noqa: E402  pylint: disable=wrong-import-position

REPO = os.path.dirname(HERE)
LOCK = "/run/lock/fleetaudit/lane-containers.lock"
INOTIFY_LIMIT = "/proc/sys/fs/inotify/max_user_instances"
INOTIFY_PER_CONTAINER = 5  # systemd, journald, logind and udev as counted in a Debian 12 container
PREFIX = "fleetaudit-bench-"
KEY = "bench-docker"
# Tasks that run on the controller only, besides those role_noop_bench.py knows.
FLEET_CONTROLLER_ACTIONS = CONTROLLER_ACTIONS | {"ansible.builtin.include_role", "fleetaudit.auditd.fleet_report"}
# The policy of site.yml and compliance.yml: the bundles a Docker host would use.
GROUP_VARS = {
    "ansible_connection": "community.docker.docker",
    "ansible_python_interpreter": "/usr/bin/python3",
    "auditd_rule_bundles": ["base", "docker", "identity", "time_change", "perm_mod", "privileged"],
    "auditd_example_rule_sets": ["43-module-load"],
    "gather_keys": [KEY],
    "gather_incremental": True,
    "compliance_fail_on_noncompliant": False,
}


def run(cmd, cwd=None, env=None, ok=(0,)):
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, env=env, check=False)
    if proc.returncode not in ok:
        sys.exit("failed (exit %d): %s\n%s%s" % (proc.returncode, " ".join(cmd), proc.stdout[-4000:],
                                                 proc.stderr[-2000:]))
    return proc.stdout


def timed(cmd, cwd, env):
    """(wall seconds, controller CPU seconds), stdout: the CPU time of Ansible's processes says what
    the controller spent, less disturbed than wall time by other work on a shared machine."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    out = run(cmd, cwd=cwd, env=env)
    elapsed = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return (elapsed, cpu), out


def inotify_instances_in_use():
    count = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            fds = os.listdir("/proc/%s/fd" % pid)
            count += sum(os.readlink("/proc/%s/fd/%s" % (pid, fd)) == "anon_inode:inotify" for fd in fds)
        except OSError:
            continue  # gone, or not ours to read
    return count


def check_inotify(hosts, may_raise):
    with open(INOTIFY_LIMIT) as handle:
        limit = int(handle.read())
    needed = inotify_instances_in_use() + INOTIFY_PER_CONTAINER * hosts + 16
    if needed <= limit:
        return
    wanted = max(1024, needed)
    if not may_raise:
        sys.exit("fs.inotify.max_user_instances is %d: %d systemd containers need about %d, and some would exit"
                 " at start with no log. Raise it (until the next boot) with\n"
                 "    sysctl -w fs.inotify.max_user_instances=%d\n"
                 "(or a file in /etc/sysctl.d/ to keep it), or let this script do it: --raise-inotify"
                 % (limit, hosts, needed, wanted))
    print("raising fs.inotify.max_user_instances from %d to %d (--raise-inotify)" % (limit, wanted))
    run(["sysctl", "-w", "fs.inotify.max_user_instances=%d" % wanted])


def start_fleet(image, hosts):
    names = ["%s%02d" % (PREFIX, number) for number in range(1, hosts + 1)]
    # Left by a copy of this script that was killed outright: only containers with its label.
    stale = run(["docker", "ps", "--all", "--quiet", "--filter", "label=org.fleetaudit.bench=true"]).split()
    remove(stale)
    for name in names:
        run(["docker", "run", "--detach", "--name", name, "--hostname", name, "--label", "org.fleetaudit.bench=true",
             "--network", "none", "--cap-add", "SYS_ADMIN", "--security-opt", "seccomp=unconfined",
             "--tmpfs", "/run", "--tmpfs", "/run/lock", "--volume", "/sys/fs/cgroup:/sys/fs/cgroup:rw",
             "--stop-signal", "SIGRTMIN+3", image, "/sbin/init"])
    return names


def wait_for_systemd(names):
    deadline = time.monotonic() + 30 + 3 * len(names)
    waiting = list(names)
    while waiting and time.monotonic() < deadline:
        for name in list(waiting):
            state = subprocess.run(["docker", "exec", name, "systemctl", "is-system-running"],
                                   capture_output=True, text=True, check=False).stdout.strip()
            if state in ("running", "degraded"):
                waiting.remove(name)
        time.sleep(0.5)
    if waiting:
        exited = [name for name in waiting
                  if run(["docker", "container", "inspect", "-f", "{{ .State.Running }}", name]).strip() != "true"]
        sys.exit("systemd did not finish booting in %s%s" % (", ".join(waiting), (
            "; exited: %s (fs.inotify.max_user_instances running out?)" % ", ".join(exited)) if exited else ""))


def prepare_hosts(names, log):
    """A Docker host's daemon.json (so the docker bundle has paths) and an audit log to search."""
    for name in names:
        run(["docker", "exec", name, "sh", "-c", "mkdir -p /etc/docker /var/log/audit && echo '{}' >/etc/docker/daemon.json"])
        run(["docker", "cp", log, "%s:/var/log/audit/audit.log" % name])


def write_inventory(path, names):
    inventory = {"bench": {"hosts": {name: {} for name in names}, "vars": GROUP_VARS}}
    with open(path, "w") as handle:
        json.dump(inventory, handle)


def remove(names):
    if names:
        subprocess.run(["docker", "rm", "--force"] + names, capture_output=True, check=False)


def host_tasks(report):
    """Per host, the names of the tasks that ran a module on it (not skipped, not on the controller)."""
    counts = {}
    for play in report["plays"]:
        for task in play["tasks"]:
            for host, result in task["hosts"].items():
                on_host = (result.get("action") not in FLEET_CONTROLLER_ACTIONS and not result.get("skipped")
                           and "_ansible_delegated_vars" not in result)
                counts.setdefault(host, [])
                if on_host:
                    counts[host].append(task["task"]["name"])
    return counts


def slowest_tasks(report, top=8):
    """The tasks that took longest, over the whole fleet, as (seconds, name)."""
    durations = []
    for play in report["plays"]:
        for task in play["tasks"]:
            duration = task["task"].get("duration", {})
            if duration.get("start") and duration.get("end"):
                start, end = (datetime.datetime.fromisoformat(duration[key]) for key in ("start", "end"))
                durations.append(((end - start).total_seconds(), task["task"]["name"]))
    return sorted(durations, reverse=True)[:top]


def extract_revision(revision, work):
    """A collection path holding fleetaudit.auditd as it was at `revision`."""
    path = os.path.join(work, "baseline")
    target = os.path.join(path, "ansible_collections", "fleetaudit", "auditd")
    os.makedirs(target)
    archive = subprocess.run(["git", "-C", REPO, "archive", revision], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", target], input=archive, check=True)
    return path


class Fleet:
    """One fleet size's inventory and runs; `cwd` receives the report directories."""

    def __init__(self, inventory, forks, pipelining, cwd):
        self.inventory, self.forks, self.cwd = inventory, forks, cwd
        # The floor and the playbooks run with the same connection settings.
        self.ping_env = dict(os.environ, ANSIBLE_PIPELINING=str(pipelining))
        self.env = dict(self.ping_env, ANSIBLE_STDOUT_CALLBACK="ansible.posix.json")

    def ping(self):
        elapsed, dummy = timed(["ansible", "all", "-i", self.inventory, "-f", str(self.forks), "-m", "ansible.builtin.ping"],
                               cwd=self.cwd, env=self.ping_env)
        return elapsed, None

    def playbook(self, name, converging=False, collections=None):
        """`collections`: a collection path holding another version of fleetaudit.auditd."""
        env = dict(self.env, ANSIBLE_COLLECTIONS_PATH=collections) if collections else self.env
        elapsed, out = timed(["ansible-playbook", "-i", self.inventory, "-f", str(self.forks),
                              "fleetaudit.auditd.%s" % name], cwd=self.cwd, env=env)
        report = json.loads(out)
        changed = sum(stats["changed"] for stats in report["stats"].values())
        if name == "site" and changed and not converging:
            sys.exit("the no-change site.yml run changed %d task(s): the role is not idempotent here" % changed)
        return elapsed, report


PLAYBOOKS = {"site": "site.yml, no change", "gather": "gather.yml, incremental, nothing new",
             "compliance": "compliance.yml"}


def measure(fleet, repeat, versions):
    """Best (wall, controller CPU) of each contender over `repeat` rounds, and each one's last report.
    `versions`: {label: collection path or None for this checkout}."""
    contenders = {"ping (floor)": fleet.ping}
    for playbook, title in PLAYBOOKS.items():
        for label, collections in versions.items():
            contenders["%s%s" % (title, label)] = (
                lambda playbook=playbook, collections=collections: fleet.playbook(playbook, collections=collections))
    times = {name: [] for name in contenders}
    reports = {}
    for _round in range(repeat):
        for name, contender in contenders.items():
            elapsed, reports[name] = contender()
            times[name].append(elapsed)
    return {name: (min(wall for wall, cpu in values), min(cpu for wall, cpu in values))
            for name, values in times.items()}, reports


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", default="10,30", help="fleet sizes, comma-separated (default 10,30)")
    parser.add_argument("--forks", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=2, help="timed rounds per fleet size (best is kept)")
    parser.add_argument("--pipelining", choices=["on", "off"], default="on",
                        help="Ansible's pipelining, for the floor and the playbooks alike (default on)")
    parser.add_argument("--profile", action="store_true", help="also print the slowest tasks of each playbook")
    parser.add_argument("--raise-inotify", action="store_true",
                        help="raise fs.inotify.max_user_instances when the largest fleet needs it")
    parser.add_argument("--baseline", metavar="REV",
                        help="also time the playbooks of this git revision, in the same rounds, on the same hosts")
    parser.add_argument("--image", default=os.environ.get("FLEETAUDIT_DEBIAN12_IMAGE", ""))
    args = parser.parse_args()
    sizes = [int(size) for size in args.hosts.split(",")]
    if os.geteuid() != 0:
        sys.exit("the fleet benchmark needs root (Docker engine, image builds)")
    check_inotify(max(sizes), args.raise_inotify)
    # Stopped from outside (even when started in the background, which ignores SIGINT): remove
    # the containers all the same.
    for stop in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop, lambda number, frame: sys.exit("stopped by signal %d" % number))
    os.makedirs(os.path.dirname(LOCK), exist_ok=True)
    # Held until exit; not inherited.
    lock = open(LOCK, "w")  # pylint: disable=consider-using-with
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        print("waiting for %s (the containers lane or another fleet benchmark)" % LOCK, flush=True)
        fcntl.flock(lock, fcntl.LOCK_EX)
    run([os.path.join(REPO, "scripts", "ensure-docker.sh")])
    image = args.image or run([os.path.join(REPO, "scripts", "build-image.sh"), "debian12"]).split()[-1]
    work = tempfile.mkdtemp(prefix="fleet-bench-")
    log = os.path.join(work, "audit.log")
    generate_audit_log.generate(log, 2000, KEY, 0.05)
    versions = {"": None}
    if args.baseline:
        versions[" [%s]" % args.baseline] = extract_revision(args.baseline, work)
    results = {}
    names = []
    try:
        for hosts in sizes:
            print("== %d hosts, %d forks, pipelining %s, image %s" % (hosts, args.forks, args.pipelining, image), flush=True)
            names = start_fleet(image, hosts)
            wait_for_systemd(names)
            prepare_hosts(names, log)
            inventory = os.path.join(work, "inventory-%d.json" % hosts)
            write_inventory(inventory, names)
            fleet = Fleet(inventory, args.forks, args.pipelining == "on", work)
            (converge, dummy), dummy = fleet.playbook("site", converging=True)
            (first_gather, dummy), dummy = fleet.playbook("gather")
            print("first runs: site.yml converging %.1f s, gather.yml %.1f s" % (converge, first_gather))
            load_before = os.getloadavg()[0]
            best, reports = measure(fleet, args.repeat, versions)
            results[hosts] = best
            # The machine may be shared: the ratios hold within a run, the wall times do not.
            print("load average (1 min) %.1f before the timed rounds, %.1f after" % (load_before, os.getloadavg()[0]))
            floor, floor_cpu = best["ping (floor)"]
            print("  %-48s %8s %11s %9s %11s" % ("", "wall", "to floor", "CPU", "to floor"))
            for name, (elapsed, cpu) in best.items():
                tasks = host_tasks(reports[name]) if reports[name] else {}
                per_host = sorted({len(done) for done in tasks.values()})
                print("  %-48s %6.1f s %10.1fx %7.1f s %10.1fx%s" % (
                    name, elapsed, elapsed / floor, cpu, cpu / floor_cpu,
                    "  tasks on a host: %s" % "/".join(map(str, per_host)) if tasks else ""))
                if args.profile and reports[name]:
                    print("    on %s: %s" % (names[0], ", ".join(tasks[names[0]])))
                    for seconds, task in slowest_tasks(reports[name]):
                        print("    %6.2f s  %s" % (seconds, task))
            sys.stdout.flush()
            remove(names)
            names = []
    finally:
        remove(names)
        subprocess.run(["rm", "-rf", work], check=False)
    if len(sizes) > 1:
        first, last = sizes[0], sizes[-1]
        print("== growth from %d to %d hosts (%.1f is linear): wall, controller CPU" % (first, last, last / first))
        for name in results[first]:
            print("  %-48s %5.2fx %5.2fx" % (name, results[last][name][0] / results[first][name][0],
                                             results[last][name][1] / results[first][name][1]))


if __name__ == "__main__":
    main()
