"""The Python side of Scala's `shared` (shared_bridge.SharedBridge) without a JVM: the JSON
answers the Scala helper parses, reads that never create maps, refusals as error answers
rather than exceptions, and the method list kept in step with the Scala trait."""

import json
import pathlib
import re
import threading

from sparkport_driver.shared import SharedStore
from sparkport_driver.shared_bridge import INTERFACE, SharedBridge
from sparkport_driver.shared_maps import BAD_REQUEST, WRONG_KIND

TRAIT = pathlib.Path(__file__).resolve().parents[2] / "scala" / "src" / "sparkport" / "SharedBridge.scala"


def call(method, *args):
    return json.loads(method(*args))


def test_values_written_by_python_are_read_as_json_and_the_reverse():
    store = SharedStore()
    bridge = SharedBridge(store)
    store["states"]["ca"] = {"name": "California", "codes": ("CA",)}
    assert call(bridge.get, "states", "ca") == {"ok": [{"name": "California", "codes": ["CA"]}]}
    assert call(bridge.put, "states", json.dumps({"ak": "Alaska", "n": [1, 2.5, None, True]})) == {"ok": 2}
    assert store["states"]["ak"] == "Alaska"
    assert store["states"]["n"] == [1, 2.5, None, True]
    assert call(bridge.keys, "states") == {"ok": ["ak", "ca", "n"]}
    assert call(bridge.size, "states") == {"ok": 3}
    assert list(call(bridge.items, "states")["ok"]) == ["ak", "ca", "n"]
    # Views are rebuilt from the version: a write from Scala must bump it like any other.
    v = store["states"].version
    call(bridge.put, "states", '{"x": 1}')
    assert store["states"].version > v


def test_missing_keys_and_maps_are_empty_answers_and_reads_create_nothing():
    store = SharedStore()
    bridge = SharedBridge(store)
    assert call(bridge.get, "nothing", "k") == {"ok": []}
    assert call(bridge.keys, "nothing") == {"ok": []}
    assert call(bridge.size, "nothing") == {"ok": 0}
    assert call(bridge.items, "nothing") == {"ok": {}}
    assert call(bridge.remove, "nothing", "k") == {"ok": False}
    assert list(store) == []
    store["m"]["k"] = None  # a key holding null is there; get distinguishes it from a missing one
    assert call(bridge.get, "m", "k") == {"ok": [None]}
    assert call(bridge.remove, "m", "k") == {"ok": True}
    assert call(bridge.remove, "m", "k") == {"ok": False}


def test_refusals_are_error_answers_not_exceptions():
    store = SharedStore()
    bridge = SharedBridge(store)
    bad_name = call(bridge.put, "1bad", '{"a": 1}')
    assert bad_name["code"] == BAD_REQUEST and "invalid shared name" in bad_name["error"]
    assert call(bridge.get, "bad name", "k")["code"] == BAD_REQUEST
    assert call(bridge.put, "m", "[1, 2]")["code"] == BAD_REQUEST
    assert call(bridge.put, "m", "not json")["code"] == BAD_REQUEST
    store._datasets["ds"] = object()  # a published dataset, as far as names go
    for answer in (call(bridge.get, "ds", "k"), call(bridge.put, "ds", '{"a": 1}'), call(bridge.size, "ds")):
        assert answer["code"] == WRONG_KIND
    assert call(bridge.names) == {"ok": ["ds"]}


def test_names_and_drop():
    store = SharedStore()
    bridge = SharedBridge(store)
    call(bridge.put, "b", '{"k": 1}')
    call(bridge.put, "a", '{"k": 1}')
    assert call(bridge.names) == {"ok": ["a", "b"]}
    assert call(bridge.drop, "a") == {"ok": True}
    assert call(bridge.drop, "a") == {"ok": False}
    assert call(bridge.names) == {"ok": ["b"]}


def test_bulk_puts_from_scala_and_rest_interleave_atomically():
    store = SharedStore()
    bridge = SharedBridge(store)
    errors = []

    def scala_writer(i):
        entries = {f"s{i}-{j}": j for j in range(50)}
        if json.loads(bridge.put("m", json.dumps(entries))) != {"ok": 50}:
            errors.append(i)

    def rest_writer(i):
        store.handle({"type": "shared_put", "name": "m", "entries": {f"r{i}-{j}": j for j in range(50)}})

    threads = [threading.Thread(target=f, args=(i,)) for i in range(8) for f in (scala_writer, rest_writer)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert call(bridge.size, "m") == {"ok": 800}


def test_the_python_class_implements_every_method_of_the_scala_trait():
    assert SharedBridge.Java.implements == [INTERFACE]
    declared = set(re.findall(r"^\s*def (\w+)\(", TRAIT.read_text(), re.M))
    assert declared == {"get", "put", "remove", "keys", "size", "names", "items", "drop"}
    assert all(callable(getattr(SharedBridge, name, None)) for name in declared)
