"""Cluster deploy mode, without a cluster and without Spark: the package imported from the zip
spark-submit gets with --py-files, and driver/sparkport_cluster_driver.py run from somewhere
else (as the application's primary resource is), with its settings in the environment only.

Each case ends before Spark would start (no server, a refused token), so no JVM runs.
"""

import hashlib
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import zipfile

import pytest

from certs import issue, make_cert
from sparkport_driver.exit_codes import EXIT_HANDSHAKE

DRIVER_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PACKAGE_DIR = os.path.join(DRIVER_DIR, "sparkport_driver")
SCRIPT = os.path.join(DRIVER_DIR, "sparkport_cluster_driver.py")
TOKEN = "5e" * 32


@pytest.fixture(scope="module")
def package_zip(tmp_path_factory):
    """sparkport_driver/ zipped as `python -m zipfile -c x.zip sparkport_driver` would (no caches)."""
    path = tmp_path_factory.mktemp("pyfiles") / "sparkport_driver.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for root, dirs, files in os.walk(PACKAGE_DIR):
            dirs[:] = [d for d in dirs if d != "__pycache__"]
            for name in files:
                if not name.endswith(".pyc"):
                    full = os.path.join(root, name)
                    z.write(full, os.path.relpath(full, DRIVER_DIR))
    return str(path)


@pytest.fixture(scope="module")
def staged_script(tmp_path_factory):
    """The script copied away from driver/: run in place, its directory (driver/) would be on
    sys.path and the package would not come from the zip."""
    path = tmp_path_factory.mktemp("staged") / "sparkport_cluster_driver.py"
    shutil.copy(SCRIPT, path)
    return str(path)


def cluster_env(package_zip, **settings):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SPARKPORT_", "PYSPARK_"))}
    env["PYTHONPATH"] = package_zip or ""
    env.update(settings)
    return env


def run(args, env, cwd, timeout=60):
    return subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)


def free_address():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    address = "127.0.0.1:%d" % s.getsockname()[1]
    s.close()
    return address


def test_the_package_works_imported_from_a_zip(package_zip, tmp_path):
    code = r"""
import importlib, json, pkgutil
import sparkport_driver
from sparkport_driver import protocol, spec, tracebacks
names = sorted(m.name for m in pkgutil.iter_modules(sparkport_driver.__path__))
for name in names:
    importlib.import_module("sparkport_driver." + name)
try:
    protocol.parse_line(b"not json")
except protocol.ProtocolError as e:
    tb = e.__traceback__  # this code's frame, then protocol.py's (in the zip)
    driver_frames = [tracebacks._is_driver_frame(tb), tracebacks._is_driver_frame(tb.tb_next)]
    file_in_zip = tb.tb_next.tb_frame.f_code.co_filename
print(json.dumps({"file": sparkport_driver.__file__, "version": spec.PROTOCOL_VERSION, "names": names,
                  "package_dir": tracebacks._PACKAGE_DIR, "driver_frames": driver_frames,
                  "file_in_zip": file_in_zip}))
"""
    p = run([sys.executable, "-c", code], cluster_env(package_zip), str(tmp_path))
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["file"].startswith(package_zip + os.sep)
    with open(os.path.join(PACKAGE_DIR, "protocol.json"), encoding="utf-8") as f:
        assert out["version"] == json.load(f)["driver"]["protocolVersion"]  # read from inside the zip
    assert {"main", "spec", "tls", "transport", "launch_token"} <= set(out["names"])
    # tracebacks.py's package prefix is a string: frames of zipped modules are still the driver's.
    assert out["package_dir"] == os.path.join(package_zip, "sparkport_driver") + os.sep
    assert out["file_in_zip"] == os.path.join(package_zip, "sparkport_driver", "protocol.py")
    assert out["driver_frames"] == [False, True]


def test_the_script_says_on_stderr_why_it_cannot_reach_the_server(package_zip, staged_script, tmp_path):
    address = free_address()
    env = cluster_env(package_zip, SPARKPORT_CONNECT=address, SPARKPORT_TOKEN=TOKEN, SPARKPORT_SESSION_ID="7")
    p = run([sys.executable, staged_script], env, str(tmp_path))
    assert p.returncode == EXIT_HANDSHAKE, p.stderr
    assert f"sparkport-driver[7] ERROR sparkport.driver: cannot connect to {address}: " in p.stderr
    assert TOKEN not in p.stderr + p.stdout


def test_the_script_reports_a_missing_package(staged_script, tmp_path):
    env = cluster_env(None, SPARKPORT_CONNECT=free_address(), SPARKPORT_TOKEN=TOKEN)
    p = run([sys.executable, staged_script], env, str(tmp_path))
    assert p.returncode == EXIT_HANDSHAKE
    assert "cannot import the sparkport_driver package" in p.stderr


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command")
    d = tmp_path_factory.mktemp("certs")
    ca = make_cert(d, "ca")
    return {"server": make_cert(d, "server"), "other": make_cert(d, "other"),
            "a": issue(d, ca, "a", 1), "b": issue(d, ca, "b", 2)}


def sha256_prefix(cert_file):
    text = cert_file.read_text()
    first = text[: text.index("-----END CERTIFICATE-----") + len("-----END CERTIFICATE-----")]
    return hashlib.sha256(ssl.PEM_cert_to_DER_cert(first)).hexdigest()[:16]


def tls_listener(cert_and_key):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(*map(str, cert_and_key))
    listener = socket.create_server(("127.0.0.1", 0))
    return ctx, listener, "127.0.0.1:%d" % listener.getsockname()[1]


def refusing_tls_server(cert_and_key):
    """A TLS server, on a thread, for one connection: it records the TLS version and the hello in
    `got`, then refuses the token. Returns (listener, address, thread, got)."""
    ctx, listener, address = tls_listener(cert_and_key)
    got = {}

    def serve():
        listener.settimeout(30)
        conn, _ = listener.accept()
        conn.settimeout(30)
        with ctx.wrap_socket(conn, server_side=True) as tls:
            got["version"] = tls.version()
            got["hello"] = json.loads(tls.makefile("rb").readline())
            tls.sendall(b'{"type":"error","re":null,"code":"BAD_TOKEN","message":"refused by the test"}\n')

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    return listener, address, t, got


def test_the_script_says_hello_over_tls_with_the_token_from_its_environment(package_zip, staged_script, certs, tmp_path):
    listener, address, t, got = refusing_tls_server(certs["server"])
    try:
        env = cluster_env(
            package_zip, SPARKPORT_CONNECT=address, SPARKPORT_TOKEN=TOKEN, SPARKPORT_SESSION_ID="8",
            SPARKPORT_TLS_CERT=certs["server"][0].read_text(),
        )
        p = run([sys.executable, staged_script], env, str(tmp_path))
        t.join(10)
    finally:
        listener.close()
    assert got["version"] in ("TLSv1.2", "TLSv1.3")
    assert got["hello"]["type"] == "hello" and got["hello"]["token"] == TOKEN
    assert p.returncode == EXIT_HANDSHAKE
    assert "server refused the driver: BAD_TOKEN refused by the test" in p.stderr
    assert TOKEN not in p.stderr + p.stdout


@pytest.mark.parametrize("pinned, served", [("server", "other"), ("a", "b")])
def test_the_script_says_why_the_servers_certificate_is_refused(package_zip, staged_script, certs, tmp_path, pinned, served):
    """("a", "b"): the pin is a full chain (leaf A + CA) and the server presents leaf B, issued
    by the same CA for the same name: refused, and the token never sent."""
    ctx, listener, address = tls_listener(certs[served])
    got = {}

    def serve():
        listener.settimeout(30)
        conn, _ = listener.accept()
        conn.settimeout(30)
        try:
            with ctx.wrap_socket(conn, server_side=True) as tls:
                got["data"] = b""
                while chunk := tls.recv(4096):
                    got["data"] += chunk
        except OSError as e:  # the driver broke off the handshake, or reset after it
            got["refused"] = e

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    try:
        env = cluster_env(
            package_zip, SPARKPORT_CONNECT=address, SPARKPORT_TOKEN=TOKEN,
            SPARKPORT_TLS_CERT=certs[pinned][0].read_text(),
        )
        p = run([sys.executable, staged_script], env, str(tmp_path))
        t.join(10)
    finally:
        listener.close()
    assert p.returncode == EXIT_HANDSHAKE
    assert (
        f"cannot connect to {address}: the server's certificate is not the pinned one "
        f"(sha256 {sha256_prefix(certs[served][0])}…, expected {sha256_prefix(certs[pinned][0])}…)"
    ) in p.stderr
    assert ("data" in got or "refused" in got) and not got.get("data"), got  # no hello, no byte


def test_the_script_says_hello_to_the_pinned_leaf_of_a_full_chain(package_zip, staged_script, certs, tmp_path):
    listener, address, t, got = refusing_tls_server(certs["a"])
    try:
        env = cluster_env(
            package_zip, SPARKPORT_CONNECT=address, SPARKPORT_TOKEN=TOKEN,
            SPARKPORT_TLS_CERT=certs["a"][0].read_text(),  # leaf A, then the CA
        )
        p = run([sys.executable, staged_script], env, str(tmp_path))
        t.join(10)
    finally:
        listener.close()
    assert got["hello"]["token"] == TOKEN
    assert p.returncode == EXIT_HANDSHAKE
    assert "server refused the driver: BAD_TOKEN refused by the test" in p.stderr


def test_a_bad_certificate_setting_is_reported(package_zip, staged_script, tmp_path):
    env = cluster_env(
        package_zip, SPARKPORT_CONNECT=free_address(), SPARKPORT_TOKEN=TOKEN, SPARKPORT_TLS_CERT="garbage",
    )
    p = run([sys.executable, staged_script], env, str(tmp_path))
    assert p.returncode == EXIT_HANDSHAKE
    assert "SPARKPORT_TLS_CERT holds no usable certificate" in p.stderr


def test_a_certificate_setting_with_a_private_key_is_refused_before_connecting(package_zip, staged_script, certs, tmp_path):
    listener = socket.create_server(("127.0.0.1", 0))
    address = "127.0.0.1:%d" % listener.getsockname()[1]
    key = certs["server"][1].read_text()
    try:
        env = cluster_env(
            package_zip, SPARKPORT_CONNECT=address, SPARKPORT_TOKEN=TOKEN,
            SPARKPORT_TLS_CERT=certs["server"][0].read_text() + key,
        )
        p = run([sys.executable, staged_script], env, str(tmp_path))
        listener.settimeout(0.5)
        with pytest.raises(socket.timeout):  # the driver never dialled
            listener.accept()[0].close()
    finally:
        listener.close()
    assert p.returncode == EXIT_HANDSHAKE
    assert "SPARKPORT_TLS_CERT holds a private key: give the driver the certificate only" in p.stderr
    body = "".join(key.strip().splitlines()[1:-1])
    assert body[:40] not in p.stderr + p.stdout and TOKEN not in p.stderr + p.stdout
