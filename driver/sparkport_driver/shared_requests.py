"""The `shared_*` requests from the server (PROTOCOL.md section 4), on the session's store.

Fields are checked first, by `check`, before any data is read or written: a refused
request has changed nothing, and the protocol fixture tests can run the same checks
without a store. Saving and loading are in shared_files.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Optional

from . import outputs
from .protocol import RECEIVED
from .shared_files import FORMATS, SharedFiles
from .shared_maps import BAD_REQUEST, NOT_FOUND, WRONG_KIND, SharedError, check_name

if TYPE_CHECKING:
    from .shared import Dataset, SharedStore


def _name(msg: dict) -> None:
    check_name(msg.get("name"))


def _string_keys(msg: dict, text: str) -> None:
    keys = msg.get("keys")
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        raise SharedError(BAD_REQUEST, text)


def _check_put(msg: dict) -> None:
    if not isinstance(msg.get("entries"), dict):
        raise SharedError(BAD_REQUEST, "shared_put needs an object 'entries'")
    _name(msg)


def _check_get(msg: dict) -> None:
    _string_keys(msg, "shared_get needs a list of string 'keys'")
    _name(msg)


def _check_delete(msg: dict) -> None:
    _name(msg)
    if msg.get("keys") is not None:
        _string_keys(msg, "'keys' must be a list of strings")


def _check_scan(msg: dict) -> None:
    _name(msg)
    limit = msg.get("limit", 100)
    cursor = msg.get("cursor")
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
        raise SharedError(BAD_REQUEST, "'limit' must be a positive integer")
    if cursor is not None and not isinstance(cursor, str):
        raise SharedError(BAD_REQUEST, "'cursor' must be a string")


def _check_file(msg: dict) -> None:
    _name(msg)
    path = msg.get("path")
    if not isinstance(path, str) or not path:
        raise SharedError(BAD_REQUEST, "'path' is required")
    if msg.get("format", "parquet") not in FORMATS:
        raise SharedError(BAD_REQUEST, f"'format' must be one of {', '.join(FORMATS)}")


def _check_save(msg: dict) -> None:
    _check_file(msg)
    if msg.get("mode", "error") not in ("error", "overwrite"):
        raise SharedError(BAD_REQUEST, "'mode' must be 'error' or 'overwrite'")


def _check_load(msg: dict) -> None:
    _check_file(msg)
    if msg.get("as", "dataset") not in ("dataset", "map"):
        raise SharedError(BAD_REQUEST, "'as' must be 'dataset' or 'map'")


_CHECKS: dict[str, Callable[[dict], None]] = {
    RECEIVED.shared_list: lambda msg: None,
    RECEIVED.shared_put: _check_put,
    RECEIVED.shared_get: _check_get,
    RECEIVED.shared_delete: _check_delete,
    RECEIVED.shared_scan: _check_scan,
    RECEIVED.shared_save: _check_save,
    RECEIVED.shared_load: _check_load,
}


def check(msg: dict) -> None:
    """Raise SharedError(BAD_REQUEST) for a shared request with fields the driver cannot use."""
    t = msg.get("type")
    checker = _CHECKS.get(t) if isinstance(t, str) else None
    if checker is None:
        raise SharedError(BAD_REQUEST, f"unknown shared request '{t}'")
    checker(msg)


class SharedRequests(SharedFiles):
    """The store's request half (a mixin: the data it serves lives on the SharedStore)."""

    def needs_spark(self: "SharedStore", msg: dict) -> bool:
        """Whether a request may run a Spark job (and so belongs off the control thread)."""
        t = msg.get("type")
        name = msg.get("name")
        if t in (RECEIVED.shared_save, RECEIVED.shared_load):
            return True
        if t == RECEIVED.shared_list:
            return any(d.count is None for d in self._datasets.values())
        if t in (RECEIVED.shared_scan, RECEIVED.shared_delete):
            return name in self._datasets
        return False

    def handle(self: "SharedStore", msg: dict) -> dict:
        check(msg)
        return getattr(self, "_req_" + msg["type"][len("shared_"):])(msg)

    def _req_list(self: "SharedStore", msg: dict) -> dict:
        with self._lock:
            maps = [{"kind": "map", "name": n, "size": len(m)} for n, m in self._maps.items()]
            datasets = list(self._datasets.values())
        items = maps + [{"kind": "dataset", "name": d.name, "schema": d.schema, "count": d.row_count()} for d in datasets]
        return {"items": sorted(items, key=lambda i: i["name"])}

    def _req_put(self: "SharedStore", msg: dict) -> dict:
        name = msg["name"]
        if name in self._datasets:
            raise SharedError(WRONG_KIND, f"'{name}' is a dataset: datasets are read-only over REST")
        m = self.map(name) if msg.get("create", True) else self._existing_map(name)
        try:
            n = m.put_many(msg["entries"])
        except TypeError as e:
            raise SharedError(BAD_REQUEST, str(e)) from None
        return {"updated": n, "size": len(m)}

    def _req_get(self: "SharedStore", msg: dict) -> dict:
        values, missing = self._existing_map(msg["name"]).get_many(msg["keys"])
        return {"values": values, "missing": missing}

    def _req_delete(self: "SharedStore", msg: dict) -> dict:
        name = msg["name"]
        keys = msg.get("keys")
        if keys is None:
            if not self.drop(name):
                raise SharedError(NOT_FOUND, f"no shared map or dataset named '{name}'")
            return {"deleted": 1}
        return {"deleted": self._existing_map(name).delete_many(keys)}

    def _req_scan(self: "SharedStore", msg: dict) -> dict:
        name = msg["name"]
        limit = msg.get("limit", 100)
        cursor = msg.get("cursor")
        prefix = msg.get("prefix") or ""
        ds = self._datasets.get(name)
        if ds is not None:
            return _scan_dataset(ds, limit, cursor)
        m = self._existing_map(name)
        entries, next_cursor = m.scan(prefix, limit, cursor)
        return {"kind": "map", "size": len(m), "entries": entries, "next_cursor": next_cursor}


def _scan_dataset(ds: "Dataset", limit: int, cursor: Optional[str]) -> dict:
    try:
        offset = int(cursor) if cursor else 0
    except ValueError:
        raise SharedError(BAD_REQUEST, f"bad cursor {cursor!r} for dataset '{ds.name}'") from None
    rows = ds.df.offset(offset).limit(limit + 1).collect()
    more = len(rows) > limit
    out: list[Any] = [outputs.to_json(r.asDict(recursive=True)) for r in rows[:limit]]
    return {
        "kind": "dataset",
        "schema": ds.schema,
        "count": ds.row_count(),
        "rows": out,
        "next_cursor": str(offset + limit) if more else None,
    }
