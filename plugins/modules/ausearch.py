#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) fleetaudit maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: ausearch
short_description: Search the audit log and bring matching events back as structured data
version_added: 1.0.0
description:
  - Searches the Linux audit log set (the live log that C(auditd.conf) names and its rotated
    C(.1), C(.2), ... files), a given log file, or a directory of logs, like C(ausearch), and returns
    one JSON object per matching event.
  - Keys match exactly (C(ausearch -k) matches substrings), and the C(CONFIG_CHANGE) events of
    adding or removing a keyed rule are left out unless C(CONFIG_CHANGE) is in O(message_types).
  - The log is scanned in bounded memory-mapped windows with a byte pre-filter, never loaded whole,
    and standard input is never read. Both the RAW and the ENRICHED log formats are understood;
    hex-encoded values (C(proctitle), C(EXECVE) arguments, paths with spaces) are decoded. An event
    whose records a log rotation split between two files is returned once, whole.
  - Secrets are redacted on the host before anything is returned (O(redact), O(redact_defaults)),
    in every text value of the events (command lines, paths, user messages). A command line is
    searched argument by argument, and as one text with its arguments joined by spaces, the way
    C(proctitle) shows it; so C(--db-password (?P<secret>\S+)) hides the argument that follows
    C(--db-password).
  - Events travel to the controller gzip-compressed, and the same-named action plugin expands them
    and can write them to O(dest).
  - When it searches the host's own log set (no O(input)), the module reads the kernel's rules
    (C(auditctl -l)) and warns about each of O(keys) that no loaded rule carries (RV(unloaded_keys)),
    since such a key is most often misspelt, and no new event can match it.
author:
  - fleetaudit maintainers (@fleetaudit)
attributes:
  check_mode:
    support: full
    description: In check mode the search runs, but the incremental cursor and O(dest) are not written.
  diff_mode:
    support: none
    description: Nothing to show a difference of.
  action:
    support: full
    description: The action plugin expands the events and writes O(dest) on the controller.
options:
  keys:
    description:
      - Audit rule keys; an event matches when one of its keys equals one of these exactly.
    type: list
    elements: str
    default: []
  message_types:
    description:
      - Record types, as C(ausearch -m) names them (for example V(USER_LOGIN), V(EXECVE)); an event
        matches when one of its records has one of these types.
    type: list
    elements: str
    default: []
  start:
    description:
      - Events at or after this time. An ISO 8601 time (local time when it has no offset) or one of
        the C(ausearch) words V(now), V(recent) (10 minutes ago), V(boot), V(today), V(yesterday),
        V(this-week), V(week-ago), V(this-month), V(this-year).
    type: str
  end:
    description:
      - Events at or before this time, in the same forms as O(start) (V(today) ends now, as in
        C(ausearch) and C(aureport)). With O(incremental), the events after it are left for a later
        run.
      - The search stops reading the log 60 seconds of records past this time. An event of the time
        window written later than that (its system call blocked for longer, since an event is stamped
        when it begins and written when it ends) is not returned; the cursor stays before it, so a
        later O(incremental) run whose window holds it returns it.
    type: str
  success:
    description:
      - Only successful (V(true)) or failed (V(false)) events (C(success=) or C(res=) fields).
    type: bool
  uid:
    description:
      - User id, as a number or a user name of the host.
    type: str
  auid:
    description:
      - Login user id (audit uid), as a number or a user name of the host.
    type: str
  pid:
    description:
      - Process id.
    type: int
  exe:
    description:
      - Full path of the executable, matched exactly.
    type: str
  syscall:
    description:
      - System calls, by name or by number for the host's architecture.
    type: list
    elements: str
  node:
    description:
      - Only events of this host, by the C(node=) name its auditd put before each record
        (C(name_format) in C(auditd.conf)); an exact match, as in C(ausearch --node).
      - On a collector (role P(fleetaudit.auditd.collector#role)) this picks one client's events out of
        the aggregated log.
    type: str
    version_added: 1.1.0
  input:
    description:
      - A log file, or a directory whose files (C(NAME), C(NAME.1), ...) are read oldest first;
        compressed files (C(.gz), C(.xz), ...) there are left out.
      - By default the log set that O(auditd_conf) names, rotated files included. Where auditd has not
        written a log yet (a host without kernel audit, such as a container) that set is empty, so the
        search returns no events and an empty RV(files).
    type: path
  auditd_conf:
    description:
      - The auditd configuration that names the default log file (C(log_file)).
    type: path
    default: /etc/audit/auditd.conf
  incremental:
    description:
      - Return only events new since the last incremental run of the same O(name) on this host.
      - The cursor (file inode and offset, last event time and serial) survives log rotation and
        truncation without losing or repeating events. An event younger than 2 seconds that may
        still be growing is left for the next run.
    type: bool
    default: false
  name:
    description:
      - Name of this search; names the cursor file and the controller file C(<name>.jsonl).
      - An incremental search of another log (O(input)) needs a name of its own, since a cursor made
        for one log fails the search of another.
    type: str
    default: events
  commit_cursor:
    description:
      - Whether an O(incremental) search saves its new cursor on the host before it returns.
      - The action plugin sets V(false) and saves the cursor (with O(cursor)) only once the
        controller holds the events, and, with O(dest), has written them. A run that fails on the
        controller leaves the cursor where it was, and the next run returns the same events again
        (at least once; an event may be returned twice, never lost).
      - Only with O(incremental=true); given otherwise, the action plugin fails the task rather than ignore it.
    type: bool
    default: true
    version_added: 1.1.0
  cursor:
    description:
      - Save this cursor (the RV(cursor) of an earlier O(incremental) search of the same O(name) with
        O(commit_cursor=false)) as the incremental cursor, and search nothing.
      - The action plugin passes it; you need not.
    type: dict
    version_added: 1.1.0
  cursor_file:
    description:
      - Where the incremental cursor is kept on the host (mode 0600, directory 0700).
      - Defaults to C(/var/lib/fleetaudit/ausearch/<name>.cursor.json).
      - Only with O(incremental=true) (or O(cursor)); given otherwise, the task fails rather than ignore it.
    type: path
  max_events:
    description:
      - At most this many events are returned (V(0) for no bound); RV(truncated) says when the
        bound was hit, and an incremental cursor then resumes at the first event not returned.
    type: int
    default: 10000
  dest:
    description:
      - Controller directory; the action plugin writes C(<dest>/<inventory_hostname>/<name>.jsonl)
        (one event per line, mode 0600, directories 0700) when its content changed.
      - With O(incremental=true) the new events are added at the end of that file, so that it keeps
        what every run gathered; otherwise the file holds this run's events.
    type: path
  dest_by:
    description:
      - V(host) writes the events to C(<dest>/<inventory_hostname>/<name>.jsonl).
      - V(node) writes one file per C(node=) name, C(<dest>/<node>/<name>.jsonl), for a collector
        whose log holds the events of many hosts (events without a node name go to C(_no_node)).
      - Only with O(dest); given without it, the task fails rather than ignore it.
    type: str
    choices: [host, node]
    default: host
    version_added: 1.1.0
  formats:
    description:
      - The files written to O(dest), beside each other. V(jsonl) C(<name>.jsonl), one event per
        line as in RV(events); V(csv) C(<name>.csv), one row per event for spreadsheet tools.
      - The CSV columns are always, in this order, C(time), C(host), C(node), C(serial), C(keys),
        C(type), C(syscall), C(success), C(exe), C(comm), C(pid), C(ppid), C(auid), C(auid_name),
        C(uid), C(uid_name), C(cwd), C(argv) (quoted as a shell would) and C(paths) (one a line);
        UTF-8, RFC 4180 quoting, and a cell that a spreadsheet would run as a formula (starting
        with C(=), C(+), C(-) or C(@), a number aside) begins with an apostrophe.
      - With O(incremental=true) new rows are added under the header the file already has.
      - Only with O(dest); given without it, the task fails rather than ignore it.
    type: list
    elements: str
    choices: [jsonl, csv]
    default: [jsonl]
  containers:
    description:
      - Tie each event to the Docker container its process ran in. Every event's C(summary) gets
        C(container) (C(id), C(name), C(image), and C(created_by), the C(auid), C(auid_name),
        C(argv) and C(event_id) of the C(docker run) or C(docker create) that made it, when a
        logged-in user's docker client did; C(exec_by), the same of the C(docker exec) that started
        this process or one of its ancestors in the container, when laurel's log holds their executions)
        and C(runtime) (V(docker)), both null for a process of the host.
      - Needs laurel (role P(fleetaudit.auditd.auditd#role), C(auditd_laurel_enabled)), whose log
        (O(laurel_log)) holds the container id of each event as it happened. Names and images come
        from one C(docker inspect) of the host's containers per search; a container removed since
        keeps its id only. Without laurel's log or docker, a warning says so and containers are null.
    type: bool
    default: false
    version_added: 1.1.0
  laurel_log:
    description:
      - laurel's JSON log; its rotated generations (C(.1), C(.2), ...) are read too.
      - Only with O(containers=true); given otherwise, the task fails rather than ignore it.
    type: path
    default: /var/log/laurel/audit.log
    version_added: 1.1.0
notes:
  - Reading the system log set needs root (the log is mode 0600 or 0640).
seealso:
  - module: fleetaudit.auditd.aureport
  - name: ausearch(8)
    description: The audit search tool whose options this module follows.
    link: https://man7.org/linux/man-pages/man8/ausearch.8.html
extends_documentation_fragment:
  - fleetaudit.auditd.redact
"""

EXAMPLES = r"""
- name: Docker events (the docker bundle's key) of the last 10 minutes
  fleetaudit.auditd.ausearch:
    keys: [docker]
    start: recent
  register: docker_events

- name: Failed executions by a given login user, saved on the controller
  fleetaudit.auditd.ausearch:
    message_types: [EXECVE]
    auid: alice
    success: false
    name: alice-failed-exec
    dest: audit-reports/manual

- name: On a collector, the events that web1 shipped
  fleetaudit.auditd.ausearch:
    node: web1
    keys: [identity]

- name: Scheduled run, only what is new since the previous one
  fleetaudit.auditd.ausearch:
    keys: [identity, logins]
    incremental: true
    name: scheduled
    redact:
      - 'PGPASSWORD=(?P<secret>\S+)'
"""

RETURN = r"""
events:
  description:
    - Matching events in log order (expanded by the action plugin from RV(events_gz)).
    - Each has C(serial), C(time) (ISO 8601 UTC with milliseconds), C(host), C(node), C(keys), C(records)
      (each with C(type), C(fields), and the ENRICHED log's C(interpreted) fields when present; an
      SELinux C(avc:) verdict becomes the fields C(seresult) and C(seperms), as auparse names them)
      and a flat C(summary) with C(type), C(syscall), C(success), C(exe), C(comm), C(pid), C(ppid), C(uid),
      C(auid), C(uid_name), C(auid_name), C(argv), C(cwd) and C(paths); with O(containers=true)
      also C(container) and C(runtime).
    - C(host) is the inventory name of the host whose log was searched (with a collector, the
      collector; C(node) names the host that sent the event, when its auditd sets C(name_format)),
      so that events merged from many files keep their origin.
  returned: success
  type: list
  elements: dict
  sample:
    - serial: 3570
      time: "2026-11-26T16:50:59.575Z"
      host: web1
      node: null
      keys: [docker]
      records: [{type: SYSCALL, fields: {syscall: "257", success: "yes", key: docker}}]
      summary: {type: SYSCALL, syscall: openat, success: true, exe: /usr/bin/touch, pid: 1502}
count:
  description: Number of events returned.
  returned: success
  type: int
  sample: 2
count_by_key:
  description: Number of returned events per key.
  returned: success
  type: dict
  sample: {docker: 2}
truncated:
  description: Whether O(max_events) stopped the search before the end of the log.
  returned: success
  type: bool
  sample: false
cursor:
  description:
    - The incremental cursor after this run, saved on the host when O(incremental) and
      O(commit_cursor) (through the action plugin, once the controller holds the events).
    - Where the next run starts reading, and what it must not return again. Null when no log file was
      read and no cursor was given.
  returned: success
  type: dict
  contains:
    version:
      description: Format of the cursor (V(1)).
      type: int
    path:
      description: The log file the next run starts in.
      type: str
    dev:
      description: Device number of that file, which with RV(cursor.inode) and RV(cursor.head) finds it again once rotated to C(.1).
      type: int
    inode:
      description: Inode number of that file.
      type: int
    head:
      description:
        - The C(sec.ms:serial) stamp of that file's first record (empty when it had none); it tells the file
          from a newer one that reuses its inode.
      type: str
    offset:
      description: Byte offset in that file where the next run starts reading.
      type: int
    seen:
      description:
        - C(sec.ms:serial) stamps of the events at or after RV(cursor.offset) that were returned already,
          and are not returned again.
      type: list
      elements: str
    last:
      description: C([sec, ms, serial]) of the newest event returned so far (null before the first).
      type: list
      elements: int
    waiting:
      description:
        - C([sec, ms, serial]) of the oldest event left for the next run (still growing, after O(end), or beyond
          O(max_events)); null when none was.
        - When the cursor's file is lost (rotated away or truncated), the events no newer than RV(cursor.last)
          and older than this one are taken as returned.
      type: list
      elements: int
  sample: {version: 1, path: /var/log/audit/audit.log, dev: 64769, inode: 1441793, head: "1795711800.102:3402",
           offset: 8388774, seen: ["1795711859.583:3571"], last: [1795711859, 583, 3571], waiting: null}
cursor_lost:
  description:
    - The cursor's file was rotated away or truncated; events were de-duplicated by time and serial.
  returned: success
  type: bool
  sample: false
scanned_bytes:
  description: Bytes of log read by this search.
  returned: success
  type: int
  sample: 8388774
events_bytes:
  description: Size of the matching events as JSON Lines.
  returned: success
  type: int
  sample: 3297
transfer_bytes:
  description: Size of the compressed events sent from the host to the controller.
  returned: success
  type: int
  sample: 745
events_gz:
  description: The events as base64 of gzip-compressed JSON Lines; the action plugin replaces it by RV(events).
  returned: when the module runs without its action plugin
  type: str
cursor_file:
  description: The host file the cursor was saved to.
  returned: when O(cursor) is given (the action plugin's second call, after the events are on the controller)
  type: str
  sample: /var/lib/fleetaudit/ausearch/events.cursor.json
unloaded_keys:
  description:
    - The O(keys) that no rule loaded in the kernel carries (C(auditctl -l)), each also a warning.
    - Null when O(keys) is empty, when O(input) is set, or when the kernel's rules cannot be read
      (no kernel audit, as in a container, or no C(auditctl)).
  returned: success
  type: list
  elements: str
  sample: [identiy]
files:
  description: Log files read, oldest first.
  returned: success
  type: list
  elements: str
  sample: [/var/log/audit/audit.log.1, /var/log/audit/audit.log]
dest_file:
  description: Controller JSON Lines file the events were written to.
  returned: when O(dest) is set, O(dest_by=host) and O(formats) has V(jsonl)
  type: str
  sample: audit-reports/20261126T165000Z/web1/events.jsonl
csv_file:
  description: Controller CSV file the events were written to.
  returned: when O(dest) is set, O(dest_by=host) and O(formats) has V(csv)
  type: str
  sample: audit-reports/20261126T165000Z/web1/events.csv
  version_added: 1.1.0
dest_files:
  description: Controller files the events were written to (one per node with O(dest_by=node)).
  returned: when O(dest) is set
  type: list
  elements: str
  sample: [audit-reports/20261126T165000Z/web1/events.jsonl, audit-reports/20261126T165000Z/web2/events.jsonl]
nodes:
  description:
    - Per node name, its number of returned events (C(count)), their count per key (C(by_key)), its
      controller files (C(dest_file), and C(csv_file) with O(formats=[csv])) and the host searched
      (C(collector), the host the task is delegated to).
  returned: when O(dest) is set and O(dest_by=node)
  type: dict
  sample: {web1: {count: 12, by_key: {identity: 12}, dest_file: audit-reports/20261126T165000Z/web1/events.jsonl,
                  collector: collector1}}
"""

import os
import pwd

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.fleetaudit.auditd.plugins.module_utils.cursor import CURSOR_VERSION, load_cursor, save_cursor
from ansible_collections.fleetaudit.auditd.plugins.module_utils.event_filter import EventFilter
from ansible_collections.fleetaudit.auditd.plugins.module_utils.log_search import search
from ansible_collections.fleetaudit.auditd.plugins.module_utils.log_set import LogSetError, configured_log_set, log_set
from ansible_collections.fleetaudit.auditd.plugins.module_utils.redaction import module_redactor
from ansible_collections.fleetaudit.auditd.plugins.module_utils.timespec import parse_time
from ansible_collections.fleetaudit.auditd.plugins.module_utils.auditctl_output import parse_rule_listing, rule_keys
from ansible_collections.fleetaudit.auditd.plugins.module_utils.container_attribution import (
    DEFAULT_LAUREL_LOG,
    container_annotator,
)

CURSOR_DIR = "/var/lib/fleetaudit/ausearch"


def _boot_time():
    try:
        with open("/proc/stat") as handle:
            for line in handle:
                if line.startswith("btime "):
                    return float(line.split()[1])
    except OSError:
        pass
    return None


def _user_id(value):
    """A user name becomes its uid on this host; numbers and unknown names are kept."""
    if value is None or value.lstrip("-").isdigit():
        return value
    try:
        return str(pwd.getpwnam(value).pw_uid)
    except KeyError:
        return value


def _syscalls(module, names):
    """Names and numbers: RAW logs carry only numbers, ENRICHED logs also the names."""
    if not names:
        return None
    wanted = set(names)
    ausyscall = module.get_bin_path("ausyscall")
    for name in names:
        if name.isdigit() or not ausyscall:
            continue
        rc, out, err = module.run_command([ausyscall, name, "--exact"], environ_update={"LC_ALL": "C"})
        if rc != 0 or not out.strip().isdigit():
            module.fail_json(msg="unknown system call %r on this host: %s" % (name, (err or out).strip()))
        wanted.add(out.strip())
    return wanted


def _unloaded_keys(module, keys):
    """The keys that no rule loaded in the kernel carries, in the order given; None when the kernel's
    rules cannot be read (no auditctl, or no kernel audit, as in a container)."""
    auditctl = module.get_bin_path("auditctl", opt_dirs=["/sbin", "/usr/sbin"])
    if not auditctl:
        return None
    rc, out, _err = module.run_command([auditctl, "-l"], environ_update={"LC_ALL": "C"})
    if rc != 0:
        return None
    loaded = rule_keys(parse_rule_listing(out))
    return [key for key in keys if key not in loaded]


def _log_files(params):
    return log_set(params["input"]) if params["input"] else configured_log_set(params["auditd_conf"])


def _commit(module, cursor_file, cursor):
    """Saves a cursor that an earlier search returned, once its events are safe; exits."""
    if cursor.get("version") != CURSOR_VERSION:
        module.fail_json(msg="cursor is not a version %d cursor of an incremental search" % CURSOR_VERSION)
    changed = False
    if not module.check_mode:
        try:
            changed = save_cursor(cursor_file, cursor)
        except (LogSetError, OSError) as exc:
            module.fail_json(msg="cannot save the cursor %s: %s" % (cursor_file, exc))
    module.exit_json(changed=changed, cursor=cursor, cursor_file=cursor_file)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            keys=dict(type="list", elements="str", default=[], no_log=False),
            message_types=dict(type="list", elements="str", default=[]),
            start=dict(type="str"),
            end=dict(type="str"),
            success=dict(type="bool"),
            uid=dict(type="str"),
            auid=dict(type="str"),
            pid=dict(type="int"),
            exe=dict(type="str"),
            syscall=dict(type="list", elements="str"),
            node=dict(type="str"),
            input=dict(type="path"),
            auditd_conf=dict(type="path", default="/etc/audit/auditd.conf"),
            incremental=dict(type="bool", default=False),
            name=dict(type="str", default="events"),
            cursor_file=dict(type="path"),
            commit_cursor=dict(type="bool", default=True),
            cursor=dict(type="dict"),
            max_events=dict(type="int", default=10000),
            redact=dict(type="list", elements="str", default=[]),
            redact_defaults=dict(type="bool", default=True),
            dest=dict(type="path"),
            dest_by=dict(type="str", default="host", choices=["host", "node"]),
            formats=dict(type="list", elements="str", default=["jsonl"], choices=["jsonl", "csv"]),
            containers=dict(type="bool", default=False),
            laurel_log=dict(type="path", default=DEFAULT_LAUREL_LOG),
        ),
        supports_check_mode=True,
    )
    params = module.params
    if params["max_events"] < 0:
        module.fail_json(msg="max_events must be 0 (no bound) or more, not %d" % params["max_events"])
    if "/" in params["name"] or params["name"] in ("", ".", ".."):
        module.fail_json(msg="name %r must be a plain file name (it names the cursor and the .jsonl file)"
                         % params["name"])
    if params["cursor_file"] and not params["incremental"] and params["cursor"] is None:
        module.fail_json(msg="cursor_file is used only by an incremental search: set incremental: true, "
                         "or leave cursor_file out")
    cursor_file = params["cursor_file"] or os.path.join(CURSOR_DIR, params["name"] + ".cursor.json")
    if params["cursor"] is not None:
        _commit(module, cursor_file, params["cursor"])
    boot = _boot_time()
    try:
        start = parse_time(params["start"], boot_time=boot) if params["start"] else None
        end = parse_time(params["end"], boot_time=boot, end=True) if params["end"] else None
        event_filter = EventFilter(
            keys=params["keys"], message_types=[t.upper() for t in params["message_types"]],
            start=start, end=end, success=params["success"], uid=_user_id(params["uid"]),
            auid=_user_id(params["auid"]), pid=params["pid"], exe=params["exe"],
            syscall=_syscalls(module, params["syscall"]), node=params["node"])
        redactor = module_redactor(params["redact"], params["redact_defaults"])
    except ValueError as exc:
        module.fail_json(msg=str(exc))

    # Before the search: a failure here must not leave a cursor saved past events never returned.
    annotate = container_annotator(module, params["laurel_log"], redactor) if params["containers"] else None
    try:
        files = _log_files(params)
        cursor = load_cursor(cursor_file) if params["incremental"] else None
        result = search(files, event_filter, redactor, cursor=cursor, max_events=params["max_events"],
                        annotate=annotate)
        changed = False
        if (params["incremental"] and params["commit_cursor"] and not module.check_mode
                and result["cursor"] is not None):
            changed = save_cursor(cursor_file, result["cursor"])
    except (LogSetError, OSError) as exc:
        module.fail_json(msg="audit log search failed: %s" % exc)
    # A key that no loaded rule carries is most often misspelt: say so rather than return 0 events
    # in silence. Only for this host's own log; another log (input) may come from elsewhere.
    unloaded = _unloaded_keys(module, params["keys"]) if params["keys"] and not params["input"] else None
    for key in unloaded or ():
        module.warn("audit key %r is in no rule loaded in this host's kernel (auditctl -l), so no new event "
                    "can match it: misspelt, or its rule is not loaded here" % key)
    module.exit_json(changed=changed, unloaded_keys=unloaded, **result)


if __name__ == "__main__":
    main()
