"""Saving shared data to files and loading it back: the `shared_save` and `shared_load` requests.

Both run Spark jobs, so the control thread hands them to a worker (control.py).
"""

from __future__ import annotations

import json
import os
import re
import uuid
from typing import TYPE_CHECKING, Any

from .shared_maps import BAD_REQUEST, IO_ERROR, NOT_FOUND, SharedError

if TYPE_CHECKING:
    from .shared import SharedStore

FORMATS = ("parquet", "json")


class SharedFiles:
    """The store's file half (a mixin: the data it saves lives on the SharedStore)."""

    def _req_save(self: "SharedStore", msg: dict) -> dict:
        name, path = msg["name"], msg["path"]
        fmt, mode = msg.get("format", "parquet"), msg.get("mode", "error")
        if name in self._datasets:
            df = self._datasets[name].df
        elif name in self._maps:
            df = self._map_frame(self._maps[name])
        else:
            raise SharedError(NOT_FOUND, f"no shared map or dataset named '{name}'")
        check_unchanged(path)
        try:
            rows = write_atomically(self._spark, df, path, fmt, mode)
        except SharedError:
            raise
        except Exception as e:
            raise SharedError(IO_ERROR, f"saving '{name}' to {path} failed: {_short(e)}") from None
        return {"path": path, "format": fmt, "rows": rows}

    def _req_load(self: "SharedStore", msg: dict) -> dict:
        name, path = msg["name"], msg["path"]
        fmt, as_ = msg.get("format", "parquet"), msg.get("as", "dataset")
        check_unchanged(path)
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


def check_unchanged(path: str) -> None:
    """Refuses a local path that now goes through a symbolic link.

    The server checked the path against its allowed directories when the request came, and sent
    its real path (no links in it). A link that appeared since (planted by code in any session)
    would lead the write or read elsewhere; this narrows that window to Spark's own I/O.
    URIs other than file: are the filesystem's business.
    """
    scheme = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*):", path)
    if scheme and scheme.group(1).lower() != "file":
        return
    local = re.sub(r"^file:(//)?", "", path, flags=re.I) if scheme else path
    if os.path.realpath(local) != os.path.normpath(local):
        raise SharedError(IO_ERROR, f"{path} now leads through a symbolic link; refusing to follow it")


def _short(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return text[0][:500] if text else type(e).__name__


def write_atomically(spark: Any, df: Any, path: str, fmt: str, mode: str) -> int:
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
