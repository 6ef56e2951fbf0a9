"""protocol.json as the client reads it: shipped in the package, the same file the server's
tables generate, and the only source of the state sets and codes the client waits on."""

import json
import pathlib

import pytest

import sparkport
from sparkport import spec
from sparkport.statement import Statement

PACKAGE = pathlib.Path(sparkport.__file__).resolve().parent
CLIENT_DIR = PACKAGE.parent
ROOT = CLIENT_DIR.parents[1]


def test_the_client_reads_the_generated_file():
    generated = ROOT / "packages" / "protocol" / "generated" / "protocol.json"
    assert (PACKAGE / "protocol.json").read_bytes() == generated.read_bytes()
    assert spec.SPEC == json.loads(generated.read_text(encoding="utf-8"))


def test_the_sets_the_client_waits_on_are_the_servers():
    machines = spec.SPEC["machines"]
    assert spec.SESSION_READY == tuple(machines["session"]["sets"]["ready"])
    assert spec.SESSION_LIVE == tuple(machines["session"]["sets"]["live"])
    assert spec.STATEMENT_FINISHED == tuple(machines["statement"]["sets"]["finished"])
    assert spec.BATCH_FINISHED == tuple(machines["batch"]["sets"]["finished"])
    assert set(spec.SESSION_READY) <= set(spec.SESSION_LIVE)
    assert spec.SESSION_NOT_ACTIVE_STATUS == spec.SPEC["errorCodes"]["SESSION_NOT_ACTIVE"]


def test_statement_finished_follows_the_table():
    for state in spec.SPEC["machines"]["statement"]["states"]:
        assert Statement({"id": 0, "state": state}).finished == (state in spec.STATEMENT_FINISHED)


def test_unknown_names_fail_loudly():
    with pytest.raises(KeyError):
        spec.error_status("NO_SUCH_CODE")
    with pytest.raises(KeyError):
        spec.event("statement", "no_such_event")
    assert spec.event("statement", "done") == spec.DONE_EVENT == "done"


def test_the_package_ships_the_file():
    tomllib = pytest.importorskip("tomllib")
    project = tomllib.loads((CLIENT_DIR / "pyproject.toml").read_text(encoding="utf-8"))
    assert "protocol.json" in project["tool"]["setuptools"]["package-data"]["sparkport"]
