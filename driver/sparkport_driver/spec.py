"""The protocol's names, read from protocol.json next to this file.

protocol.json is generated from the TypeScript tables (packages/protocol, `npm run
gen:protocol`), so the server and this driver cannot disagree on a message type, an
error code or the protocol version. Each name the driver uses is looked up once, at
import: a name the JSON does not have stops the driver at start-up, not mid-session.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Iterable


def _load() -> dict:
    # importlib.resources also finds the file when the package is imported from a zip.
    text = resources.files(__package__).joinpath("protocol.json").read_text(encoding="utf-8")
    return json.loads(text)


SPEC = _load()


class Names:
    """A list of names from protocol.json, read as attributes (`SENT.hello` is "hello")."""

    def __init__(self, what: str, names: Iterable[str]):
        self._what = what
        self._names = tuple(names)

    def __getattr__(self, name: str) -> str:
        if name.startswith("_") or name not in self._names:
            raise AttributeError(f"protocol.json has no {self._what} {name!r}")
        return name

    def __iter__(self):
        return iter(self._names)

    def __contains__(self, name: object) -> bool:
        return name in self._names

    def __repr__(self) -> str:
        return f"Names({self._what!r}, {list(self._names)})"


_driver = SPEC["driver"]

PROTOCOL_VERSION: int = _driver["protocolVersion"]
MAX_LINE_DEPTH: int = _driver["maxLineDepth"]
ERROR_CODES = Names("driver error code", _driver["errorCodes"])
SENT = Names("driver → server message type", _driver["messages"]["driverToServer"])
RECEIVED = Names("server → driver message type", _driver["messages"]["serverToDriver"])
