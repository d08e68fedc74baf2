# -*- coding: utf-8 -*-
# Copyright (c) fleetaudit maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the compliance role observes on hosts, for the report tests."""

from __future__ import annotations

import html.parser

from ansible_collections.fleetaudit.auditd.plugins.module_utils.docker_paths import resolve_watches

GIB = 1024 ** 3


def df_result(free, total, mount="/var/log/audit"):
    """`df -P -k` on the log directory as the role's command task registers it."""
    stdout = ("Filesystem     1024-blocks     Used Available Capacity Mounted on\n"
              "/dev/vdb2      %11d %8d %9d      50%% %s\n" % (total // 1024, (total - free) // 1024, free // 1024, mount))
    return {"rc": 0, "stdout": stdout, "stderr": ""}


def healthy():
    """What the compliance role observes on a well-configured Debian 12 host."""
    return {
        "info": {
            "installed": True,
            "version": "3.0.9",
            "service": {"running": True, "pid": 812, "manager": "systemd", "active": "active", "enabled": "enabled"},
            "status": {"enabled": 1, "failure": 1, "pid": 812, "rate_limit": 0, "backlog_limit": 8192,
                       "lost": 0, "backlog": 3, "backlog_wait_time": 60000},
            "kernel_available": True,
            "log_file": {"path": "/var/log/audit/audit.log", "exists": True, "size": 123456},
            "conf": {"log_file": "/var/log/audit/audit.log", "log_format": "ENRICHED", "space_left": "75",
                     "space_left_action": "SYSLOG", "max_log_file": "8"},
        },
        "disk_check": {"changed": False, "rules_changed": False, "kernel_changed": False, "kernel_available": True,
                       "enabled": 1, "immutable": False, "reboot_required": False,
                       "drift": {"missing": [], "extra": []}, "loaded_rules": 12},
        "policy_check": {"changed": False, "rules_changed": False, "kernel_available": True,
                         "drift": {"missing": [], "extra": []}, "loaded_rules": 12},
        "df": df_result(2 * GIB, 4 * GIB),
        "docker": docker_observed(),
    }


def docker_observed(found=None, in_policy=True, members=("alice",)):
    """The compliance role's Docker observation; by default Debian's docker.io with one user in the group."""
    found = {"/usr/sbin/dockerd": "/usr/sbin/dockerd", "/usr/bin/docker": "/usr/bin/docker",
             "/usr/bin/runc": "/usr/sbin/runc", "/usr/sbin/runc": "/usr/sbin/runc"} if found is None else found
    table = [{"cis": "1.1.3", "what": "Docker daemon", "perms": "rwxa", "paths": ["/usr/bin/dockerd", "/usr/sbin/dockerd"]},
             {"what": "Docker client", "perms": "wxa", "paths": ["/usr/bin/docker"]},
             {"cis": "1.1.13", "what": "RHEL daemon options", "perms": "rwxa", "paths": ["/etc/sysconfig/docker"]},
             {"cis": "1.1.18", "what": "runc", "perms": "rwxa", "paths": ["/usr/bin/runc", "/usr/sbin/runc"]}]
    return {"in_policy": in_policy, "watches": resolve_watches(table, found),
            "group_members": list(members) if members is not None else None}


def skipping(*paths, file_name="30-fleetaudit-docker.rules"):
    """A healthy host whose policy check skipped rules on `paths`, which do not exist there."""
    observed = healthy()
    observed["policy_check"]["skipped_rules"] = [
        {"file": file_name, "line": number, "path": path, "rule": "-w %s -p wa -k docker" % path,
         "reason": "%s does not exist" % path} for number, path in enumerate(paths, 2)]
    observed["rule_sources"] = {"30-fleetaudit-docker.rules": "docker", "30-stig.rules": "30-stig",
                                "70-fleetaudit-local.rules": "auditd_rules"}
    return observed


def probe(**changes):
    """A delivery probe that reached the collector."""
    return dict({"collector": "collector1", "node": "web1", "token": "fleetaudit-probe-0123abcd", "within": 30,
                 "written": True, "found": True, "waited": 2}, **changes)


class Element:
    """An HTML element: its tag, attributes, children and text, enough to query a page by structure."""

    def __init__(self, tag, attrs):
        self.tag, self.attrs, self.children, self.parts = tag, dict(attrs), [], []

    @property
    def classes(self):
        return (self.attrs.get("class") or "").split()

    def text(self):
        return "".join(part if isinstance(part, str) else part.text() for part in self.parts)

    def find_all(self, tag=None, cls=None, **attrs):
        found = []
        for child in self.children:
            if ((tag is None or child.tag == tag) and (cls is None or cls in child.classes)
                    and all(child.attrs.get(name.replace("_", "-")) == value for name, value in attrs.items())):
                found.append(child)
            found += child.find_all(tag, cls, **attrs)
        return found

    def find(self, tag=None, cls=None, **attrs):
        found = self.find_all(tag, cls, **attrs)
        assert len(found) == 1, "%d <%s class=%s %s> elements, not one" % (len(found), tag, cls, attrs)
        return found[0]


_VOID = frozenset(("meta", "br", "link", "img", "input", "hr", "circle", "line", "polyline", "rect"))


def parse_html(page):
    """The page as a tree of Element (the document is the root)."""
    root = Element("document", {})
    stack = [root]

    class Parser(html.parser.HTMLParser):
        def handle_starttag(self, tag, attrs):
            element = Element(tag, attrs)
            stack[-1].children.append(element)
            stack[-1].parts.append(element)
            if tag not in _VOID:
                stack.append(element)

        def handle_startendtag(self, tag, attrs):
            element = Element(tag, attrs)
            stack[-1].children.append(element)
            stack[-1].parts.append(element)

        def handle_endtag(self, tag):
            if tag in _VOID:
                return
            while len(stack) > 1:
                if stack.pop().tag == tag:
                    break

        def handle_data(self, data):
            stack[-1].parts.append(data)

    Parser().feed(page)
    return root
