"""Shared maps without Spark: atomic bulk updates, JSON-only values, paging, kinds and errors."""

import threading

import pytest

from sparkport_driver.shared import SharedStore
from sparkport_driver.shared_maps import BAD_REQUEST, NOT_FOUND, SharedError


def test_maps_are_created_on_first_use_and_hold_json_values():
    shared = SharedStore()
    shared["states"]["ak"] = "Alaska"
    shared["states"]["ca"] = {"name": "California", "pop": 39, "codes": ("CA",)}
    assert shared["states"]["ak"] == "Alaska"
    assert shared["states"]["ca"]["codes"] == ["CA"]  # tuples become JSON lists
    assert "states" in shared and list(shared) == ["states"]
    with pytest.raises(TypeError, match="JSON"):
        shared["states"]["bad"] = object()
    with pytest.raises(TypeError, match="strings"):
        shared["states"][1] = "one"


def test_a_bulk_put_with_one_bad_value_writes_nothing():
    shared = SharedStore()
    with pytest.raises(SharedError) as e:
        shared.handle({"type": "shared_put", "name": "m", "entries": {"a": 1, "b": object()}})
    assert e.value.code == BAD_REQUEST
    assert len(shared.map("m")) == 0


def test_get_delete_and_list_through_requests():
    shared = SharedStore()
    assert shared.handle({"type": "shared_put", "name": "m", "entries": {"a": 1, "b": 2}}) == {"updated": 2, "size": 2}
    assert shared.handle({"type": "shared_get", "name": "m", "keys": ["a", "z"]}) == {"values": {"a": 1}, "missing": ["z"]}
    assert shared.handle({"type": "shared_delete", "name": "m", "keys": ["a", "z"]}) == {"deleted": 1}
    assert shared.handle({"type": "shared_list"}) == {"items": [{"kind": "map", "name": "m", "size": 1}]}
    assert shared.handle({"type": "shared_delete", "name": "m"}) == {"deleted": 1}
    with pytest.raises(SharedError) as e:
        shared.handle({"type": "shared_get", "name": "m", "keys": ["a"]})
    assert e.value.code == NOT_FOUND


def test_scan_pages_in_key_order_with_prefix_and_cursor():
    shared = SharedStore()
    shared.map("m").update({f"k{i:03d}": i for i in range(250)} | {"other": 0})
    seen, cursor = [], None
    while True:
        page = shared.handle({"type": "shared_scan", "name": "m", "prefix": "k", "limit": 100, "cursor": cursor})
        seen += [e["key"] for e in page["entries"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"k{i:03d}" for i in range(250)]
    page = shared.handle({"type": "shared_scan", "name": "m", "prefix": "k24", "limit": 100, "cursor": None})
    assert [e["key"] for e in page["entries"]] == [f"k24{i}" for i in range(10)]


def test_new_keys_between_pages_keep_the_order():
    shared = SharedStore()
    m = shared.map("m")
    m.update({"a": 1, "c": 3})
    first = m.scan("", 1, None)
    m["b"] = 2
    second = m.scan("", 10, first[1])
    assert [e["key"] for e in first[0]] == ["a"]
    assert [e["key"] for e in second[0]] == ["b", "c"]


def test_concurrent_writers_lose_nothing():
    shared = SharedStore()
    m = shared.map("m")

    def writer(w):
        for i in range(500):
            m[f"{w}-{i}"] = i

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(m) == 4000


def test_names_must_be_usable_as_sql_views():
    shared = SharedStore()
    for bad in ("9lives", "has-dash", "", "a b"):
        with pytest.raises(SharedError):
            shared.map(bad)
    with pytest.raises(SharedError):
        shared.handle({"type": "shared_scan", "name": "m", "limit": 0})
