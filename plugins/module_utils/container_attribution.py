# Copyright: (c) 2026, fleetaudit maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ties audit events to the Docker containers their processes ran in.

The kernels of Debian 12 and 13 put no container identifier in audit records, and a process's
cgroup can be read only while it lives. laurel, an auditd dispatcher plugin, reads it as each event
passes through auditd and writes the container id into its own JSON log: CONTAINER_INFO.ID at the
top of the event in laurel 0.5 (Debian 12), SYSCALL.PID.container.id from laurel 0.6 on (Debian 13's
0.7.1, where the top-level form is deprecated and off by default). This
module joins that log with the search's events by event id (time and serial), maps each id to the
container's name and image with one `docker inspect` of every container the host has, and links a
container to the login user (auid) whose `docker run` or `docker create` made it, from the docker
client's own executions in the same log (the kernel records container processes with auid unset).
A process that `docker exec` started is linked to the user who ran it the same way: laurel names the
execve event of each process and of its parent (SYSCALL.PID / PPID.EVENT_ID), so the process's
ancestors inside the container lead to the one the runtime started, whose program and arguments are
the `docker exec` command's, started just after the user's client ran it for that container.
"""

from __future__ import annotations

import calendar
import json
import os
import re
import time

RUNTIME = "docker"
DEFAULT_LAUREL_LOG = "/var/log/laurel/audit.log"
# A container is made at most this many seconds after the client command that asked for it (a
# busy host under emulation took 4 s).
LAUNCH_WINDOW = 60.0
# Subcommands of the docker client that make a container, and that run a command in one.
_MAKERS = (("run",), ("create",), ("container", "run"), ("container", "create"))
_EXECS = (("exec",), ("container", "exec"))
# Options of `docker exec` that take a value in the next word.
_EXEC_VALUE_OPTIONS = frozenset(("-e", "--env", "--env-file", "-u", "--user", "-w", "--workdir", "--detach-keys"))
# Ancestors followed from a process up to the one the runtime started (a shell's pipeline is 2 or 3).
_MAX_ANCESTORS = 32
_UNSET_AUID = 4294967295
# How far laurel's log may lag behind auditd's (it writes each event as auditd hands it over).
LAUREL_DELAY = 5.0
_CONTAINER_ID = re.compile(r"^[0-9a-f]{64}$")
# Global options of the docker client that take a value in the next word.
_VALUE_OPTIONS = frozenset(("-H", "--host", "-c", "--context", "--config", "-l", "--log-level",
                            "--tlscacert", "--tlscert", "--tlskey"))


def _id_time(laurel_id):
    return float(laurel_id.split(":", 1)[0])


def laurel_files(log):
    """laurel's log and its rotated generations (LOG.1, LOG.2, ...), oldest first."""
    directory, name = os.path.split(log)
    try:
        names = os.listdir(directory or ".")
    except OSError:
        return []
    rotated = sorted((int(n[len(name) + 1:]), n) for n in names
                     if n.startswith(name + ".") and n[len(name) + 1:].isdigit())
    files = [os.path.join(directory, n) for _number, n in reversed(rotated)]
    return files + ([log] if name in names else [])


def _client_command(argv):
    """The words of a docker client command line after its global options (-H, --context, ...)."""
    words = list(argv[1:])
    while words and words[0].startswith("-"):
        if words.pop(0) in _VALUE_OPTIONS:
            words = words[1:]
    return words


def _subcommand_rest(argv, subcommands):
    """The arguments after the first of subcommands that argv runs, else None."""
    words = _client_command(argv)
    for subcommand in subcommands:
        if tuple(words[:len(subcommand)]) == subcommand:
            return words[len(subcommand):]
    return None


def _maker_rest(argv):
    """The arguments after `run` / `create` when argv makes a container, else None."""
    return _subcommand_rest(argv, _MAKERS)


def _exec_target(argv):
    """(container as the user named it, [command]) when argv is a `docker exec`, else None."""
    words = _subcommand_rest(argv, _EXECS)
    if words is None:
        return None
    while words and words[0].startswith("-"):
        if words.pop(0) in _EXEC_VALUE_OPTIONS:
            words = words[1:]
    return (words[0], words[1:]) if len(words) >= 2 else None


def _option_value(words, names):
    for number, word in enumerate(words):
        if word in names and number + 1 < len(words):
            return words[number + 1]
        for name in names:
            if name.startswith("--") and word.startswith(name + "="):
                return word[len(name) + 1:]
    return None


class LaurelRecords(object):
    """What attribution needs from laurel's log.

    containers: {event id: container id} for the events that ran in a container.
    processes: {event id: process execve event id} for the same events (laurel's SYSCALL.PID.EVENT_ID).
    executions: {execve event id: {time, argv, exe, container, parent}} of every program started in a
        container, parent being the parent process's execve event id; executions_of: {pid: their ids
        in the order laurel wrote them}.
    launches: the docker client's executions that make a container, each {id, time, auid, auid_name,
        argv, name}; execs: those that run a command in one, each {id, time, auid, auid_name, argv,
        target, command}.
    """

    def __init__(self):
        self.containers = {}
        self.processes = {}
        self.executions = {}
        self.executions_of = {}
        self.launches = []
        self.execs = []

    def update(self, other):
        self.containers.update(other.containers)
        self.processes.update(other.processes)
        self.executions.update(other.executions)
        for pid, ids in other.executions_of.items():
            self.executions_of.setdefault(pid, []).extend(ids)
        self.launches.extend(other.launches)
        self.execs.extend(other.execs)

    def reparented(self, identifier, pid, exe):
        """laurel 0.7.1 takes a process whose parent changed (a docker exec's command, once runc
        exits) for a new one it cannot place, and writes no container: such an event goes to the
        latest program its pid ran in a container before it, when that is the same executable and at
        most LAUNCH_WINDOW seconds older (a pid is not reused that fast on a host that audits it)."""
        when = _id_time(identifier)
        earlier = [execution_id for execution_id in self.executions_of.get(str(pid), ())
                   if self.executions[execution_id]["time"] <= when]
        execution_id = earlier[-1] if earlier else None
        execution = self.executions.get(execution_id)
        if execution and execution["exe"] == exe and when - execution["time"] <= LAUNCH_WINDOW:
            self.containers[identifier] = execution["container"]
            self.processes[identifier] = execution_id


def read_laurel(lines):
    """laurel's JSON lines -> LaurelRecords. An event laurel wrote without container is placed when
    the search meets it, by its own process (ContainerAttribution.summary_fields)."""
    records = LaurelRecords()
    for line in lines:
        # Cheap tests first: most lines are neither of interest.
        has_container = "CONTAINER_INFO" in line or '"container":' in line
        if not has_container and "EXECVE" not in line:
            continue
        try:
            event = json.loads(line)
        except ValueError:
            continue  # a line cut by a crash or a rotation
        if not isinstance(event, dict) or "ID" not in event:
            continue
        container_id = _container_id(event) if has_container else None
        if container_id:
            _read_process(event, container_id, records)
        client = _client_execution(event)
        if client:
            rest = _maker_rest(client["argv"])
            if rest is not None:
                records.launches.append(dict(client, name=_option_value(rest, ("--name",))))
            else:
                target = _exec_target(client["argv"])
                if target:
                    records.execs.append(dict(client, target=target[0], command=target[1]))
    return records


def _read_process(event, container_id, records):
    """Keeps a container event's container and process, and every program run in a container (what
    exec_starter follows up)."""
    syscall = event.get("SYSCALL") or {}
    process = syscall.get("PID") if isinstance(syscall.get("PID"), dict) else {}
    records.containers[event["ID"]] = container_id
    records.processes[event["ID"]] = process.get("EVENT_ID")
    argv = (event.get("EXECVE") or {}).get("ARGV")
    if argv and syscall.get("success") != "no":
        parent = syscall.get("PPID") if isinstance(syscall.get("PPID"), dict) else {}
        records.executions[event["ID"]] = {"time": _id_time(event["ID"]), "argv": argv, "exe": syscall.get("exe"),
                                           "container": container_id, "parent": parent.get("EVENT_ID")}
        records.executions_of.setdefault(str(syscall.get("pid")), []).append(event["ID"])


def _container_id(event):
    """The id laurel wrote: SYSCALL.PID.container.id (laurel 0.6 and later, `container = true`) or
    the top-level CONTAINER_INFO.ID (laurel 0.5, or later ones with `container_info = true`)."""
    process = (event.get("SYSCALL") or {}).get("PID")
    found = [(process.get("container") if isinstance(process, dict) else None, "id"),
             (event.get("CONTAINER_INFO"), "ID")]
    for info, key in found:
        if isinstance(info, dict) and isinstance(info.get(key), str):
            return info[key]
    return None


def _client_execution(event):
    """A logged-in user's successful execution of the docker client: {id, time, auid, auid_name, argv}."""
    syscall = event.get("SYSCALL") or {}
    argv = (event.get("EXECVE") or {}).get("ARGV")
    if not argv or os.path.basename(str(syscall.get("exe", ""))) != "docker" or syscall.get("success") == "no":
        return None
    auid = syscall.get("auid")
    if auid in (None, _UNSET_AUID, -1):
        return None
    return {"id": event["ID"], "time": _id_time(event["ID"]), "auid": auid,
            "auid_name": syscall.get("AUID"), "argv": argv}


def read_inspect(inspect_json):
    """`docker inspect` JSON (a list of containers) -> {container id: {id, name, image, created}}."""
    containers = {}
    for item in json.loads(inspect_json or "[]"):
        config = item.get("Config") or {}
        containers[item["Id"]] = {
            "id": item["Id"],
            "name": (item.get("Name") or "").lstrip("/") or None,
            "image": config.get("Image") or item.get("Image"),
            "created": parse_docker_time(item.get("Created")),
        }
    return containers


def parse_docker_time(text):
    """Docker's RFC 3339 time with nanoseconds (2026-12-05T02:14:21.123456789Z) -> epoch seconds."""
    match = re.match(r"^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$", text or "")
    if not match:
        return None
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    seconds = calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0))
    if match.group(8) != "Z":
        sign = 1 if match.group(8)[0] == "+" else -1
        seconds -= sign * (int(match.group(8)[1:3]) * 3600 + int(match.group(8)[4:6]) * 60)
    return seconds + float(match.group(7) or 0)


def creator(container, launches):
    """The launch that made this container: the latest `docker run` / `create` before its creation
    (within LAUNCH_WINDOW seconds) that names it (--name), or, when none does, that names its image
    and gives no other name. None when there is no such launch (made by a service, or before the
    laurel log begins)."""
    created = container.get("created")
    if created is None:
        return None
    candidates = [launch for launch in launches
                  if created - LAUNCH_WINDOW <= launch["time"] <= created + 1.0]
    named = [launch for launch in candidates if launch["name"] == container["name"]]
    if not named:
        named = [launch for launch in candidates
                 if launch["name"] is None and container["image"] in _maker_rest(launch["argv"])]
    return max(named, key=lambda launch: launch["time"]) if named else None


def _names_container(target, container_id, known):
    """Whether the user's word for a container (its name or a prefix of its id) names this one."""
    return container_id.startswith(target) or (known is not None and known["name"] == target)


def exec_starter(execution_id, records, known):
    """The `docker exec` that started this process or its ancestor inside the container: the
    ancestor the runtime started (its parent runs outside the container) runs the exec's command,
    in this container, at most LAUNCH_WINDOW seconds after a logged-in user's client asked for it;
    the latest such exec. None for the container's own processes, and when the chain leaves laurel's
    log or no execve of it was audited."""
    executions = records.executions
    for _step in range(_MAX_ANCESTORS):
        if execution_id not in executions or executions[execution_id]["parent"] not in executions:
            break
        execution_id = executions[execution_id]["parent"]
    execution = executions.get(execution_id)
    if execution is None:
        return None
    matches = [run for run in records.execs
               if run["command"] == execution["argv"]
               and run["time"] <= execution["time"] <= run["time"] + LAUNCH_WINDOW
               and _names_container(run["target"], execution["container"], known)]
    return max(matches, key=lambda run: run["time"]) if matches else None


def _client_user(client, redactor):
    """created_by / exec_by: the docker client execution's auid, auid_name, argv (redacted) and event id."""
    return {"auid": client["auid"], "auid_name": client["auid_name"],
            "argv": redactor.argv(client["argv"]) if redactor else client["argv"], "event_id": client["id"]}


def container_summary(container_id, containers, launches, redactor=None):
    """The summary's `container`: id, name, image and created_by (the creating launch's user), or
    only the id for a container that no longer exists. exec_by is set per event, None here."""
    known = containers.get(container_id)
    if known is None:
        return {"id": container_id, "name": None, "image": None, "created_by": None, "exec_by": None}
    launch = creator(known, launches)
    return {"id": container_id, "name": known["name"], "image": known["image"],
            "created_by": _client_user(launch, redactor) if launch else None, "exec_by": None}


class ContainerAttribution:
    """What laurel's log and `docker inspect` say about the events of one search, as the summary's
    `container` and `runtime` of each event (both None for a process of the host)."""

    def __init__(self, laurel_records, inspect_json, redactor=None, more_lines=None):
        # more_lines() gives the lines laurel added since: an event the search meets may be newer
        # than what was read of laurel's log before the search began.
        self._records = laurel_records
        self._read_at = time.time()
        self._more_lines = more_lines
        self._known = read_inspect(inspect_json)
        self._redactor = redactor
        self._summaries = {}

    def summary_fields(self, identifier, pid=None, exe=None):
        """{container, runtime} of the event with laurel's ID `identifier` ("SECONDS.MS:SERIAL"),
        whose process (pid, exe) places it when laurel wrote it without container."""
        records = self._records
        if identifier not in records.containers and self._more_lines is not None \
                and _id_time(identifier) >= self._read_at - LAUREL_DELAY:
            self._catch_up()
        if identifier not in records.containers and pid is not None:
            records.reparented(identifier, pid, exe)
        container_id = records.containers.get(identifier)
        if container_id is None or not _CONTAINER_ID.match(container_id):
            return {"container": None, "runtime": None}
        if container_id not in self._summaries:
            self._summaries[container_id] = container_summary(container_id, self._known, records.launches,
                                                              self._redactor)
        summary = self._summaries[container_id]
        run = exec_starter(records.processes.get(identifier), records, self._known.get(container_id))
        return {"container": dict(summary, exec_by=_client_user(run, self._redactor)) if run else summary,
                "runtime": RUNTIME}

    def annotate(self, records):
        """The search's hook (log_search.search `annotate`): the summary fields of one event's records."""
        first = records[0]
        syscall = next((record["fields"] for record in records if record["type"] == "SYSCALL"), {})
        return self.summary_fields("%d.%03d:%d" % (first["sec"], first["ms"], first["serial"]),
                                   syscall.get("pid"), syscall.get("exe"))

    def _catch_up(self):
        self._read_at = time.time()
        try:
            self._records.update(read_laurel(self._more_lines()))
        except OSError:
            return  # rotated away this moment: the event says no container, as without laurel


class LaurelLog:
    """laurel's log read once whole (its generations, oldest first), then the complete lines laurel
    appended to the live file since."""

    def __init__(self, log):
        self.paths = laurel_files(log)
        self._offset = 0  # in the newest file, after its last complete line read

    def lines(self):
        for path in self.paths[:-1]:
            with open(path, encoding="utf-8", errors="replace") as handle:
                yield from handle
        yield from self.new_lines()

    def new_lines(self):
        if not self.paths:
            return
        with open(self.paths[-1], "rb") as handle:
            handle.seek(self._offset)
            for line in handle:
                if not line.endswith(b"\n"):
                    break  # laurel is still writing it
                self._offset += len(line)
                yield line.decode("utf-8", "replace")


def docker_inspect_all(run_command, docker):
    """JSON of `docker inspect` over every container of the host, stopped ones included: two
    commands per search, never one per event. "[]" when there is none."""
    rc, out, err = run_command([docker, "ps", "--all", "--quiet", "--no-trunc"], environ_update={"LC_ALL": "C"})
    if rc != 0:
        raise OSError("docker ps failed: %s" % (err or out).strip())
    ids = out.split()
    if not ids:
        return "[]"
    rc, out, err = run_command([docker, "inspect", "--type", "container"] + ids, environ_update={"LC_ALL": "C"})
    if rc != 0 and not out.strip().startswith("["):
        # A container removed between the two commands fails inspect; the others are still printed.
        raise OSError("docker inspect failed: %s" % (err or out).strip())
    return out


def container_annotator(module, laurel_log, redactor):
    """The `annotate` hook of a search whose events name their containers: laurel's log and one
    `docker inspect` read before the search. `module` runs commands, warns and fails (AnsibleModule's
    run_command, get_bin_path, warn, fail_json). Without laurel's log, or without docker, the events
    say `container: null` and a warning says why."""
    laurel = LaurelLog(laurel_log)
    if not laurel.paths:
        module.warn("containers: laurel's log %s does not exist, so no event can be tied to its container: "
                    "run laurel (role fleetaudit.auditd.auditd, auditd_laurel_enabled: true)" % laurel_log)
    docker = module.get_bin_path("docker")
    inspect_json = "[]"
    if docker:
        try:
            inspect_json = docker_inspect_all(module.run_command, docker)
        except OSError as exc:
            module.warn("containers: %s; events name container ids only" % exc)
    try:
        return ContainerAttribution(read_laurel(laurel.lines()), inspect_json, redactor, laurel.new_lines).annotate
    except OSError as exc:
        module.fail_json(msg="cannot read laurel's log: %s" % exc)
