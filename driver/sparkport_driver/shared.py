"""Shared data of a session: named key/value maps and named datasets.

The data lives here, in the driver, next to the SparkSession, so session code
uses it directly (`shared["states"]["ak"] = "Alaska"`) and REST reaches it
through the control thread without waiting for a running statement. The maps
themselves are in shared_maps.py, the `shared_*` requests in shared_requests.py
and shared_files.py.

Maps show up in SQL as temp views with columns `key` and `value` (the value as
JSON text), rebuilt only when something about to read one names it (shared_views.py).
"""

from __future__ import annotations

import json
import threading
from typing import Any, Iterator, Optional

from . import outputs
from .shared_maps import NOT_FOUND, WRONG_KIND, SharedError, SharedMap, check_name
from .shared_requests import SharedRequests
from .shared_views import MapViews, map_frame


class Dataset:
    def __init__(self, name: str, df: Any):
        self.name = name
        self.df = df
        self.schema = json.loads(df.schema.json())
        self.count: Optional[int] = None

    def row_count(self) -> int:
        if self.count is None:
            self.count = int(self.df.count())
        return self.count


class SharedStore(SharedRequests):
    """The session's `shared` object: `shared["m"]["k"] = v`, `shared.publish("name", df)`."""

    def __init__(self, spark: Any = None):
        self._spark = spark
        self._maps: dict[str, SharedMap] = {}
        self._datasets: dict[str, Dataset] = {}
        self._lock = threading.RLock()
        self.views = MapViews(spark, lambda: dict(self._maps))

    # -- what session code sees ----------------------------------------------------------------
    def __getitem__(self, name: str) -> Any:
        """A map (created on first use) or a published dataset's DataFrame."""
        with self._lock:
            ds = self._datasets.get(name)
            if ds is not None:
                return ds.df
            return self.map(name)

    def __contains__(self, name: object) -> bool:
        return name in self._maps or name in self._datasets

    def __delitem__(self, name: str) -> None:
        if not self.drop(name):
            raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        with self._lock:
            return iter(sorted([*self._maps, *self._datasets]))

    def __repr__(self) -> str:
        return f"shared(maps={sorted(self._maps)}, datasets={sorted(self._datasets)})"

    def map(self, name: str) -> SharedMap:
        check_name(name)
        with self._lock:
            if name in self._datasets:
                raise SharedError(WRONG_KIND, f"'{name}' is a dataset, not a map")
            m = self._maps.get(name)
            if m is None:
                m = self._maps[name] = SharedMap(name)
            return m

    def publish(self, name: str, data: Any) -> Any:
        """Shares a DataFrame (or RDD) under `name`: listed over REST and visible to SQL."""
        check_name(name)
        df = self._as_dataframe(data)
        with self._lock:
            if name in self._maps:
                raise SharedError(WRONG_KIND, f"'{name}' is a map; drop it before publishing a dataset under that name")
            self._datasets[name] = Dataset(name, df)
        df.createOrReplaceTempView(name)
        return df

    def drop(self, name: str) -> bool:
        with self._lock:
            found = self._maps.pop(name, None) is not None or self._datasets.pop(name, None) is not None
        self.views.forget(name)
        if found and self._spark is not None:
            try:
                self._spark.catalog.dropTempView(name)
            except Exception:
                pass
        return found

    @property
    def maps(self) -> dict[str, SharedMap]:
        return dict(self._maps)

    @property
    def datasets(self) -> dict[str, Any]:
        return {n: d.df for n, d in self._datasets.items()}

    # -- SQL views -----------------------------------------------------------------------------
    def refresh_views_named_in(self, text: str) -> list[str]:
        """Rebuild the stale views of the maps that text names (a statement about to run)."""
        return self.views.refresh_named_in(text)

    def watch_reads(self, spark: Any) -> None:
        """Have spark.sql() and spark.table() on this session refresh the views they name."""
        self.views.watch(spark)

    # -- helpers -------------------------------------------------------------------------------
    def _existing_map(self, name: str) -> SharedMap:
        if name in self._datasets:
            raise SharedError(WRONG_KIND, f"'{name}' is a dataset, not a map")
        m = self._maps.get(name)
        if m is None:
            raise SharedError(NOT_FOUND, f"no shared map named '{name}'")
        return m

    def _map_frame(self, m: SharedMap) -> Any:
        return map_frame(self._spark, m)

    def _as_dataframe(self, data: Any) -> Any:
        if outputs.is_dataframe(data):
            return data
        if outputs.is_rdd(data):
            first = data.take(1)
            if first and (outputs.is_row(first[0]) or isinstance(first[0], (tuple, list))):
                return data.toDF()
            return data.map(lambda v: (v,)).toDF(["value"])
        raise TypeError(f"publish() takes a DataFrame or an RDD, got {type(data).__name__}")
