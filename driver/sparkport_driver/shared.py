"""Shared data of a session: named key/value maps and named datasets.

The data lives here, in the driver, next to the SparkSession, so session code
uses it directly (`shared["states"]["ak"] = "Alaska"`) and REST reaches it
through the control thread without waiting for a running statement. Every map
has its own lock; each key update is atomic, and bulk updates are applied
whole or not at all.

Maps show up in SQL as temp views with columns `key` and `value` (the value as
JSON text); a view is rebuilt before a statement runs only if its map changed.
"""

from __future__ import annotations

import bisect
import json
import threading
import uuid
from collections.abc import MutableMapping
from typing import Any, Iterator, Optional

from . import outputs

NOT_FOUND = "NOT_FOUND"
WRONG_KIND = "WRONG_KIND"
BAD_REQUEST = "BAD_REQUEST"
IO_ERROR = "IO_ERROR"

FORMATS = ("parquet", "json")


class SharedError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


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


class SharedStore:
    """The session's `shared` object: `shared["m"]["k"] = v`, `shared.publish("name", df)`."""

    def __init__(self, spark: Any = None):
        self._spark = spark
        self._maps: dict[str, SharedMap] = {}
        self._datasets: dict[str, Dataset] = {}
        self._lock = threading.RLock()
        self._view_versions: dict[str, int] = {}

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
        _check_name(name)
        with self._lock:
            if name in self._datasets:
                raise SharedError(WRONG_KIND, f"'{name}' is a dataset, not a map")
            m = self._maps.get(name)
            if m is None:
                m = self._maps[name] = SharedMap(name)
            return m

    def publish(self, name: str, data: Any) -> Any:
        """Shares a DataFrame (or RDD) under `name`: listed over REST and visible to SQL."""
        _check_name(name)
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
            self._view_versions.pop(name, None)
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
    def refresh_views(self) -> None:
        """Rebuilds the temp view of every map that changed since its view was made."""
        if self._spark is None:
            return
        for name, m in list(self._maps.items()):
            if self._view_versions.get(name) == m.version:
                continue
            version = m.version
            self._map_frame(m).createOrReplaceTempView(name)
            self._view_versions[name] = version

    # -- requests from the server (PROTOCOL.md, shared data) ----------------------------------
    def needs_spark(self, msg: dict) -> bool:
        """Whether a request may run a Spark job (and so belongs off the control thread)."""
        t = msg.get("type")
        name = msg.get("name")
        if t in ("shared_save", "shared_load"):
            return True
        if t == "shared_list":
            return any(d.count is None for d in self._datasets.values())
        if t in ("shared_scan", "shared_delete"):
            return name in self._datasets
        return False

    def handle(self, msg: dict) -> dict:
        t = msg.get("type")
        handler = getattr(self, "_req_" + str(t)[len("shared_"):], None)
        if handler is None:
            raise SharedError(BAD_REQUEST, f"unknown shared request '{t}'")
        return handler(msg)

    def _req_list(self, msg: dict) -> dict:
        with self._lock:
            maps = [{"kind": "map", "name": n, "size": len(m)} for n, m in self._maps.items()]
            datasets = list(self._datasets.values())
        items = maps + [{"kind": "dataset", "name": d.name, "schema": d.schema, "count": d.row_count()} for d in datasets]
        return {"items": sorted(items, key=lambda i: i["name"])}

    def _req_put(self, msg: dict) -> dict:
        entries = msg.get("entries")
        if not isinstance(entries, dict):
            raise SharedError(BAD_REQUEST, "shared_put needs an object 'entries'")
        name = _name(msg)
        if name in self._datasets:
            raise SharedError(WRONG_KIND, f"'{name}' is a dataset: datasets are read-only over REST")
        m = self.map(name) if msg.get("create", True) else self._existing_map(name)
        try:
            n = m.put_many(entries)
        except TypeError as e:
            raise SharedError(BAD_REQUEST, str(e)) from None
        return {"updated": n, "size": len(m)}

    def _req_get(self, msg: dict) -> dict:
        keys = msg.get("keys")
        if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
            raise SharedError(BAD_REQUEST, "shared_get needs a list of string 'keys'")
        values, missing = self._existing_map(_name(msg)).get_many(keys)
        return {"values": values, "missing": missing}

    def _req_delete(self, msg: dict) -> dict:
        name = _name(msg)
        keys = msg.get("keys")
        if keys is None:
            if not self.drop(name):
                raise SharedError(NOT_FOUND, f"no shared map or dataset named '{name}'")
            return {"deleted": 1}
        if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
            raise SharedError(BAD_REQUEST, "'keys' must be a list of strings")
        return {"deleted": self._existing_map(name).delete_many(keys)}

    def _req_scan(self, msg: dict) -> dict:
        name = _name(msg)
        limit = msg.get("limit", 100)
        cursor = msg.get("cursor")
        prefix = msg.get("prefix") or ""
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
            raise SharedError(BAD_REQUEST, "'limit' must be a positive integer")
        if cursor is not None and not isinstance(cursor, str):
            raise SharedError(BAD_REQUEST, "'cursor' must be a string")
        ds = self._datasets.get(name)
        if ds is not None:
            return self._scan_dataset(ds, limit, cursor)
        m = self._existing_map(name)
        entries, next_cursor = m.scan(prefix, limit, cursor)
        return {"kind": "map", "size": len(m), "entries": entries, "next_cursor": next_cursor}

    def _scan_dataset(self, ds: Dataset, limit: int, cursor: Optional[str]) -> dict:
        try:
            offset = int(cursor) if cursor else 0
        except ValueError:
            raise SharedError(BAD_REQUEST, f"bad cursor {cursor!r} for dataset '{ds.name}'") from None
        rows = ds.df.offset(offset).limit(limit + 1).collect()
        more = len(rows) > limit
        rows = [outputs.to_json(r.asDict(recursive=True)) for r in rows[:limit]]
        return {
            "kind": "dataset",
            "schema": ds.schema,
            "count": ds.row_count(),
            "rows": rows,
            "next_cursor": str(offset + limit) if more else None,
        }

    def _req_save(self, msg: dict) -> dict:
        name = _name(msg)
        path, fmt = _path(msg), _format(msg)
        mode = msg.get("mode", "error")
        if mode not in ("error", "overwrite"):
            raise SharedError(BAD_REQUEST, "'mode' must be 'error' or 'overwrite'")
        if name in self._datasets:
            df = self._datasets[name].df
        elif name in self._maps:
            df = self._map_frame(self._maps[name])
        else:
            raise SharedError(NOT_FOUND, f"no shared map or dataset named '{name}'")
        try:
            rows = _write_atomically(self._spark, df, path, fmt, mode)
        except SharedError:
            raise
        except Exception as e:
            raise SharedError(IO_ERROR, f"saving '{name}' to {path} failed: {_short(e)}") from None
        return {"path": path, "format": fmt, "rows": rows}

    def _req_load(self, msg: dict) -> dict:
        name = _name(msg)
        path, fmt = _path(msg), _format(msg)
        as_ = msg.get("as", "dataset")
        if as_ not in ("dataset", "map"):
            raise SharedError(BAD_REQUEST, "'as' must be 'dataset' or 'map'")
        try:
            df = self._spark.read.format(fmt).load(path)
        except Exception as e:
            raise SharedError(IO_ERROR, f"loading {path} as {fmt} failed: {_short(e)}") from None
        if as_ == "dataset":
            self.drop(name) if name in self._maps else None
            self.publish(name, df)
            ds = self._datasets[name]
            return {"item": {"kind": "dataset", "name": name, "schema": ds.schema, "count": ds.row_count()}}
        if "key" not in df.columns or "value" not in df.columns:
            raise SharedError(BAD_REQUEST, f"{path} has columns {df.columns}: loading as a map needs 'key' and 'value'")
        entries = {}
        for row in df.select("key", "value").collect():
            value = row["value"]
            if isinstance(value, str):
                try:
                    value = json.loads(value)
                except ValueError:
                    pass
            entries[str(row["key"])] = value
        if name in self._datasets:
            self.drop(name)
        try:
            self.map(name).replace(entries)
        except TypeError as e:
            raise SharedError(BAD_REQUEST, str(e)) from None
        return {"item": {"kind": "map", "name": name, "size": len(entries)}}

    # -- helpers -------------------------------------------------------------------------------
    def _existing_map(self, name: str) -> SharedMap:
        if name in self._datasets:
            raise SharedError(WRONG_KIND, f"'{name}' is a dataset, not a map")
        m = self._maps.get(name)
        if m is None:
            raise SharedError(NOT_FOUND, f"no shared map named '{name}'")
        return m

    def _map_frame(self, m: SharedMap) -> Any:
        rows = [(k, json.dumps(v)) for k, v in m.snapshot()]
        return self._spark.createDataFrame(rows, "key string, value string")

    def _as_dataframe(self, data: Any) -> Any:
        if outputs.is_dataframe(data):
            return data
        if outputs.is_rdd(data):
            first = data.take(1)
            if first and (outputs.is_row(first[0]) or isinstance(first[0], (tuple, list))):
                return data.toDF()
            return data.map(lambda v: (v,)).toDF(["value"])
        raise TypeError(f"publish() takes a DataFrame or an RDD, got {type(data).__name__}")


def _check_name(name: Any) -> None:
    if not isinstance(name, str) or not name or not (name[0].isalpha() or name[0] == "_") \
            or not all(c.isalnum() or c == "_" for c in name) or len(name) > 128:
        raise SharedError(BAD_REQUEST, f"invalid shared name {name!r}: letters, digits and _, not starting with a digit")


def _name(msg: dict) -> str:
    name = msg.get("name")
    _check_name(name)
    return name


def _path(msg: dict) -> str:
    path = msg.get("path")
    if not isinstance(path, str) or not path:
        raise SharedError(BAD_REQUEST, "'path' is required")
    return path


def _format(msg: dict) -> str:
    fmt = msg.get("format", "parquet")
    if fmt not in FORMATS:
        raise SharedError(BAD_REQUEST, f"'format' must be one of {', '.join(FORMATS)}")
    return fmt


def _short(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return text[0][:500] if text else type(e).__name__


def _write_atomically(spark: Any, df: Any, path: str, fmt: str, mode: str) -> int:
    """Writes next to the target, then renames: a failed save leaves nothing half-written."""
    jvm = spark._jvm
    hadoop_conf = spark._jsc.hadoopConfiguration()
    target = jvm.org.apache.hadoop.fs.Path(path)
    fs = target.getFileSystem(hadoop_conf)
    if fs.exists(target) and mode == "error":
        raise SharedError(IO_ERROR, f"{path} already exists: save with mode 'overwrite' to replace it")
    tmp_path = f"{path.rstrip('/')}.sparkport-tmp-{uuid.uuid4().hex[:12]}"
    tmp = jvm.org.apache.hadoop.fs.Path(tmp_path)
    try:
        df.write.format(fmt).mode("error").save(tmp_path)
        rows = spark.read.format(fmt).load(tmp_path).count()
        if fs.exists(target):
            fs.delete(target, True)
        parent = target.getParent()
        if parent is not None and not fs.exists(parent):
            fs.mkdirs(parent)
        if not fs.rename(tmp, target):
            raise SharedError(IO_ERROR, f"could not move the written data into {path}")
        return int(rows)
    finally:
        if fs.exists(tmp):
            fs.delete(tmp, True)
