"""How deeply a line from the server may nest, checked on the raw bytes before it is parsed.

json.loads recurses once per level and raises RecursionError near the interpreter's recursion
limit (about 1,000 levels, less whatever the parsing thread already has on its stack), so a
2 KB line of brackets could kill the thread that reads it. Lines nested deeper than MAX_DEPTH
are refused before parsing, the same way whatever the thread's stack; the refusal still names
the request when its top-level `type` and `id` can be read without parsing the rest.
"""

from __future__ import annotations

import json
import re
from array import array
from itertools import accumulate
from typing import Any, Optional

from .spec import MAX_LINE_DEPTH

MAX_DEPTH = MAX_LINE_DEPTH  # PROTOCOL.md section 1

# Everything but the four brackets, for bytes.translate(None, delete=...).
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
# With every backslash pair and escaped quote gone, a string is a quote, no quote, a quote.
_BARE_STRING = re.compile(rb'"[^"]*"')
# Opening brackets count +1, closing ones -1 (0xff is -1 as a signed byte).
_SIGNS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")


def _as_bytes(line: bytes | str) -> bytes:
    return line if isinstance(line, bytes) else line.encode("utf-8", "surrogatepass")


def too_deep(line: bytes | str, limit: int = MAX_DEPTH) -> bool:
    data = _as_bytes(line)
    # Most lines cannot reach the limit at all: counting is a C loop, so checking costs nothing.
    if data.count(b"[") + data.count(b"{") <= limit:
        return False
    # Backslashes only occur inside strings, where they pair up from the left: dropping the
    # pairs first leaves each remaining \" an escaped quote, never a string's end.
    data = data.replace(b"\\\\", b"").replace(b'\\"', b"")
    brackets = _BARE_STRING.sub(b"", data).translate(None, delete=_NOT_BRACKETS)
    if len(brackets) <= limit:
        return False
    return max(accumulate(array("b", brackets.translate(_SIGNS)))) > limit


_TOKEN = re.compile(
    rb'\s*(?:(?P<str>"[^"\\]*(?:\\.[^"\\]*)*")|(?P<open>[\[{])|(?P<close>[\]}])'
    rb'|(?P<punct>[:,])|(?P<atom>[^\s\[\]{}:,"]+))',
    re.S,
)


def top_level_fields(line: bytes | str, names: tuple[str, ...] = ("type", "id")) -> dict[str, Any]:
    """The scalar top-level members `names` of a JSON object too deep to parse, as far as
    they can be read; nested values are skipped by counting brackets, never parsed."""
    data = _as_bytes(line)
    found: dict[str, Any] = {}
    pos = 0
    depth = 0
    key: Optional[str] = None
    expect_key = False
    while pos < len(data) and len(found) < len(names):
        m = _TOKEN.match(data, pos)
        if m is None:
            break
        pos = m.end()
        kind = m.lastgroup
        text = m.group(kind)
        if kind == "open":
            depth += 1
            if depth == 1:
                expect_key = text == b"{"
                if not expect_key:
                    break  # not an object
            key = None
        elif kind == "close":
            depth -= 1
            if depth <= 0:
                break
        elif depth != 1:
            continue
        elif kind == "punct":
            expect_key = text == b","
        elif expect_key and kind == "str":
            key = _scalar(text)
            expect_key = False
        elif key in names and kind in ("str", "atom"):
            value = _scalar(text)
            if value is not None:
                found[key] = value
            key = None
    return found


def _scalar(text: bytes) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None
