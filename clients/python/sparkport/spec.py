"""State names, state sets, error codes and event names, read from protocol.json next to this file.

protocol.json is generated from the server's TypeScript tables (packages/protocol, `npm run
gen:protocol`) and shipped inside this package, so the client and the server it was built
with cannot disagree on which states are final or what a code means.
"""

from __future__ import annotations

import json
from importlib import resources


def _load() -> dict:
    # importlib.resources also finds the file in an installed wheel or a zip.
    text = resources.files(__package__).joinpath("protocol.json").read_text(encoding="utf-8")
    return json.loads(text)


SPEC = _load()

_machines = SPEC["machines"]


def states(machine: str, set_name: str) -> tuple:
    """A named set of a lifecycle: `states("session", "finished")` → ("dead", "killed", "success")."""
    return tuple(_machines[machine]["sets"][set_name])


def error_status(code: str) -> int:
    """The HTTP status the server answers a REST error code with; KeyError for a code it never sends."""
    return SPEC["errorCodes"][code]


def event(stream: str, name: str) -> str:
    """An SSE event name, checked against the stream's list (`event("statement", "done")`)."""
    if name not in SPEC["events"][stream]:
        raise KeyError(f"protocol.json has no {stream} event {name!r}")
    return name


# What the client waits for. A session can run code when `ready`; one that is no longer
# `live` never will. A statement or batch is over when `finished`.
SESSION_READY = states("session", "ready")
SESSION_LIVE = states("session", "live")
STATEMENT_FINISHED = states("statement", "finished")
BATCH_FINISHED = states("batch", "finished")

def error_code(code: str) -> str:
    """A REST error code, checked against protocol.json (KeyError for a code the server never sends)."""
    error_status(code)
    return code


SESSION_NOT_ACTIVE = error_code("SESSION_NOT_ACTIVE")
SESSION_NOT_ACTIVE_STATUS = error_status(SESSION_NOT_ACTIVE)
# What "no such key" is: the key, or the whole map, is missing (a missing session is not).
ABSENT_SHARED = (error_code("KEY_NOT_FOUND"), error_code("SHARED_NOT_FOUND"))

OUTPUT_EVENT = event("statement", "output")
DONE_EVENT = event("statement", "done")
