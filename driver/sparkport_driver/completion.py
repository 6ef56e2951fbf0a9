"""Code completion for `complete` requests (pyspark only; sql gets none)."""

from __future__ import annotations

import re
import rlcompleter

_TOKEN = re.compile(r"[A-Za-z_][\w.]*$|$")
MAX_CANDIDATES = 500


def complete(globals_: dict, code: str, cursor: int, kind: str = "pyspark") -> list[str]:
    """Candidates for the dotted name before the cursor, as the text that replaces its last part.

    `spark.ra` → ["range("]: the server splices a candidate in place of "ra".
    """
    if kind != "pyspark":
        return []
    before = code[: max(0, min(cursor, len(code)))]
    token = _TOKEN.search(before).group(0)
    if not token:
        return []
    prefix_len = token.rfind(".") + 1  # what the candidates keep of the token
    completer = rlcompleter.Completer(globals_)
    found: list[str] = []
    seen = set()
    state = 0
    while len(found) < MAX_CANDIDATES:
        try:
            match = completer.complete(token, state)
        except Exception:
            # Statements run concurrently and may change the globals mid-iteration, and
            # attribute lookups can run arbitrary code: completion is best effort.
            break
        if match is None:
            break
        state += 1
        candidate = match[prefix_len:]
        if candidate and candidate not in seen:
            seen.add(candidate)
            found.append(candidate)
    return sorted(found)
