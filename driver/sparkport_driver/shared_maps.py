"""Shared maps: thread-safe str → JSON value maps, and the errors shared data answers with.

Every map has its own lock; each key update is atomic, and bulk updates are applied
whole or not at all.
"""

from __future__ import annotations

import bisect
import json
import threading
from collections.abc import MutableMapping
from typing import Any, Iterator, Optional

from . import outputs, protocol

# The codes of refused shared-data requests (PROTOCOL.md section 4).
NOT_FOUND = protocol.NOT_FOUND
WRONG_KIND = protocol.WRONG_KIND
BAD_REQUEST = protocol.BAD_REQUEST
IO_ERROR = protocol.IO_ERROR


class SharedError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def check_name(name: Any) -> None:
    if not isinstance(name, str) or not name or not (name[0].isalpha() or name[0] == "_") \
            or not all(c.isalnum() or c == "_" for c in name) or len(name) > 128:
        raise SharedError(BAD_REQUEST, f"invalid shared name {name!r}: letters, digits and _, not starting with a digit")


def _json_value(key: str, value: Any) -> Any:
    """Values are JSON: convert what has a JSON form (tuples, dates, Rows…), refuse the rest."""
    try:
        converted = outputs.to_json(value)
        json.dumps(converted, allow_nan=False)
    except (outputs.ConversionError, TypeError, ValueError) as e:
        raise TypeError(f"shared values must be JSON values; key {key!r} got {type(value).__name__}: {e}") from None
    return converted


def _check_key(key: Any) -> str:
    if not isinstance(key, str):
        raise TypeError(f"shared map keys are strings, got {type(key).__name__}")
    return key


class SharedMap(MutableMapping):
    """A thread-safe str → JSON value map, shared with every REST client of the session."""

    def __init__(self, name: str):
        self.name = name
        self._data: dict[str, Any] = {}
        self._lock = threading.RLock()
        self._sorted: Optional[list[str]] = None  # cached sorted keys, for paging
        self.version = 0  # bumped on every change; views compare it

    # -- MutableMapping ------------------------------------------------------------------------
    def __getitem__(self, key: str) -> Any:
        with self._lock:
            return self._data[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.put_many({key: value})

    def __delitem__(self, key: str) -> None:
        with self._lock:
            del self._data[key]
            self._sorted = None
            self.version += 1

    def __len__(self) -> int:
        return len(self._data)

    def __iter__(self) -> Iterator[str]:
        with self._lock:
            return iter(list(self._data))

    def __repr__(self) -> str:
        return f"SharedMap({self.name!r}, {len(self)} keys)"

    # -- bulk and paging -----------------------------------------------------------------------
    def put_many(self, entries: dict) -> int:
        """Checks every entry first, then applies them all under the lock: all or nothing."""
        checked = {_check_key(k): _json_value(k, v) for k, v in entries.items()}
        with self._lock:
            if self._sorted is not None and any(k not in self._data for k in checked):
                self._sorted = None
            self._data.update(checked)
            self.version += 1
        return len(checked)

    def get_many(self, keys: list[str]) -> tuple[dict, list[str]]:
        values, missing = {}, []
        with self._lock:
            for k in keys:
                if k in self._data:
                    values[k] = self._data[k]
                else:
                    missing.append(k)
        return values, missing

    def delete_many(self, keys: list[str]) -> int:
        n = 0
        with self._lock:
            for k in keys:
                if k in self._data:
                    del self._data[k]
                    n += 1
            if n:
                self._sorted = None
                self.version += 1
        return n

    def replace(self, entries: dict) -> None:
        checked = {_check_key(k): _json_value(k, v) for k, v in entries.items()}
        with self._lock:
            self._data = checked
            self._sorted = None
            self.version += 1

    def scan(self, prefix: str, limit: int, cursor: Optional[str]) -> tuple[list[dict], Optional[str]]:
        """Keys in sorted order from after `cursor`, starting with `prefix`, at most `limit`."""
        with self._lock:
            if self._sorted is None:
                self._sorted = sorted(self._data)
            keys = self._sorted
            start = bisect.bisect_left(keys, prefix)
            if cursor is not None:
                start = max(start, bisect.bisect_right(keys, cursor))
            out = []
            i = start
            while i < len(keys) and len(out) < limit and keys[i].startswith(prefix):
                out.append({"key": keys[i], "value": self._data[keys[i]]})
                i += 1
            more = i < len(keys) and keys[i].startswith(prefix)
        return out, (out[-1]["key"] if more and out else None)

    def snapshot(self) -> list[tuple[str, Any]]:
        with self._lock:
            return list(self._data.items())
