"""The session's shared maps for Scala statements: a py4j callback object implementing
`sparkport.SharedBridge` (driver/scala/src/sparkport/SharedBridge.scala) over the SharedStore.

The maps stay here, in Python: REST requests are answered from the control thread and must
never wait for the JVM. Scala reaches them by calling back into Python. A call made by a
statement comes back on the pinned connection of the main thread, which is blocked in
`helper.run` holding no SharedMap lock, so it runs there; calls from other JVM threads
(a Future, say) run on the callback server's threads. Either way each map's own lock is the
only one taken, as for REST.

Only strings cross py4j: each method answers JSON text, `{"ok": result}` or
`{"error": message, "code": code}`, so nothing raises into the JVM (py4j would turn it into
a Py4JException carrying a Python traceback).
"""

from __future__ import annotations

import json
import logging
from typing import Any, Callable, Optional

from . import protocol
from .shared import SharedStore
from .shared_maps import BAD_REQUEST, WRONG_KIND, SharedError, SharedMap, check_name

log = logging.getLogger("sparkport.driver")

INTERFACE = "sparkport.SharedBridge"


class SharedBridge:
    def __init__(self, store: SharedStore):
        self._store = store

    # ---- sparkport.SharedBridge --------------------------------------------------------------

    def get(self, map_name: str, key: str) -> str:
        def op() -> Any:
            m = self._find(map_name)
            if m is None:
                return []
            values, _ = m.get_many([key])
            return [values[key]] if key in values else []
        return _answer(op)

    def put(self, map_name: str, entries: str) -> str:
        def op() -> Any:
            parsed = json.loads(entries)
            if not isinstance(parsed, dict):
                raise SharedError(BAD_REQUEST, "shared entries must be a JSON object")
            return self._store.map(map_name).put_many(parsed)
        return _answer(op)

    def remove(self, map_name: str, key: str) -> str:
        def op() -> Any:
            m = self._find(map_name)
            return m is not None and m.delete_many([key]) == 1
        return _answer(op)

    def keys(self, map_name: str) -> str:
        def op() -> Any:
            m = self._find(map_name)
            return sorted(m) if m is not None else []
        return _answer(op)

    def size(self, map_name: str) -> str:
        def op() -> Any:
            m = self._find(map_name)
            return len(m) if m is not None else 0
        return _answer(op)

    def items(self, map_name: str) -> str:
        def op() -> Any:
            m = self._find(map_name)
            return dict(sorted(m.snapshot())) if m is not None else {}
        return _answer(op)

    def names(self) -> str:
        return _answer(lambda: list(self._store))

    def drop(self, name: str) -> str:
        return _answer(lambda: self._store.drop(name))

    class Java:
        implements = [INTERFACE]

    # ---- helpers -----------------------------------------------------------------------------

    def _find(self, name: str) -> Optional[SharedMap]:
        """The map, or None if there is none yet: reads never create one (writes do)."""
        m = self._store.maps.get(name)
        if m is not None:
            return m
        if name in self._store:  # not a map, so a published dataset
            raise SharedError(WRONG_KIND, f"'{name}' is a dataset, not a map")
        check_name(name)
        return None


def _answer(op: Callable[[], Any]) -> str:
    try:
        return json.dumps({"ok": op()}, allow_nan=False)
    except SharedError as e:
        return json.dumps({"error": e.message, "code": e.code})
    except (TypeError, ValueError) as e:
        # A value the store refuses, or entries that are not JSON (a bug on the Scala side).
        return json.dumps({"error": str(e), "code": BAD_REQUEST})
    except Exception as e:
        log.exception("a shared-data call from Scala failed")
        return json.dumps({"error": f"{type(e).__name__}: {e}", "code": protocol.INTERNAL})


def start(spark: Any, store: SharedStore) -> Optional[SharedBridge]:
    """The bridge to hand to the interpreter, with py4j's callback server running so JVM
    threads other than a statement's can call it too; None if the server cannot start
    (Scala's `shared` then reports that it is unavailable)."""
    try:
        from pyspark.java_gateway import ensure_callback_server_started

        ensure_callback_server_started(spark.sparkContext._gateway)
    except Exception:
        log.warning("py4j's callback server did not start: Scala statements cannot use shared maps", exc_info=True)
        return None
    return SharedBridge(store)
