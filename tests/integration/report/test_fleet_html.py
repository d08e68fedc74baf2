# -*- coding: utf-8 -*-
# Copyright (c) fleetaudit maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""fleet.html in a real browser: Debian's chromium, headless, renders the page the report writer makes.

--dump-dom gives the DOM after rendering (one table row per host, the findings naming each failing
host, a point per gather run and host in the events charts); screenshots at desktop and phone width
prove the colours reach the screen (red cells where a check failed) and that the page fits a phone
(no horizontal scroll of the page itself). FLEETAUDIT_SCREENSHOT_DIR keeps them for a person to look at.
"""

from __future__ import annotations

import html.parser
import os
import shutil
import struct
import subprocess
import zlib

import pytest

from ansible_collections.fleetaudit.auditd.plugins.module_utils import report_checks as rc
from ansible_collections.fleetaudit.auditd.plugins.module_utils import report_render as rr
from ansible_collections.fleetaudit.auditd.plugins.module_utils.report_html import render_html

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
FAIL_RGB = (0xC6, 0x28, 0x28)
PASS_RGB = (0x2E, 0x7D, 0x32)
UNKNOWN_RGB = (0xF9, 0xA8, 0x25)


def chromium(tmp_path, *args):
    binary = shutil.which("chromium")
    assert binary, "chromium is not installed: the report lane installs it (tests/lanes/report.sh)"
    cmd = [binary, *CHROMIUM_FLAGS, "--user-data-dir=%s" % (tmp_path / "profile"), *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


class _Dom(html.parser.HTMLParser):
    """Host rows, their cells' statuses, the text of the findings per host they name, chart points."""

    def __init__(self):
        super().__init__()
        self.rows, self.findings, self.points = {}, {}, 0
        self._row = self._section = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if tag == "tr" and "host-row" in classes:
            self._row = attrs["data-host"]
            self.rows[self._row] = {"status": attrs["data-status"], "cells": {}}
        elif tag == "td" and self._row and "data-check" in attrs:
            self.rows[self._row]["cells"][attrs["data-check"]] = classes[-1][2:]
        elif tag == "section" and "cause" in classes:
            self._section = attrs["data-hosts"].split()
            for host in self._section:
                self.findings.setdefault(host, "")
        elif tag == "circle" and "point" in classes:
            self.points += 1

    def handle_endtag(self, tag):
        if tag == "tr":
            self._row = None
        elif tag == "section":
            self._section = None

    def handle_data(self, data):
        for host in self._section or ():
            self.findings[host] += data


def png_pixels(path):
    """(width, height, rows of RGB tuples) of an 8-bit RGB/RGBA non-interlaced PNG, as chromium writes."""
    with open(path, "rb") as handle:
        data = handle.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour_type, _c, _f, interlace = header
    assert depth == 8 and colour_type in (2, 6) and interlace == 0, header
    channels = 4 if colour_type == 6 else 3
    raw, stride, rows, previous = zlib.decompress(idat), width * channels, [], bytearray(width * channels)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up, up_left = previous[i], previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                estimate = left + up - up_left
                distances = (abs(estimate - left), abs(estimate - up), abs(estimate - up_left))
                line[i] = (line[i] + (left, up, up_left)[distances.index(min(distances))]) & 0xFF
        rows.append([tuple(line[x:x + 3]) for x in range(0, stride, channels)])
        previous = line
    return width, height, rows


def healthy():
    return {
        "info": {"installed": True, "version": "3.0.9", "service": {"running": True, "enabled": True, "pid": 9},
                 "status": {"lost": 0, "backlog": 0, "backlog_limit": 8192},
                 "log_file": {"path": "/var/log/audit/audit.log", "exists": True, "size": 4096},
                 "conf": {"space_left": "75"}},
        "disk_check": {"kernel_available": True, "enabled": 1, "drift": {"missing": [], "extra": []}, "loaded_rules": 4},
        "policy_check": {"kernel_available": True, "drift": {"missing": [], "extra": []}},
        "df": {"rc": 0, "stderr": "",
               "stdout": "Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/vda 20971520 10485760 10485760 50% /\n"},
        # A host without Docker: none of the docker bundle's files found.
        "docker": {"in_policy": False, "watches": [], "group_members": None},
    }


def fleet_of(size):
    """`size` hosts: every fourth drifted, every fourth stopped, one container, one unreachable."""
    observed, gather = {}, {"hosts": {}}
    for index in range(size):
        name = "host%02d.example.test" % index
        host = healthy()
        if index % 4 == 1:
            host["disk_check"]["drift"]["extra"] = ["-w /etc/out-of-band-%d -p wa -k oob" % index]
        elif index % 4 == 2:
            host["info"]["service"]["running"] = False
        observed[name] = host
        gather["hosts"][name] = {"by_key": {"docker": 3 * index + 1, "identity": index % 3}}
    observed["container.example.test"] = dict(healthy(), disk_check={
        "kernel_available": False, "kernel_unavailable_reason": "auditctl: Operation not permitted"})
    observed["down.example.test"] = {"unreachable": True, "msg": "ssh: connect to host: Connection timed out"}
    return rr.build_report(observed, generated="2026-11-26T17:00:00+00:00", run_id="20261126T170000Z",
                           gather_runs=[{"run": "gather-20261126T165900Z", "file": "/r/gather.json", "gather": gather}])


@pytest.mark.parametrize("size", [3, 40])
def test_rendered_page_has_one_row_per_host_and_visible_failures(tmp_path, size):
    report = fleet_of(size)
    page = tmp_path / "fleet.html"
    page.write_text(render_html(report), encoding="utf-8")
    dom = _Dom()
    dom.feed(chromium(tmp_path, "--dump-dom", page.as_uri()))

    assert sorted(dom.rows) == sorted(host["host"] for host in report["hosts"])
    for host in report["hosts"]:
        row = dom.rows[host["host"]]
        assert row["status"] == host["status"]
        assert row["cells"] == {check_id: verdict["status"] for check_id, verdict in host["checks"].items()}
    failing = rc.failing_checks(report)
    assert set(dom.findings) == set(failing) | {"container.example.test"}
    assert "-w /etc/out-of-band-1 -p wa -k oob" in dom.findings["host01.example.test"]
    assert "auditd is not running" in dom.findings["host02.example.test"]
    assert "Connection timed out" in dom.findings["down.example.test"]
    assert "Operation not permitted" in dom.findings["container.example.test"]
    # One point per host that counted the key, per key (one gather run).
    assert dom.points == sum(1 for counts in report["events"].values() for count in counts.values() if count)

    rows = screenshot(tmp_path, page, 1280, 1600, "fleet-%d-hosts" % size)
    colours = {}
    for line in rows:
        for pixel in line:
            colours[pixel] = colours.get(pixel, 0) + 1
    # Status cells are painted: failing ones red, passing ones green, the container's unknown amber.
    assert colours.get(FAIL_RGB, 0) > 2000
    assert colours.get(PASS_RGB, 0) > colours.get(FAIL_RGB, 0)
    assert colours.get(UNKNOWN_RGB, 0) > 500


def screenshot(tmp_path, page, width, height, name):
    """The page as chromium paints it at this window size; kept in FLEETAUDIT_SCREENSHOT_DIR if set."""
    shot = tmp_path / (name + ".png")
    chromium(tmp_path, "--window-size=%d,%d" % (width, height), "--screenshot=%s" % shot, page.as_uri())
    keep = os.environ.get("FLEETAUDIT_SCREENSHOT_DIR")
    if keep:
        os.makedirs(keep, exist_ok=True)
        shutil.copy(str(shot), os.path.join(keep, shot.name))
    return png_pixels(str(shot))[2]


def test_phone_width_page_has_its_findings_on_screen_and_no_sideways_scroll(tmp_path):
    """At 390 px, the width of a phone, the page's text wraps: the failures are on the first screen
    (red badges), and the page itself does not scroll sideways (only wide tables do, in their box)."""
    text = render_html(fleet_of(12))
    page = tmp_path / "fleet.html"
    page.write_text(text, encoding="utf-8")
    rows = screenshot(tmp_path, page, 390, 844, "fleet-phone")
    assert sum(line.count(FAIL_RGB) for line in rows) > 200
    # The page has no script; a copy with one measures the layout. Headless chromium's window is at
    # least 500 px wide, so the copy lays the page out in a 390 px wide root element instead, and
    # finds the widest element outside the boxes that scroll on their own (wide tables).
    probe = tmp_path / "measure.html"
    probe.write_text(text.replace("</body>", """<style>html { width: 390px; }</style><script>
let widest = 0;
for (const element of document.querySelectorAll("body *")) {
  if (!element.closest(".scroll")) { widest = Math.max(widest, element.getBoundingClientRect().right); }
}
document.body.setAttribute("data-widest", Math.ceil(widest));
</script></body>"""), encoding="utf-8")
    dom = chromium(tmp_path, "--window-size=390,844", "--dump-dom", probe.as_uri())
    widest = int(dom.split('data-widest="', 1)[1].split('"', 1)[0])
    assert 300 < widest <= 390, "an element reaches %d px at a 390 px width" % widest


def test_compliant_fleet_page_shows_no_red(tmp_path):
    report = rr.build_report({"a.example.test": healthy(), "b.example.test": healthy()})
    page = tmp_path / "fleet.html"
    page.write_text(render_html(report), encoding="utf-8")
    dom = _Dom()
    dom.feed(chromium(tmp_path, "--dump-dom", page.as_uri()))
    assert sorted(dom.rows) == ["a.example.test", "b.example.test"]
    assert dom.findings == {}
    shot = tmp_path / "fleet.png"
    chromium(tmp_path, "--window-size=1280,600", "--screenshot=%s" % shot, page.as_uri())
    pixels = [pixel for line in png_pixels(str(shot))[2] for pixel in line]
    assert FAIL_RGB not in pixels
    assert pixels.count(PASS_RGB) > 2000
