"""Shared maps of a live session, as the seed's SharedRdd promised, on real endpoints."""

from __future__ import annotations

import re
import urllib.parse
from typing import Any, Iterator, Optional

from .errors import SparkportError
from .http import Http, quote
from .spec import ABSENT_SHARED

_MISSING = object()


class SharedRdd:
    """`SharedRdd("http://localhost:8998/sessions/0", "states")`: get, set, list, delete, load, save."""

    def __init__(self, session_url: str, name: str, http: Optional[Http] = None):
        m = re.match(r"^(.*)/sessions/([^/]+)/?$", session_url)
        if not m:
            raise ValueError(f"session URL must look like http://host:8998/sessions/<id>, got {session_url!r}")
        self.http = http or Http(m.group(1))
        self.session = urllib.parse.unquote(m.group(2))
        self.name = name

    @property
    def _base(self) -> str:
        return f"/sessions/{quote(self.session)}/shared/{quote(self.name)}"

    def get(self, key: str, default: Any = None) -> Any:
        """The value, or `default` when the key (or the map) does not exist."""
        try:
            return self.http.request("GET", f"{self._base}/{quote(key)}")["value"]
        except SparkportError as e:
            if e.code in ABSENT_SHARED:
                return default
            raise

    def set(self, key: str, value: Any) -> None:
        self.http.request("PUT", f"{self._base}/{quote(key)}", value)

    def set_many(self, entries: dict) -> int:
        return self.http.request("POST", f"{self._base}/put", {"entries": entries})["updated"]

    def get_many(self, keys: list) -> dict:
        return self.http.request("POST", f"{self._base}/get", {"keys": list(keys)})["values"]

    def delete(self, key: Any = _MISSING) -> None:
        """Deletes one key, or the whole map when no key is given."""
        if key is _MISSING:
            self.http.request("DELETE", self._base)
        else:
            self.http.request("DELETE", f"{self._base}/{quote(key)}")

    def items(self, prefix: str = "") -> Iterator[tuple[str, Any]]:
        cursor = None
        while True:
            page = self.http.request("GET", self._base, params={"prefix": prefix or None, "limit": 1000, "cursor": cursor})
            for e in page.get("entries") or []:
                yield e["key"], e["value"]
            cursor = page.get("next_cursor")
            if not cursor:
                return

    def list(self) -> list:
        """Everything shared in the session: maps and datasets, with sizes and schemas."""
        return self.http.request("GET", f"/sessions/{quote(self.session)}/shared")["items"]

    def save(self, path: str, format: str = "parquet", mode: str = "error") -> dict:
        return self.http.request("POST", f"{self._base}/save", {"path": path, "format": format, "mode": mode})

    def load(self, path: str, format: str = "parquet") -> dict:
        return self.http.request("POST", f"{self._base}/load", {"path": path, "format": format, "as": "map"})
