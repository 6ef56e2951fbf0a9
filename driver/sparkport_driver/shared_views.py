"""The SQL views of shared maps, rebuilt when something reads them, not when the map changes.

A map's view is a temp view named like the map, with columns `key` and `value` (the value as
JSON text). Building one copies the whole map into Spark, about a second for 100,000 keys, so
a change only makes the view stale (the map's version moves past the one it was built from)
and the view is rebuilt when text that names it is about to be read as SQL: a `sql` or Scala
statement (checked before it runs) and Python's spark.sql() and spark.table() (checked on each
call, so queries made by functions defined earlier see current data too). SQL names are
case-insensitive, and so is the match. What reads a view without naming it in such text (a
DataFrame built earlier, spark.read.table, the catalog) sees it as of its last rebuild.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import threading
from typing import Any, Callable

from .shared_maps import SharedMap

log = logging.getLogger("sparkport.driver")


def map_frame(spark: Any, m: SharedMap) -> Any:
    """The map as a DataFrame of `key` and `value` (JSON text), as its view and saves show it."""
    rows = [(k, json.dumps(v)) for k, v in m.snapshot()]
    return spark.createDataFrame(rows, "key string, value string")


def names(text: str, name: str) -> bool:
    """Whether text mentions the SQL name `name` as a whole word (any case)."""
    return re.search(rf"(?<![\w$]){re.escape(name)}(?![\w$])", text, re.IGNORECASE) is not None


class MapViews:
    def __init__(self, spark: Any, maps: Callable[[], dict[str, SharedMap]]):
        self._spark = spark
        self._maps = maps
        # name -> (the map, its version) the view was built from: a map dropped and made anew
        # under the same name starts its versions again, so the version alone could match.
        self._built: dict[str, tuple[SharedMap, int]] = {}
        # One rebuild at a time; never held by REST requests (they take the maps' own locks).
        self._lock = threading.Lock()

    def is_stale(self, name: str, m: SharedMap) -> bool:
        built = self._built.get(name)
        return built is None or built[0] is not m or built[1] != m.version

    def refresh_named_in(self, text: Any) -> list[str]:
        """Rebuild the stale views that text names; the names rebuilt."""
        if self._spark is None or not isinstance(text, str):
            return []
        rebuilt = []
        for name, m in self._maps().items():
            if not self.is_stale(name, m) or not names(text, name):
                continue
            with self._lock:
                if name not in self._maps() or not self.is_stale(name, m):
                    continue
                # The version before the copy: a change during it leaves the view stale, to be
                # rebuilt on the next read, never marked fresh with data it lacks.
                version = m.version
                self._build(name, m)
                self._built[name] = (m, version)
            rebuilt.append(name)
        return rebuilt

    def forget(self, name: str) -> None:
        """The map is dropped; waits for a rebuild of it in flight, so the view stays dropped."""
        with self._lock:
            self._built.pop(name, None)

    def _build(self, name: str, m: SharedMap) -> None:
        map_frame(self._spark, m).createOrReplaceTempView(name)

    def watch(self, spark: Any) -> None:
        """Make spark.sql() and spark.table() refresh the views they name first.

        On this session object only (the one statements see as `spark`, which SQLContext.sql
        also goes through); the wrappers keep the methods' names and docs.
        """
        for method in ("sql", "table"):
            original = getattr(spark, method, None)
            if original is None or getattr(original, "_sparkport_views", False):
                continue
            setattr(spark, method, self._refreshing(original))

    def _refreshing(self, original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def call(text: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                self.refresh_named_in(text)
            except Exception:
                # The query still runs, on the view as it was.
                log.warning("could not rebuild the SQL view of a shared map", exc_info=True)
            return original(text, *args, **kwargs)

        call._sparkport_views = True  # type: ignore[attr-defined]
        return call
