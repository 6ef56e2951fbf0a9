"""TLS to the server's certificate, pinned (SPARKPORT_TLS_CERT; PROTOCOL.md §1), on the first
connection and on reconnects, against real local TLS servers with certificates made here."""

import json
import shutil
import signal
import socket
import ssl
import subprocess
import threading
import time

import pytest

from driver_harness import INFO, Harness
from sparkport_driver.exit_codes import EXIT_CONNECTION_LOST, EXIT_OK
from sparkport_driver.tls import TLS_CERT_ENV, certificate_der, client_context, context_from_env
from sparkport_driver.transport import Transport

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")


def make_cert(directory, name):
    cert, key = directory / f"{name}.pem", directory / f"{name}.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", f"/CN={name}"],
        check=True, capture_output=True,
    )
    return cert, key


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    d = tmp_path_factory.mktemp("certs")
    return {"server": make_cert(d, "server"), "other": make_cert(d, "other")}


def pem(certs, name="server"):
    return certs[name][0].read_text()


class TlsServer:
    """A listener on 127.0.0.1 that does the server's half of the TLS handshake. Each test's
    server reads and writes in turn on one thread, so only the driver's side is concurrent."""

    def __init__(self, cert_and_key):
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(*map(str, cert_and_key))
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.address = "127.0.0.1:%d" % self.listener.getsockname()[1]

    def accept(self, timeout=10.0):
        self.listener.settimeout(timeout)
        conn, _ = self.listener.accept()
        conn.settimeout(timeout)
        return self.ctx.wrap_socket(conn, server_side=True)

    def close(self):
        self.listener.close()


def in_thread(fn):
    """Run fn on a thread; join() gives its result or raises what it raised."""
    out = {}

    def run():
        try:
            out["value"] = fn()
        except BaseException as e:
            out["error"] = e

    t = threading.Thread(target=run, daemon=True)
    t.start()

    def join(timeout=20):
        t.join(timeout)
        assert not t.is_alive(), "the server thread did not finish"
        if "error" in out:
            raise out["error"]
        return out["value"]

    return join


def read_json(f):
    line = f.readline()
    assert line.endswith(b"\n"), line
    return json.loads(line)


def send_json(conn, msg):
    conn.sendall((json.dumps(msg) + "\n").encode())


# ---- the context ---------------------------------------------------------------------------


def test_the_context_trusts_the_one_certificate_and_no_name_checks(certs):
    ctx = client_context(pem(certs))
    assert ctx.verify_mode == ssl.CERT_REQUIRED
    assert ctx.check_hostname is False
    assert ctx.minimum_version == ssl.TLSVersion.TLSv1_2
    assert [c["subject"] for c in ctx.get_ca_certs()] == [((("commonName", "server"),),)]  # no system CAs


def test_the_certificate_is_read_once_from_the_environment_and_survives_mangled_line_breaks(certs):
    text = pem(certs)
    assert context_from_env({}) is None and context_from_env({TLS_CERT_ENV: " \n"}) is None
    der = certificate_der(text)
    for variant in (text, text.replace("\n", " "), text.replace("\n", "\\n"), text.replace("\n", "")):
        assert certificate_der(variant) == der
        assert context_from_env({TLS_CERT_ENV: variant}).get_ca_certs()
    with pytest.raises(ValueError, match="no PEM certificate"):
        context_from_env({TLS_CERT_ENV: "not a certificate"})
    with pytest.raises(ValueError, match="base64"):
        certificate_der("-----BEGIN CERTIFICATE-----\nab!cd\n-----END CERTIFICATE-----")
    with pytest.raises(ssl.SSLError):  # base64, but no certificate inside
        client_context("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----")


# ---- connections ---------------------------------------------------------------------------


def test_a_tcp_connection_is_tls_to_the_pinned_certificate(certs):
    srv = TlsServer(certs["server"])

    def serve():
        conn = srv.accept()
        with conn:
            got = read_json(conn.makefile("rb"))
            send_json(conn, {"type": "welcome", "echo": got})
            return conn.version()

    join = in_thread(serve)
    try:
        t = Transport.connect(srv.address, timeout=5, tls=client_context(pem(certs)))
        assert t.send({"type": "hello", "token": "t0k"})
        assert t.read_message() == {"type": "welcome", "echo": {"type": "hello", "token": "t0k"}}
        assert join() in ("TLSv1.2", "TLSv1.3")
        t.close()
    finally:
        srv.close()


def test_one_thread_reads_while_another_writes_and_neither_blocks_the_other(certs):
    """The server sends more than the socket buffers hold before it reads anything: a writer
    that waited for room inside the TLS lock would keep the reader from draining it (deadlock)."""
    n, pad = 20000, "x" * 1000  # 20 MB each way: more than the socket buffers take
    srv = TlsServer(certs["server"])

    def serve():
        conn = srv.accept(timeout=30)
        with conn:
            for i in range(n):
                send_json(conn, {"type": "s", "i": i, "pad": pad})
            f = conn.makefile("rb")
            return [read_json(f)["i"] for _ in range(n)]

    join = in_thread(serve)
    try:
        t = Transport.connect(srv.address, timeout=5, tls=client_context(pem(certs)))
        got = []
        reader = threading.Thread(target=lambda: got.extend(t.read_message()["i"] for _ in range(n)))
        reader.start()
        for i in range(n):
            t.write((json.dumps({"type": "d", "i": i, "pad": pad}) + "\n").encode())
        reader.join(30)
        assert got == list(range(n))
        assert join(30) == list(range(n))
        t.close()
    finally:
        srv.close()


def test_a_server_with_another_certificate_is_refused_before_anything_is_sent(certs):
    srv = TlsServer(certs["other"])

    def serve():
        try:
            conn = srv.accept()
        except ssl.SSLError as e:
            return e  # the driver broke off the handshake
        with conn:
            return conn.recv(4096)

    join = in_thread(serve)
    try:
        with pytest.raises(ssl.SSLCertVerificationError):
            Transport.connect(srv.address, timeout=5, tls=client_context(pem(certs)))
        assert isinstance(join(), ssl.SSLError)
    finally:
        srv.close()


def test_a_server_that_does_not_speak_tls_gets_no_hello(certs):
    listener = socket.create_server(("127.0.0.1", 0))
    address = "127.0.0.1:%d" % listener.getsockname()[1]

    def serve():
        listener.settimeout(10)
        conn, _ = listener.accept()
        with conn:
            conn.settimeout(5)
            data = conn.recv(65536)
            conn.sendall(b'{"type":"welcome"}\n')  # plain text where a ServerHello belongs
            return data

    join = in_thread(serve)
    try:
        with pytest.raises(OSError):  # ssl.SSLError is one
            Transport.connect(address, timeout=5, tls=client_context(pem(certs)))
        data = join()
        assert data[:1] == b"\x16"  # a TLS handshake record: the ClientHello, nothing else
        assert b"hello" not in data and b"token" not in data
    finally:
        listener.close()


def test_a_unix_socket_address_never_uses_tls(certs, tmp_path):
    path = str(tmp_path / "driver.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(1)

    def serve():
        listener.settimeout(10)
        conn, _ = listener.accept()
        with conn:
            return conn.makefile("rb").readline()

    join = in_thread(serve)
    try:
        t = Transport.connect(f"unix:{path}", timeout=5, tls=client_context(pem(certs)))
        t.send({"type": "hello"})
        assert json.loads(join()) == {"type": "hello"}
        t.close()
    finally:
        listener.close()


# ---- reconnects (cluster deploy mode: no connect file, the first address over and over) -----


@pytest.fixture
def sigint():
    old = signal.getsignal(signal.SIGINT)
    yield
    signal.signal(signal.SIGINT, old)


def test_a_reconnect_is_tls_too_and_goes_back_to_the_first_address(certs, sigint):
    srv = TlsServer(certs["server"])
    h = Harness(grace_ms=60000, address=srv.address, connect_file=None, tls=client_context(pem(certs)))
    try:
        h.ready()
        welcome = h.srv.welcome()

        def script(first):
            rid = first.request("execute", statement_id=1, kind="pyspark", code="x = 41\nprint('before')")
            first.wait_reply(rid, 10)
            first.sock.shutdown(socket.SHUT_RDWR)  # the connection drops
            conn = srv.accept()
            with conn:
                f = conn.makefile("rb")
                hello = read_json(f)
                send_json(conn, welcome)
                seen = []
                while not seen or seen[-1]["type"] != "resumed":
                    seen.append(read_json(f))
                send_json(conn, {"type": "execute", "id": 10, "statement_id": 2, "kind": "pyspark", "code": "x + 1"})
                while True:
                    reply = read_json(f)
                    if reply["type"] == "reply" and reply["re"] == 10:
                        break
                send_json(conn, {"type": "shutdown", "id": 11})
                return hello, seen, reply, conn.version()

        result = {}
        h.run(lambda first: result.update(out=script(first)), shutdown=False)
        hello, seen, reply, version = result["out"]
        assert h.driver.exit_code == EXIT_OK
        assert version in ("TLSv1.2", "TLSv1.3")
        assert hello["token"] == h.srv.session_token and hello["resume"] == {"last_request": 1}
        assert seen[-1] == {"type": "resumed", "app": INFO, "running": None}
        assert reply["ok"] and reply["result"]["output"]["data"]["text/plain"] == "42"
    finally:
        h.close()
        srv.close()


def test_reconnects_to_a_server_with_another_certificate_fail_until_the_grace_period_ends(certs, sigint):
    srv = TlsServer(certs["other"])
    attempts = []
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn = srv.accept(timeout=0.2)
            except socket.timeout:
                continue
            except ssl.SSLError as e:
                attempts.append(e)
                continue
            except OSError:
                return
            with conn:
                attempts.append(conn.recv(4096))  # would be a hello: must never happen

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    h = Harness(grace_ms=800, address=srv.address, connect_file=None, tls=client_context(pem(certs)))
    try:
        h.ready()
        started = time.monotonic()
        h.run(lambda first: first.sock.shutdown(socket.SHUT_RDWR), shutdown=False)
        assert h.driver.exit_code == EXIT_CONNECTION_LOST
        assert time.monotonic() - started < 5
        stop.set()
        t.join(5)
        assert attempts and all(isinstance(a, ssl.SSLError) for a in attempts), attempts
    finally:
        stop.set()
        h.close()
        srv.close()
