"""TLS to the server's certificate, pinned (SPARKPORT_TLS_CERT; PROTOCOL.md §1), on the first
connection and on reconnects, against real local TLS servers with certificates made here."""

import hashlib
import json
import shutil
import signal
import socket
import ssl
import threading
import time

import pytest

from certs import issue, make_cert
from driver_harness import INFO, Harness
from sparkport_driver.exit_codes import EXIT_CONNECTION_LOST, EXIT_OK
from sparkport_driver.tls import (
    TLS_CERT_ENV, PinMismatchError, PinnedContext, certificate_der, client_context, context_from_env,
)
from sparkport_driver.transport import Transport

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")

KEY_REFUSED = "SPARKPORT_TLS_CERT holds a private key: give the driver the certificate only"


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    d = tmp_path_factory.mktemp("certs")
    ca = make_cert(d, "ca")
    return {
        "server": make_cert(d, "server"),
        "other": make_cert(d, "other"),
        "ca": ca,
        "a": issue(d, ca, "a", 1),  # two leaves for the same name from one CA
        "b": issue(d, ca, "b", 2),
    }


def pem(certs, name="server"):
    return certs[name][0].read_text()


def leaf(certs, name):
    """The leaf alone, of an issued certificate's full chain."""
    return certs[name][0].with_suffix(".leaf.pem").read_text()


def sha256(text):
    return hashlib.sha256(ssl.PEM_cert_to_DER_cert(text.strip())).hexdigest()


class TlsServer:
    """A listener on 127.0.0.1 that does the server's half of the TLS handshake. Each test's
    server reads and writes in turn on one thread, so only the driver's side is concurrent."""

    def __init__(self, cert_and_key, max_version=None):
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(*map(str, cert_and_key))  # an issued leaf's file is its full chain
        if max_version is not None:
            self.ctx.maximum_version = max_version
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.address = "127.0.0.1:%d" % self.listener.getsockname()[1]

    def present(self, cert_and_key):
        """From the next connection on, the server presents this certificate (a squatter on the
        port, or the real server back)."""
        self.ctx = TlsServer(cert_and_key).ctx  # that listener is never used
        return self

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


def everything_received(srv, timeout=10.0):
    """The server's side of a connection the driver should break off: what came after the
    handshake (b"" when nothing did), or the ssl.SSLError the handshake ended with."""
    try:
        conn = srv.accept(timeout)
    except ssl.SSLError as e:
        return e  # the driver broke off the handshake (TLS 1.2: before the server's Finished)
    data = b""
    with conn:
        while True:
            try:
                chunk = conn.recv(4096)
            except OSError:  # a reset, or an SSLError: the connection is over either way
                break
            if not chunk:
                break
            data += chunk
    return data


def first_cert(text):
    return text[: text.index("-----END CERTIFICATE-----") + len("-----END CERTIFICATE-----")]


def mismatch(presented, pinned):
    return (
        f"the server's certificate is not the pinned one (sha256 {sha256(first_cert(presented))[:16]}…, "
        f"expected {sha256(first_cert(pinned))[:16]}…)"
    )


# ---- the context ---------------------------------------------------------------------------


def test_the_context_pins_one_certificate_and_trusts_no_ca(certs):
    ctx = client_context(pem(certs))
    assert isinstance(ctx, PinnedContext)
    assert ctx.verify_mode == ssl.CERT_NONE  # no CA validation: the exact pin replaces it
    assert ctx.check_hostname is False
    assert ctx.minimum_version == ssl.TLSVersion.TLSv1_2
    assert ctx.get_ca_certs() == []  # no trust anchor at all, the system's CAs neither
    assert ctx.pinned_sha256 == sha256(pem(certs))
    with pytest.raises(NotImplementedError):  # no way around the check in wrap_socket
        ctx.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO())


def test_the_certificate_is_read_once_from_the_environment_and_survives_mangled_line_breaks(certs):
    text = pem(certs)
    assert context_from_env({}) is None and context_from_env({TLS_CERT_ENV: " \n"}) is None
    der = certificate_der(text)
    assert der == ssl.PEM_cert_to_DER_cert(text.strip())
    for variant in (text, text.replace("\n", " "), text.replace("\n", "\\n"), text.replace("\n", ""),
                    text.replace("\n", "\r\n"), text.replace("\n", "\\r\\n")):
        assert certificate_der(variant) == der
        assert context_from_env({TLS_CERT_ENV: variant}).pinned_sha256 == sha256(text)
    with pytest.raises(ValueError, match="no PEM certificate"):
        context_from_env({TLS_CERT_ENV: "not a certificate"})
    with pytest.raises(ValueError, match="base64"):
        certificate_der("-----BEGIN CERTIFICATE-----\nab!cd\n-----END CERTIFICATE-----")
    with pytest.raises(ssl.SSLError):  # base64, but no certificate inside
        client_context("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----")


def test_only_the_first_certificate_is_the_pin(certs):
    chain = pem(certs, "a")  # leaf A, then the CA
    assert chain.count("-----BEGIN CERTIFICATE-----") == 2
    assert certificate_der(chain) == certificate_der(leaf(certs, "a"))
    assert client_context(chain).pinned_sha256 == sha256(leaf(certs, "a")) != sha256(pem(certs, "ca"))
    for mangled in (chain.replace("\n", " "), chain.replace("\n", "\\n")):
        assert client_context(mangled).pinned_sha256 == sha256(leaf(certs, "a"))
    # Whatever follows the first block is not even parsed: it cannot make a CA trusted.
    assert certificate_der(leaf(certs, "a") + "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----")


def test_a_certificate_with_a_private_key_is_refused(certs):
    key = certs["server"][1].read_text()
    assert "-----BEGIN PRIVATE KEY-----" in key
    cert = pem(certs)
    traditional = key.replace("BEGIN PRIVATE KEY", "BEGIN EC PRIVATE KEY").replace("END PRIVATE KEY", "END EC PRIVATE KEY")
    encrypted = key.replace("PRIVATE KEY", "ENCRYPTED PRIVATE KEY")
    for text in (cert + key, key + cert, key, cert + traditional, cert + encrypted,
                 (cert + key).replace("\n", " "), (cert + key).replace("\n", "\\n"),
                 pem(certs, "a") + certs["a"][1].read_text(), cert + key.split("-----END")[0]):
        with pytest.raises(ValueError) as e:
            context_from_env({TLS_CERT_ENV: text})
        assert str(e.value) == KEY_REFUSED
        assert e.value.__cause__ is None and e.value.__context__ is None


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


TLS_VERSIONS = pytest.mark.parametrize(
    "max_version", [ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3], ids=["tls1.2", "tls1.3"]
)


def connect_and_exchange(srv, pinned_pem):
    """Connect pinned to `pinned_pem`, send a hello and read the echo; the TLS version."""

    def serve():
        conn = srv.accept()
        with conn:
            send_json(conn, {"type": "welcome", "echo": read_json(conn.makefile("rb"))})
            return conn.version()

    join = in_thread(serve)
    t = Transport.connect(srv.address, timeout=5, tls=client_context(pinned_pem))
    assert t.send({"type": "hello", "token": "t0k"})
    assert t.read_message() == {"type": "welcome", "echo": {"type": "hello", "token": "t0k"}}
    t.close()
    return join()


@TLS_VERSIONS
@pytest.mark.parametrize(
    "pinned, served",
    [
        ("server", "other"),  # another self-signed certificate
        ("a_leaf", "b"),  # the regression: issued by the pinned leaf's own CA, for the same name
        ("a", "b"),  # the pin given as a full chain (leaf A + CA): the CA is not trusted either
        ("ca", "a"),  # the CA alone is no trust anchor: only a certificate equal to it would do
    ],
)
def test_a_server_with_any_other_certificate_is_refused_before_anything_is_sent(certs, pinned, served, max_version):
    pinned_pem = leaf(certs, "a") if pinned == "a_leaf" else pem(certs, pinned)
    srv = TlsServer(certs[served], max_version)
    join = in_thread(lambda: everything_received(srv))
    try:
        with pytest.raises(PinMismatchError) as e:
            Transport.connect(srv.address, timeout=5, tls=client_context(pinned_pem))
        assert isinstance(e.value, ssl.SSLError) and isinstance(e.value, OSError)
        assert str(e.value) == mismatch(pem(certs, served), pinned_pem)
        got = join()
        assert got == b"" or isinstance(got, ssl.SSLError), got
    finally:
        srv.close()


@TLS_VERSIONS
@pytest.mark.parametrize("pinned", ["a", "a_leaf"])
@pytest.mark.parametrize("served", ["a", "a_leaf"])
def test_the_pinned_leaf_is_accepted_with_or_without_its_chain(certs, pinned, served, max_version, tmp_path):
    if served == "a_leaf":  # the server presents leaf A alone
        served_pair = (tmp_path / "a.leaf.pem", certs["a"][1])
        served_pair[0].write_text(leaf(certs, "a"))
    else:
        served_pair = certs["a"]
    srv = TlsServer(served_pair, max_version)
    try:
        pinned_pem = leaf(certs, "a") if pinned == "a_leaf" else pem(certs, "a")
        assert connect_and_exchange(srv, pinned_pem) == max_version.name.replace("_", ".")
    finally:
        srv.close()


def test_the_check_is_in_the_context_for_any_caller(certs):
    """PinnedContext.wrap_socket completes the handshake and checks the pin itself, even when a
    caller asks for no handshake: there is no unchecked way to use it."""
    srv = TlsServer(certs["b"])
    join = in_thread(lambda: everything_received(srv))
    sock = socket.create_connection(("127.0.0.1", int(srv.address.rsplit(":", 1)[1])), timeout=5)
    try:
        with pytest.raises(PinMismatchError):
            client_context(pem(certs, "a")).wrap_socket(sock, server_hostname="x", do_handshake_on_connect=False)
        assert sock.fileno() == -1  # closed (taken over by the SSL socket, then closed)
        got = join()
        assert got == b"" or isinstance(got, ssl.SSLError), got
    finally:
        sock.close()
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


def test_a_reconnect_is_tls_to_the_same_pin_and_goes_back_to_the_first_address(certs, sigint, caplog):
    """The first reconnect finds a squatter on the port with another certificate of the same CA:
    refused, nothing sent; the next finds the real server and resumes."""
    caplog.set_level("INFO", logger="sparkport.driver")
    srv = TlsServer(certs["b"])
    tls = client_context(pem(certs, "a"))  # full chain: leaf A is the pin
    h = Harness(grace_ms=60000, address=srv.address, connect_file=None, tls=tls)
    assert h.reconnector.tls is tls
    try:
        h.ready()
        welcome = h.srv.welcome()

        def script(first):
            rid = first.request("execute", statement_id=1, kind="pyspark", code="x = 41\nprint('before')")
            first.wait_reply(rid, 10)
            first.sock.shutdown(socket.SHUT_RDWR)  # the connection drops
            squatted = everything_received(srv)
            conn = srv.present(certs["a"]).accept()
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
                return squatted, hello, seen, reply, conn.version()

        result = {}
        h.run(lambda first: result.update(out=script(first)), shutdown=False)
        squatted, hello, seen, reply, version = result["out"]
        assert squatted == b"" or isinstance(squatted, ssl.SSLError), squatted
        assert f"reconnect failed: cannot connect to {srv.address}: {mismatch(pem(certs, 'b'), pem(certs, 'a'))}" in caplog.text
        assert h.driver.exit_code == EXIT_OK
        assert version in ("TLSv1.2", "TLSv1.3")
        assert hello["token"] == h.srv.session_token and hello["resume"] == {"last_request": 1}
        assert seen[-1] == {"type": "resumed", "app": INFO, "running": None}
        assert reply["ok"] and reply["result"]["output"]["data"]["text/plain"] == "42"
    finally:
        h.close()
        srv.close()


@pytest.mark.parametrize("served", ["other", "b"])
def test_reconnects_to_a_server_with_another_certificate_fail_until_the_grace_period_ends(certs, sigint, served, caplog):
    caplog.set_level("INFO", logger="sparkport.driver")
    srv = TlsServer(certs[served])
    attempts = []
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                attempts.append(everything_received(srv, timeout=0.2))
            except socket.timeout:
                continue
            except OSError:
                return

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    h = Harness(grace_ms=800, address=srv.address, connect_file=None, tls=client_context(pem(certs, "a")))
    try:
        h.ready()
        started = time.monotonic()
        h.run(lambda first: first.sock.shutdown(socket.SHUT_RDWR), shutdown=False)
        assert h.driver.exit_code == EXIT_CONNECTION_LOST
        assert time.monotonic() - started < 5
        stop.set()
        t.join(5)
        # Each attempt ended at the handshake or right after it, nothing sent (a hello would be).
        assert attempts and all(a == b"" or isinstance(a, ssl.SSLError) for a in attempts), attempts
        assert mismatch(pem(certs, served), pem(certs, "a")) in caplog.text
    finally:
        stop.set()
        h.close()
        srv.close()
