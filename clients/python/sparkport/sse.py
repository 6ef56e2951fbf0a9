"""Server-Sent Events as a Python iterator: one `Event(event, data)` per event, as it arrives."""

from __future__ import annotations

import json
from typing import Any, Iterator, NamedTuple, Optional

from .errors import NetworkError
from .http import Http


class Event(NamedTuple):
    event: str
    data: Any


def events(http: Http, path: str, params: Optional[dict] = None) -> Iterator[Event]:
    res = http.open("GET", path, params=params, headers={"Accept": "text/event-stream"})
    with res:
        name, data = "message", []
        try:
            for raw in res:
                line = raw.decode("utf-8").rstrip("\r\n")
                if not line:
                    if data:
                        yield Event(name, json.loads("\n".join(data)))
                    name, data = "message", []
                elif line.startswith(":"):
                    continue  # keep-alive comment
                elif line.startswith("event:"):
                    name = line[6:].strip()
                elif line.startswith("data:"):
                    data.append(line[5:].lstrip())
        except OSError as e:
            raise NetworkError(f"stream from {http.base_url} broke: {e}") from None
