"""protocol.json as the driver reads it: found next to the package however the driver is
started, and the only source of the codes, message types and version the driver puts on the wire."""

import ast
import json
import os
import pathlib
import subprocess
import sys

import pytest

import sparkport_driver
from sparkport_driver import protocol, spec

PACKAGE = pathlib.Path(sparkport_driver.__file__).resolve().parent
DRIVER_DIR = PACKAGE.parent
ROOT = DRIVER_DIR.parent


def test_the_driver_reads_the_generated_file():
    generated = ROOT / "packages" / "protocol" / "generated" / "protocol.json"
    assert (PACKAGE / "protocol.json").read_bytes() == generated.read_bytes()
    assert spec.SPEC == json.loads(generated.read_text(encoding="utf-8"))


def test_names_and_version_come_from_the_file():
    driver = spec.SPEC["driver"]
    assert protocol.hello("t", 1, "3.11.7")["protocol"] == driver["protocolVersion"] == spec.PROTOCOL_VERSION
    assert list(spec.ERROR_CODES) == driver["errorCodes"]
    assert list(spec.SENT) == driver["messages"]["driverToServer"]
    assert list(spec.RECEIVED) == driver["messages"]["serverToDriver"]
    assert set(protocol.REQUEST_TYPES) == set(spec.RECEIVED) - {"welcome", "error", "ack"}
    assert protocol.SHARED_TYPES == tuple(t for t in spec.RECEIVED if t.startswith("shared_"))


def test_a_name_the_file_does_not_have_fails_loudly():
    assert spec.SENT.hello == "hello"
    with pytest.raises(AttributeError, match="no driver error code 'NO_SUCH_CODE'"):
        spec.ERROR_CODES.NO_SUCH_CODE
    with pytest.raises(AttributeError):
        spec.RECEIVED.hello  # the driver sends hello, it never receives one


def test_found_when_started_as_the_server_starts_it(tmp_path):
    # `python -m sparkport_driver` with PYTHONPATH=driver, from another directory.
    env = dict(os.environ, PYTHONPATH=str(DRIVER_DIR))
    code = "from sparkport_driver import spec; print(spec.PROTOCOL_VERSION, len(list(spec.ERROR_CODES)))"
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=tmp_path, capture_output=True, text=True, check=True)
    assert out.stdout.split() == [str(spec.PROTOCOL_VERSION), str(len(spec.SPEC["driver"]["errorCodes"]))]


# ---- every code the driver can emit is one of the file's --------------------------------------

# The argument that carries the code, by call: ProtocolError(code, …), reply_error(re, code, …)…
CODE_ARG = {"ProtocolError": 0, "SharedError": 0, "error_message": 0, "reply_error": 1}


def _emitted_code_expressions():
    for path in sorted(PACKAGE.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
                if name in CODE_ARG and len(node.args) > CODE_ARG[name]:
                    yield path.name, node.args[CODE_ARG[name]]
            elif isinstance(node, ast.Dict):  # the shared bridge's answers to Scala: {"error": …, "code": …}
                for k, v in zip(node.keys, node.values):
                    if isinstance(k, ast.Constant) and k.value == "code":
                        yield path.name, v


def _resolve(module_name, expr):
    if isinstance(expr, ast.Constant):
        return expr.value
    module = __import__(f"sparkport_driver.{module_name[:-3]}", fromlist=["_"])
    if isinstance(expr, ast.Name):
        return getattr(module, expr.id)
    if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name) and expr.value.id not in ("e", "self"):
        return getattr(getattr(module, expr.value.id), expr.attr)
    return None  # `e.code`, `self.code`: passing on a code made at a call site checked here


def test_every_code_the_driver_emits_is_in_the_file():
    found = 0
    for module_name, expr in _emitted_code_expressions():
        if isinstance(expr, ast.Name) and expr.id == "code":
            continue  # a builder's own parameter
        value = _resolve(module_name, expr)
        if value is None:
            continue
        found += 1
        assert value in spec.ERROR_CODES, f"{module_name}: {ast.unparse(expr)} = {value!r}"
    assert found >= 20  # the scan really sees the call sites
