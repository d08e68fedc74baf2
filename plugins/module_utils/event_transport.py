# -*- coding: utf-8 -*-
# Copyright: (c) fleetaudit maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Matching events on their way from the host to the controller: gzip-compressed JSON Lines
(bounded memory on the host, a small transfer), base64 in the module's result."""

from __future__ import annotations

import base64
import json
import zlib


class CompressedEvents:
    """Matching events as gzip-compressed JSON Lines (bounded memory), with their figures."""

    def __init__(self, counted_keys=None):
        self._counted_keys = counted_keys
        self._compressor = zlib.compressobj(1, zlib.DEFLATED, 31)
        self._chunks = []
        self.count = 0
        self.count_by_key = {}
        self.raw_bytes = 0

    def add(self, event_text, keys):
        line = (event_text + "\n").encode()
        self.raw_bytes += len(line)
        self._chunks.append(self._compressor.compress(line))
        self.count += 1
        for key in keys:
            if self._counted_keys and key not in self._counted_keys:
                continue  # the other keys of a multi-key rule were not asked for
            self.count_by_key[key] = self.count_by_key.get(key, 0) + 1

    def result(self):
        """The module's return values for the events: events_gz (base64), count, count_by_key,
        events_bytes (as JSON Lines), transfer_bytes (compressed)."""
        self._chunks.append(self._compressor.flush())
        self._compressor = None
        blob = b"".join(self._chunks)
        return {
            "events_gz": base64.b64encode(blob).decode("ascii"),
            "count": self.count,
            "count_by_key": self.count_by_key,
            "events_bytes": self.raw_bytes,
            "transfer_bytes": len(blob),
        }


def decode_events(blob_b64):
    """The module's `events_gz` (base64 of gzip JSON Lines) -> list of events."""
    text = zlib.decompress(base64.b64decode(blob_b64), 31).decode()
    return [json.loads(line) for line in text.splitlines() if line]
