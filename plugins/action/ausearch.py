# -*- coding: utf-8 -*-
# Copyright: (c) fleetaudit maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs fleetaudit.auditd.ausearch on the host, expands the compressed events it returns, and
writes them to <dest>/<inventory_hostname>/<name>.jsonl on the controller (like fetch does), and
with formats csv to <name>.csv beside it. Each event gets the key host: the inventory name of the
host whose log was searched, so that files merged on the controller keep their origin.

An incremental search is at least once: the host's cursor moves only after the controller holds the
events and has written them. The search runs with commit_cursor=false, the events are expanded and
written, and only then a second, small call saves the new cursor on the host. If anything fails in
between, the cursor stays and the next run returns the same events again."""

from __future__ import annotations

import json
import os
import stat

from ansible.errors import AnsibleActionFail
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase
from ansible_collections.fleetaudit.auditd.plugins.module_utils.event_transport import decode_events
from ansible_collections.fleetaudit.auditd.plugins.module_utils.event_csv import events_csv
from ansible_collections.fleetaudit.auditd.plugins.module_utils.host_io import atomic_write

# The files each format writes, by their file name extension.
FORMATS = ("jsonl", "csv")
# Options that only shape what another one does, with what that one must be: given without it, the
# task fails rather than ignore them (the module cannot tell them from their defaults).
DEPENDENT_OPTIONS = (("dest_by", "dest", "set"), ("formats", "dest", "set"),
                     ("laurel_log", "containers", "true"), ("commit_cursor", "incremental", "true"))


def _make_private_dirs(path):
    """Creates path and missing parents with mode 0700 (existing directories are left alone)."""
    missing = []
    while path and not os.path.isdir(path):
        missing.append(path)
        path = os.path.dirname(path)
    for directory in reversed(missing):
        os.mkdir(directory, 0o700)
        os.chmod(directory, 0o700)


def write_if_changed(path, content, check_mode=False, append=False):
    """Atomically writes content (mode 0600), or adds it at the end of the file with append, unless
    in check mode; returns whether the file did or would change (its content, or a mode other than
    0600)."""
    data = content.encode()
    try:
        with open(path, "rb") as handle:
            old = handle.read()
            private = stat.S_IMODE(os.fstat(handle.fileno()).st_mode) == 0o600
    except FileNotFoundError:
        old, private = None, False
    if append and old:
        data = old + data
    if data == old and private:
        return False
    if check_mode:
        return True
    directory = os.path.dirname(path)
    _make_private_dirs(directory)
    atomic_write(path, data)
    return True


# The directory of events whose records carry no node= name (name_format NONE on their host).
NO_NODE = "_no_node"


def events_by_node(events):
    """{node name: its events, in order}; a name that cannot be a directory name is refused."""
    groups = {}
    for event in events:
        node = event.get("node") or NO_NODE
        if node in (".", "..") or "/" in node:
            raise AnsibleActionFail("node name %r cannot name a directory on the controller" % node)
        groups.setdefault(node, []).append(event)
    return groups


def _count_by_key(events):
    counts = {}
    for event in events:
        for key in event.get("keys") or ():
            counts[key] = counts.get(key, 0) + 1
    return counts


def _check_dependent_options(args):
    for name, needed, wanted in DEPENDENT_OPTIONS:
        if name not in args:
            continue
        given = boolean(args.get(needed, False), strict=False) if wanted == "true" else bool(args.get(needed))
        if not given:
            raise AnsibleActionFail("%s is used only with %s %s: set %s, or leave %s out"
                                    % (name, needed, "true" if wanted == "true" else "set", needed, name))


def _formats(value):
    """The formats option: a list (or a comma-separated string) of jsonl and csv, at least one."""
    if value is None:
        return ["jsonl"]
    formats = [item.strip() for item in value.split(",")] if isinstance(value, str) else list(value)
    unknown = [item for item in formats if item not in FORMATS]
    if unknown or not formats:
        raise AnsibleActionFail("formats: %s is not a file format; use one or more of %s"
                                % (", ".join(map(repr, unknown)) or "[]", ", ".join(FORMATS)))
    return formats


def _files_result(paths):
    """dest_file (the JSON Lines file) and csv_file, for the formats written."""
    names = {"jsonl": "dest_file", "csv": "csv_file"}
    return {names[file_format]: path for file_format, path in paths.items()}


def _has_content(path):
    try:
        return os.path.getsize(path) > 0
    except OSError:
        return False


class ActionModule(ActionBase):

    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super().run(tmp, task_vars)
        del tmp
        args = self._task.args
        incremental = boolean(args.get("incremental", False), strict=False)
        # Refused before the host is searched.
        _check_dependent_options(args)
        formats = _formats(args.get("formats"))
        search_args = dict(args, commit_cursor=False) if incremental else args
        result.update(self._execute_module(module_name="fleetaudit.auditd.ausearch",
                                           module_args=search_args, task_vars=task_vars))
        if result.get("failed") or "events_gz" not in result:
            return result
        try:
            result["events"] = decode_events(result.pop("events_gz"))
        except ValueError as exc:
            raise AnsibleActionFail("the events returned by the host are corrupt: %s" % exc)
        searched = self._searched_host(task_vars)
        for event in result["events"]:
            event["host"] = searched
        if args.get("dest"):
            self._write_dest(args, formats, result, task_vars, incremental)
        if incremental and result.get("cursor") is not None and not self._task.check_mode:
            self._commit_cursor(args, result, task_vars)
        return result

    def _searched_host(self, task_vars):
        """The inventory name of the host whose log the module read: the collector a task delegates
        to, or the task's host."""
        return (self._task.delegate_to or task_vars.get("inventory_hostname")
                or self._play_context.remote_addr)

    def _write_dest(self, args, formats, result, task_vars, incremental):
        """<dest>/<host>/<name>.jsonl (and .csv), or with dest_by=node one directory per node= name
        (a collector's log holds the events of many hosts): <dest>/<node>/<name>.jsonl."""
        dest = os.path.abspath(os.path.expanduser(args["dest"]))
        by_node = args.get("dest_by", "host") == "node"
        if by_node:
            groups = events_by_node(result["events"])
        else:
            groups = {task_vars.get("inventory_hostname", self._play_context.remote_addr): result["events"]}
        result["dest_files"] = []
        written = {}
        for name, events in sorted(groups.items()):
            written[name] = {}
            for file_format in formats:
                path = os.path.join(dest, name, "%s.%s" % (args.get("name") or "events", file_format))
                # An incremental run returns only new events: they go after those of earlier runs.
                if self._write_events(path, file_format, events, incremental):
                    result["changed"] = True
                result["dest_files"].append(path)
                written[name][file_format] = path
        if by_node:
            result["nodes"] = {node: dict(_files_result(written[node]), count=len(events),
                                          by_key=_count_by_key(events), collector=self._searched_host(task_vars))
                               for node, events in groups.items()}
        else:
            result.update(_files_result(written.popitem()[1]))

    def _write_events(self, path, file_format, events, incremental):
        if file_format == "csv":
            # Rows added to a file go under the header it already has.
            content = events_csv(events, header=not (incremental and _has_content(path)))
        else:
            content = "".join(json.dumps(event, sort_keys=True) + "\n" for event in events)
        try:
            return write_if_changed(path, content, self._task.check_mode, append=incremental)
        except OSError as exc:
            raise AnsibleActionFail("cannot write %s on the controller: %s; the host's cursor was not "
                                    "moved, so the next run returns these events again" % (path, exc))

    def _commit_cursor(self, args, result, task_vars):
        """Saves the search's new cursor on the host, now that the controller holds its events."""
        commit_args = {name: args[name] for name in ("name", "cursor_file") if args.get(name) is not None}
        commit_args["cursor"] = result["cursor"]
        committed = self._execute_module(module_name="fleetaudit.auditd.ausearch", module_args=commit_args,
                                         task_vars=task_vars)
        if committed.get("failed"):
            raise AnsibleActionFail("the events are on the controller, but the host's cursor could not be saved "
                                    "(the next run returns them again): %s" % committed.get("msg"))
        if committed.get("changed"):
            result["changed"] = True
