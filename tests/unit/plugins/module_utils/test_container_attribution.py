"""Container attribution on laurel 0.5.1's log and `docker inspect` recorded on the Debian 12 VM
(docker.io 20.10): user dockeruser (auid 1000) ran `docker run -d --name fa-web IMAGE sleep 600`,
`docker exec fa-web cat /etc/hostname`, `docker run --rm -v /etc/docker:/etc-docker IMAGE touch
/etc-docker/daemon.json` and `docker run -d IMAGE sleep 300` (no name: Docker named it
pensive_elbakyan); root then ran `docker ps` and `docker inspect`."""

import calendar
import json
import os

import pytest

from ansible_collections.fleetaudit.auditd.plugins.module_utils import container_attribution as ca
from ansible_collections.fleetaudit.auditd.plugins.module_utils.records import parse_record
from ansible_collections.fleetaudit.auditd.plugins.module_utils.redaction import DEFAULT_REDACT_PATTERNS, Redactor

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "laurel")
IMAGE = "fleetaudit/busybox:local"
FA_WEB = "8bb8a6f525bd04fede10d9aa290552f7d9311a1ce55650aac44eeccf2d0ca843"
UNNAMED = "556dd0c831c39feefa0b7f8da32967ec76a4c89f40c34adfc77fbaeb8c12c4c3"
REMOVED = "64ae85a7a15f52eaad7eec363135e524551b2601c7d352b20736b6da62d2e8d9"


def fixture(name):
    with open(os.path.join(FIXTURES, name)) as handle:
        return handle.read()


def laurel_lines():
    return fixture("laurel-0.5.1-debian12.jsonl").splitlines(True)


def inspect_json():
    return fixture("docker-inspect-20.10-debian12.json")


def event(time, serial, pid=None, exe="/bin/busybox"):
    """An event as the module returns it (only what attribution reads; pid places an event laurel
    wrote without container)."""
    return {"serial": serial, "time": time, "summary": {"pid": pid, "exe": exe}}


def event_id(event):
    """laurel's ID of one of the module's events: "SECONDS.MILLISECONDS:SERIAL"."""
    stamp = event["time"]  # 2026-12-05T02:14:21.123Z, UTC
    seconds = calendar.timegm((int(stamp[0:4]), int(stamp[5:7]), int(stamp[8:10]),
                               int(stamp[11:13]), int(stamp[14:16]), int(stamp[17:19]), 0, 0, 0))
    return "%d.%s:%d" % (seconds, stamp[20:23], event["serial"])


def attribute_events(events, laurel_lines, inspect_json, redactor=None):
    """Adds `container` and `runtime` to each event's summary as the search's hook does: laurel's
    log read whole, each event looked up by its id and placed by its own pid and exe."""
    attribution = ca.ContainerAttribution(ca.read_laurel(laurel_lines), inspect_json, redactor)
    for each in events:
        each["summary"].update(attribution.summary_fields(event_id(each), each["summary"]["pid"],
                                                          each["summary"]["exe"]))
    return events


# The recorded events, as the module names them (time in UTC, milliseconds; serial).
SLEEP_IN_FA_WEB = ("2026-12-05T02:22:15.064Z", 101)
CAT_BY_EXEC = ("2026-12-05T02:22:27.460Z", 106)
TOUCH_IN_REMOVED = ("2026-12-05T02:22:37.408Z", 119)
SLEEP_IN_UNNAMED = ("2026-12-05T02:22:58.668Z", 137)
DOCKER_CLIENT = ("2026-12-05T02:21:58.536Z", 89)


# The same user actions recorded on the Debian 13 VM (audit 4.0.2, laurel 0.7.1 with the role's
# configuration, docker.io 26.1.5, cgroup v2 with the systemd driver), the unnamed container being
# vigorous_albattani. laurel 0.7.1's defaults: [enrich] container = true writes the container under
# SYSCALL.PID.container.id; container_info (the top-level CONTAINER_INFO of 0.5) is deprecated and
# false; processes outside containers get SYSCALL.PID.systemd_service instead.
FA_WEB_13 = "50968957bce9d1df3aa8f4041ff3f9ac59639111b3926c07b319cfcbe027eef4"


class Recording(object):
    """One VM's recording: its files, container ids and the events of the user's actions."""

    def __init__(self, laurel, inspect, ids, events, unnamed_name, client_ids):
        self.laurel, self.inspect = laurel, inspect
        self.fa_web, self.unnamed, self.removed = ids
        self.sleep, self.cat, self.touch, self.unnamed_sleep, self.client = events
        self.unnamed_name = unnamed_name
        self.run_id, self.exec_id = client_ids

    def lines(self):
        return fixture(self.laurel).splitlines(True)


RECORDINGS = [
    Recording("laurel-0.5.1-debian12.jsonl", "docker-inspect-20.10-debian12.json", (FA_WEB, UNNAMED, REMOVED),
              (SLEEP_IN_FA_WEB, CAT_BY_EXEC, TOUCH_IN_REMOVED, SLEEP_IN_UNNAMED, DOCKER_CLIENT),
              "pensive_elbakyan", ("1796437318.536:89", "1796437337.328:103")),
    Recording("laurel-0.7.1-debian13.jsonl", "docker-inspect-26.1-debian13.json",
              (FA_WEB_13, "9666ba1b0a00132a08a1d735295fac15ca090eba1c6274a009b1eb780e228697",
               "ca8bfc5f01bf2a8d91cdd743c587f9c8a42dc84f8a31af21bee8ff82f70c7fb5"),
              (("2026-12-05T06:25:57.244Z", 330), ("2026-12-05T06:26:02.280Z", 353),
               ("2026-12-05T06:26:08.888Z", 387), ("2026-12-05T06:26:16.312Z", 426),
               ("2026-12-05T06:25:53.180Z", 316)),
              "vigorous_albattani", ("1796451953.180:316", "1796451958.884:350")),
]


def test_event_id_is_laurels_id():
    assert event_id(event(*SLEEP_IN_FA_WEB)) == "1796437335.064:101"


def test_read_laurel_keeps_the_logged_in_users_container_launches_only():
    records = ca.read_laurel(laurel_lines())
    assert [(launch["auid"], launch["auid_name"], launch["name"]) for launch in records.launches] == [
        (1000, "dockeruser", "fa-web"), (1000, "dockeruser", None), (1000, "dockeruser", None)]
    # docker exec, ps and inspect make no container; root's ps and inspect are not a user's exec either.
    assert all(launch["argv"][1] == "run" for launch in records.launches)
    assert [(run["auid"], run["target"], run["command"]) for run in records.execs] == [
        (1000, "fa-web", ["cat", "/etc/hostname"])]


def test_read_inspect_names_and_images():
    containers = ca.read_inspect(inspect_json())
    assert {cid: (c["name"], c["image"]) for cid, c in containers.items()} == {
        FA_WEB: ("fa-web", IMAGE), UNNAMED: ("pensive_elbakyan", IMAGE)}
    assert containers[FA_WEB]["created"] == pytest.approx(1796437322.879713)


@pytest.mark.parametrize("recording", RECORDINGS, ids=["laurel-0.5.1", "laurel-0.7.1"])
def test_events_in_containers_name_id_name_image_and_the_users_who_started_them(recording):
    r = recording
    events = [event(*r.sleep), event(*r.cat), event(*r.unnamed_sleep), event(*r.touch), event(*r.client)]
    attribute_events(events, r.lines(), fixture(r.inspect))
    sleep, cat, unnamed, removed, client = (e["summary"] for e in events)
    assert (sleep["runtime"], sleep["container"]["id"]) == ("docker", r.fa_web)
    assert (sleep["container"]["name"], sleep["container"]["image"]) == ("fa-web", IMAGE)
    assert sleep["container"]["created_by"] == {
        "auid": 1000, "auid_name": "dockeruser", "event_id": r.run_id,
        "argv": ["docker", "run", "-d", "--name", "fa-web", IMAGE, "sleep", "600"]}
    # A process docker exec started runs in the same container, and names the user who ran the exec.
    assert dict(cat["container"], exec_by=None) == sleep["container"]
    assert cat["container"]["exec_by"] == {
        "auid": 1000, "auid_name": "dockeruser", "event_id": r.exec_id,
        "argv": ["docker", "exec", "fa-web", "cat", "/etc/hostname"]}
    assert sleep["container"]["exec_by"] is None
    # No --name: the latest run of its image before it was created, not the --rm one before that.
    assert (unnamed["container"]["id"], unnamed["container"]["name"]) == (r.unnamed, r.unnamed_name)
    assert unnamed["container"]["created_by"]["argv"] == ["docker", "run", "-d", IMAGE, "sleep", "300"]
    # The --rm container is gone: its id only.
    assert removed["container"] == {"id": r.removed, "name": None, "image": None, "created_by": None,
                                    "exec_by": None}
    assert removed["runtime"] == "docker"
    assert client["container"] is None and client["runtime"] is None


@pytest.mark.parametrize("recording", RECORDINGS, ids=["laurel-0.5.1", "laurel-0.7.1"])
def test_read_laurel_finds_the_container_of_each_event(recording):
    r = recording
    records = ca.read_laurel(r.lines())
    # The docker client ran on the host: no container.
    assert {name: records.containers.get(event_id(event(*found)))
            for name, found in (("sleep", r.sleep), ("touch", r.touch), ("client", r.client))} == {
        "sleep": r.fa_web, "touch": r.removed, "client": None}


def test_without_laurels_log_no_event_has_a_container():
    events = [event(*SLEEP_IN_FA_WEB)]
    attribute_events(events, [], inspect_json())
    assert events[0]["summary"]["container"] is None


def test_the_creators_argv_is_redacted():
    line = json.dumps({"ID": "1796437318.536:89", "SYSCALL": {
        "exe": "/usr/bin/docker", "auid": 1000, "AUID": "dockeruser", "success": "yes"},
        "EXECVE": {"ARGV": ["docker", "run", "-e", "DB_PASSWORD=hunter2", "--name", "fa-web", IMAGE]}})
    events = [event(*SLEEP_IN_FA_WEB)]
    lines = [text for text in laurel_lines() if '"ID":"1796437318.536:89"' not in text] + [line + "\n"]
    attribute_events(events, lines, inspect_json(), Redactor(DEFAULT_REDACT_PATTERNS))
    assert "hunter2" not in json.dumps(events)
    assert events[0]["summary"]["container"]["created_by"]["auid"] == 1000


@pytest.mark.parametrize("argv, rest", [
    (["docker", "run", "--name=x", "img"], ["--name=x", "img"]),
    (["/usr/bin/docker", "-H", "unix:///run/docker.sock", "container", "create", "img"], ["img"]),
    (["docker", "--debug", "run", "img"], ["img"]),
    (["docker", "exec", "x", "true"], None),
    (["docker", "start", "x"], None),
])
def test_the_docker_clients_commands_that_make_a_container(argv, rest):
    assert ca._maker_rest(argv) == rest


def test_a_launch_names_its_container_with_name_equals():
    assert ca._option_value(["--rm", "--name=web", "img"], ("--name",)) == "web"


def test_docker_times_with_nanoseconds_and_offsets():
    assert ca.parse_docker_time("2026-12-05T02:22:02.879712905Z") == pytest.approx(1796437322.879713)
    assert ca.parse_docker_time("2026-12-05T03:22:02.5+01:00") == pytest.approx(1796437322.5)
    assert ca.parse_docker_time("yesterday") is None


_UNSET = 4294967295
# The containerd shim that started fa-web's processes in the Debian 13 recording.
SHIM = "1796451955.252:318"


def laurel_07_line(identifier, argv=None, container=FA_WEB_13, process=None, parent=None, exe="/bin/busybox",
                   auid=None, pid=700):
    """A line in laurel 0.7.1's form (as recorded above), with what attribution reads."""
    syscall = {"pid": pid, "exe": exe, "success": "yes", "auid": _UNSET if auid is None else auid,
               "AUID": "unset" if auid is None else "dockeruser",
               "PID": {"EVENT_ID": process or identifier}, "PPID": {"EVENT_ID": parent, "comm": "x"}}
    if container:
        syscall["PID"]["container"] = {"id": container}
    line = {"ID": identifier, "SYSCALL": syscall}
    if argv:
        line["EXECVE"] = {"argc": len(argv), "ARGV": argv}
    return json.dumps(line, separators=(",", ":")) + "\n"


def exec_through_a_shell(client_argv, client_time="1796451990.100:500"):
    """The user's `docker exec`, the shell it started in fa-web, the shell's cat and an open by that cat."""
    return [laurel_07_line(client_time, client_argv, container=None, exe="/usr/bin/docker", auid=1000),
            laurel_07_line("1796451991.200:510", ["sh", "-c", "cat /etc/shadow"], parent=SHIM),
            laurel_07_line("1796451991.300:511", ["cat", "/etc/shadow"], parent="1796451991.200:510"),
            laurel_07_line("1796451991.400:512", process="1796451991.300:511", parent="1796451991.200:510")]


def test_a_process_under_a_docker_exec_shell_names_the_exec_user():
    lines = RECORDINGS[1].lines() + exec_through_a_shell(
        ["docker", "exec", "-u", "root", "-e", "A=b", "-it", "fa-web", "sh", "-c", "cat /etc/shadow"])
    events = [event("2026-12-05T06:26:31.400Z", 512), event(*RECORDINGS[1].sleep)]
    attribute_events(events, lines, fixture(RECORDINGS[1].inspect))
    opened, sleep = (e["summary"]["container"] for e in events)
    assert opened["exec_by"]["event_id"] == "1796451990.100:500"
    assert (opened["exec_by"]["auid"], opened["name"]) == (1000, "fa-web")
    # The container's own process is not the exec's, and the shared summary is left as it was.
    assert sleep["exec_by"] is None


def test_a_pipelines_cat_goes_to_the_exec_of_its_shell_not_to_an_earlier_exec_of_cat():
    # Seen on the Debian 12 VM: `docker exec fa-web cat F`, then `docker exec fa-web sh -c "cat F | wc -c"`.
    first = laurel_07_line("1796451989.000:490", ["docker", "exec", "fa-web", "cat", "/etc/shadow"],
                           container=None, exe="/usr/bin/docker", auid=1000)
    lines = RECORDINGS[1].lines() + [first] + exec_through_a_shell(
        ["docker", "exec", "fa-web", "sh", "-c", "cat /etc/shadow"])
    events = [event("2026-12-05T06:26:31.400Z", 512)]
    attribute_events(events, lines, fixture(RECORDINGS[1].inspect))
    assert events[0]["summary"]["container"]["exec_by"]["event_id"] == "1796451990.100:500"


def test_an_event_laurel_0_7_left_without_container_after_runc_exited_goes_to_its_pids_program():
    # Seen on the Debian 13 VM: the execve of `docker exec fa-ed cat F` names the container; the
    # cat's read of F, its parent now the shim, has PID {EVENT_ID: itself} and no container.
    lines = RECORDINGS[1].lines() + [
        laurel_07_line("1796451990.100:500", ["docker", "exec", "fa-web", "cat", "/etc/shadow"],
                       container=None, exe="/usr/bin/docker", auid=1000, pid=650),
        laurel_07_line("1796451991.300:511", ["cat", "/etc/shadow"], parent="1796451991.000:509", pid=711),
        laurel_07_line("1796451991.400:512", container=None, pid=711),
        # Another program of the same pid, and an event of it too late: neither is tied.
        laurel_07_line("1796451991.500:513", container=None, pid=711, exe="/usr/bin/python3"),
        laurel_07_line("1796452091.400:600", container=None, pid=711)]
    events = [event("2026-12-05T06:26:31.400Z", 512, pid=711),
              event("2026-12-05T06:26:31.500Z", 513, pid=711, exe="/usr/bin/python3"),
              event("2026-12-05T06:28:11.400Z", 600, pid=711)]
    attribute_events(events, lines, fixture(RECORDINGS[1].inspect))
    read, other, late = (e["summary"]["container"] for e in events)
    assert (read["name"], read["exec_by"]["event_id"]) == ("fa-web", "1796451990.100:500")
    assert other is None and late is None


def test_docker_exec_users_on_the_recorded_debian_13_vm():
    """Recorded on the Debian 13 VM (laurel 0.7.1 as the role configures it, an execve rule for
    auid-unset processes, daemon.json watched): dockeruser ran `docker run -d --name fa-ed -v
    /etc/docker:/etc-docker IMAGE sh -c "cat /etc-docker/daemon.json >/dev/null && exec sleep 600"`,
    `docker exec fa-ed cat /etc-docker/daemon.json` (laurel wrote its read with no container) and
    `docker exec fa-ed sh -c "cat /etc-docker/daemon.json | wc -c"`."""
    events = [event("2026-12-05T07:07:30.393Z", 273, pid=685), event("2026-12-05T07:07:46.013Z", 289, pid=711),
              event("2026-12-05T07:07:50.037Z", 296, pid=740)]
    attribute_events(events, fixture("laurel-0.7.1-debian13-exec.jsonl").splitlines(True),
                     fixture("docker-inspect-26.1-debian13-exec.json"))
    own, exec_cat, pipeline_cat = (e["summary"]["container"] for e in events)
    assert [c["name"] for c in (own, exec_cat, pipeline_cat)] == ["fa-ed"] * 3
    assert [c["created_by"]["event_id"] for c in (own, exec_cat, pipeline_cat)] == ["1796454436.349:257"] * 3
    assert own["exec_by"] is None
    assert exec_cat["exec_by"] == {"auid": 1000, "auid_name": "dockeruser", "event_id": "1796454457.637:285",
                                   "argv": ["docker", "exec", "fa-ed", "cat", "/etc-docker/daemon.json"]}
    assert pipeline_cat["exec_by"]["argv"] == ["docker", "exec", "fa-ed", "sh", "-c", "cat /etc-docker/daemon.json | wc -c"]


@pytest.mark.parametrize("client_argv, client_time", [
    # The same command in another container, by name and by id prefix.
    (["docker", "exec", "vigorous_albattani", "sh", "-c", "cat /etc/shadow"], "1796451990.100:500"),
    (["docker", "exec", "9666ba1b", "sh", "-c", "cat /etc/shadow"], "1796451990.100:500"),
    # Another command in this container.
    (["docker", "exec", "fa-web", "sh"], "1796451990.100:500"),
    # The right exec, but more than LAUNCH_WINDOW seconds before the shell started.
    (["docker", "exec", "fa-web", "sh", "-c", "cat /etc/shadow"], "1796451900.100:500"),
])
def test_a_process_is_not_tied_to_an_exec_that_did_not_start_it(client_argv, client_time):
    lines = RECORDINGS[1].lines() + exec_through_a_shell(client_argv, client_time)
    events = [event("2026-12-05T06:26:31.400Z", 512)]
    attribute_events(events, lines, fixture(RECORDINGS[1].inspect))
    assert events[0]["summary"]["container"]["exec_by"] is None


def test_an_exec_named_by_id_prefix_is_tied():
    lines = RECORDINGS[1].lines() + exec_through_a_shell(["docker", "exec", "50968957", "sh", "-c", "cat /etc/shadow"])
    events = [event("2026-12-05T06:26:31.400Z", 512)]
    attribute_events(events, lines, fixture(RECORDINGS[1].inspect))
    assert events[0]["summary"]["container"]["exec_by"]["auid_name"] == "dockeruser"


@pytest.mark.parametrize("argv, target", [
    (["docker", "exec", "-it", "--user", "root", "-w", "/tmp", "web", "sh"], ("web", ["sh"])),
    (["/usr/bin/docker", "--context", "x", "container", "exec", "--env=A=b", "web", "ls", "-l"], ("web", ["ls", "-l"])),
    (["docker", "exec", "web"], None),
    (["docker", "run", "web", "sh"], None),
])
def test_the_docker_clients_exec_commands(argv, target):
    assert ca._exec_target(argv) == target


def test_laurel_files_are_read_oldest_first(tmp_path):
    for name in ("audit.log", "audit.log.1", "audit.log.2", "audit.log.10", "other.log"):
        (tmp_path / name).write_text("")
    log = str(tmp_path / "audit.log")
    assert [os.path.basename(p) for p in ca.laurel_files(log)] == ["audit.log.10", "audit.log.2", "audit.log.1",
                                                                   "audit.log"]
    assert ca.laurel_files(str(tmp_path / "missing" / "audit.log")) == []


class FakeHost:
    """What container_annotator asks of the module: commands answered from recordings."""

    def __init__(self, docker="/usr/bin/docker", inspect=None):
        self.docker = docker
        self.inspect = inspect or inspect_json()
        self.warnings = []
        self.commands = []

    def get_bin_path(self, name):
        return self.docker

    def warn(self, text):
        self.warnings.append(text)

    def run_command(self, argv, environ_update=None):
        self.commands.append(argv)
        if argv[1] == "ps":
            return 0, FA_WEB + "\n" + UNNAMED + "\n", ""
        return 0, self.inspect, ""


def records(time, serial):
    """The first record of an event as the search hands it to its annotate hook."""
    seconds, ms = event_id(event(time, serial)).split(":")[0].split(".")
    return [{"type": "SYSCALL", "sec": int(seconds), "ms": int(ms), "serial": serial, "fields": {}}]


def test_annotator_runs_docker_once_per_search_not_per_event(tmp_path):
    (tmp_path / "audit.log").write_text("".join(laurel_lines()))
    host = FakeHost()
    annotate = ca.container_annotator(host, str(tmp_path / "audit.log"), None)
    found = [annotate(records(*SLEEP_IN_FA_WEB)), annotate(records(*CAT_BY_EXEC)), annotate(records(*DOCKER_CLIENT))]
    assert [fields["container"] and fields["container"]["name"] for fields in found] == ["fa-web", "fa-web", None]
    assert [fields["runtime"] for fields in found] == ["docker", "docker", None]
    assert [argv[1] for argv in host.commands] == ["ps", "inspect"]
    assert host.warnings == []


def test_annotator_without_laurel_warns_and_says_no_container(tmp_path):
    host = FakeHost(docker=None)
    annotate = ca.container_annotator(host, str(tmp_path / "audit.log"), None)
    assert annotate(records(*SLEEP_IN_FA_WEB)) == {"container": None, "runtime": None}
    assert "auditd_laurel_enabled" in host.warnings[0]


def test_an_event_newer_than_laurels_log_read_is_looked_up_again(tmp_path, monkeypatch):
    """laurel's log is read before the search: an event the search meets later may be written to
    laurel's log after that read (laurel writes what auditd hands it)."""
    sleep = [line for line in laurel_lines() if '"ID":"1796437335.064:101"' in line]
    log = tmp_path / "audit.log"
    log.write_text("".join(line for line in laurel_lines() if line not in sleep))
    # The search runs right after the event was logged.
    monkeypatch.setattr(ca.time, "time", lambda: 1796437335.5)
    annotate = ca.container_annotator(FakeHost(), str(log), None)
    with open(str(log), "a") as handle:
        handle.write(sleep[0][:40])  # laurel is writing the line
    assert annotate(records(*SLEEP_IN_FA_WEB))["container"] is None
    with open(str(log), "a") as handle:
        handle.write(sleep[0][40:])
    assert annotate(records(*SLEEP_IN_FA_WEB))["container"]["name"] == "fa-web"


def test_the_search_hook_places_an_event_laurel_0_7_left_without_container_by_its_own_syscall(tmp_path):
    # As in the test above, but through container_annotator: laurel's log is read whole before the
    # search, so the event's pid and exe come from its own SYSCALL record.
    (tmp_path / "audit.log").write_text("".join(RECORDINGS[1].lines() + [
        laurel_07_line("1796451990.100:500", ["docker", "exec", "fa-web", "cat", "/etc/shadow"],
                       container=None, exe="/usr/bin/docker", auid=1000, pid=650),
        laurel_07_line("1796451991.300:511", ["cat", "/etc/shadow"], parent="1796451991.000:509", pid=711),
        laurel_07_line("1796451991.400:512", container=None, pid=711),
        # The same pid runs another program later: the event still goes to the program it ran then.
        laurel_07_line("1796451995.000:530", ["python3"], parent="1796451991.000:509", pid=711,
                       exe="/usr/bin/python3")]))
    host = FakeHost(inspect=fixture(RECORDINGS[1].inspect))
    annotate = ca.container_annotator(host, str(tmp_path / "audit.log"), None)
    syscall = parse_record('type=SYSCALL msg=audit(1796451991.400:512): arch=c000003e syscall=257 success=yes '
                           'exit=3 pid=711 auid=4294967295 uid=0 comm="cat" exe="/bin/busybox" key="docker"')
    fields = annotate([syscall])
    assert (fields["container"]["name"], fields["container"]["exec_by"]["event_id"]) == ("fa-web", "1796451990.100:500")
