"""TLS to the server's driver listener, for a driver on another machine (PROTOCOL.md §1).

In cluster deploy mode the driver reaches the server over the network, so the server hands it
its certificate in SPARKPORT_TLS_CERT (PEM text; public) and every TCP connection, the first
and each reconnect, is TLS to exactly that certificate. Unix-socket addresses never use TLS.

The pin is exact: the sha256 of the DER certificate the server presents must equal that of the
first certificate in SPARKPORT_TLS_CERT, checked right after the handshake and before the
driver sends a byte of the protocol. The certificate is not made a trust anchor: the server's
certFile may be a full chain (leaf + CA), and trusting what it holds would accept every
certificate that CA ever issued, for any name, so anyone holding one who took over the
server's port would get the driver's hello (its token).

One connection is read by the control thread while any thread writes to it, and OpenSSL does
not allow SSL_read and SSL_write on one connection at the same time (Python's ssl module runs
both without the GIL and, in the versions a cluster may have, without a lock of its own).
TlsChannel puts every call into OpenSSL under one lock of its own and waits for the socket
outside it.
"""

from __future__ import annotations

import base64
import binascii
import errno
import hashlib
import io
import re
import select
import socket
import ssl
import threading
import time
from typing import Mapping, Optional

TLS_CERT_ENV = "SPARKPORT_TLS_CERT"

_PEM_BLOCK = re.compile(r"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", re.S)
# Any private key (PRIVATE KEY, RSA/EC/ENCRYPTED PRIVATE KEY), even a truncated one.
_PRIVATE_KEY = re.compile(r"-----(?:BEGIN|END) [A-Z0-9 ]*PRIVATE KEY-----")
# Whitespace, and "\n" or "\r" written out: a multi-line value may reach the driver's environment
# with its line breaks turned into spaces or escapes by the cluster manager; none of those
# characters is base64, so dropping them cannot change the certificate.
_NOT_BASE64 = re.compile(r"\\[nr]|\s")


class PinMismatchError(ssl.SSLError):
    """The server's certificate is not the pinned one (an OSError, as ssl.SSLError is)."""

    def __str__(self) -> str:  # ssl.SSLError's would show the args tuple
        return str(self.args[0])


def certificate_der(pem: str) -> bytes:
    """The DER bytes of the first certificate in `pem`, the pin (later ones, a chain's CAs, are
    ignored: the server presents its leaf). ValueError when `pem` holds a private key, no
    certificate, or one that is not valid base64; ssl.SSLError when that is no certificate."""
    if _PRIVATE_KEY.search(pem):
        # Never used, not even the certificate beside it: the key must not travel this way.
        raise ValueError(f"{TLS_CERT_ENV} holds a private key: give the driver the certificate only")
    block = _PEM_BLOCK.search(pem)
    if block is None:
        raise ValueError("no PEM certificate (-----BEGIN CERTIFICATE-----) in it")
    b64 = _NOT_BASE64.sub("", block.group(1))
    try:
        base64.b64decode(b64, validate=True)
    except (binascii.Error, ValueError) as e:
        raise ValueError(f"the certificate is not valid base64: {e}") from None
    lines = "\n".join(b64[i : i + 64] for i in range(0, len(b64), 64))
    der = ssl.PEM_cert_to_DER_cert(f"{ssl.PEM_HEADER}\n{lines}\n{ssl.PEM_FOOTER}\n")
    # Parsed by OpenSSL only to refuse what is not a certificate; this context is dropped.
    ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).load_verify_locations(cadata=der)
    return der


def fingerprint(der: Optional[bytes]) -> str:
    return hashlib.sha256(der).hexdigest() if der else ""


class PinnedContext(ssl.SSLContext):
    """A client context whose handshakes succeed only with the pinned certificate: wrap_socket
    always completes the handshake and compares the server's certificate with the pin before
    returning (or closes the socket and raises PinMismatchError)."""

    pinned_sha256: str  # hex

    def wrap_socket(self, sock, server_side=False, do_handshake_on_connect=True,
                    suppress_ragged_eofs=True, server_hostname=None, session=None):
        if server_side:
            raise ValueError("a pinned context is for the driver's side only")
        tls = super().wrap_socket(
            sock, server_side=False, do_handshake_on_connect=False,
            suppress_ragged_eofs=suppress_ragged_eofs, server_hostname=server_hostname, session=session,
        )
        try:
            tls.do_handshake()
            self.check(tls)
        except BaseException:
            tls.close()
            raise
        return tls

    def wrap_bio(self, *args, **kwargs):
        raise NotImplementedError("a pinned context wraps sockets only (the pin is checked there)")

    def check(self, tls: ssl.SSLSocket) -> None:
        """PinMismatchError unless the handshaken `tls` got the pinned certificate."""
        got = fingerprint(tls.getpeercert(binary_form=True))
        if got != self.pinned_sha256:
            seen = f"sha256 {got[:16]}…" if got else "none sent"
            raise PinMismatchError(
                f"the server's certificate is not the pinned one ({seen}, expected {self.pinned_sha256[:16]}…)"
            )


def client_context(pem: str) -> PinnedContext:
    """A context that accepts the first certificate in `pem`, exactly, and nothing else."""
    pinned = fingerprint(certificate_der(pem))
    ctx = PinnedContext(ssl.PROTOCOL_TLS_CLIENT)  # loads no CA certificates, the system's neither
    ctx.pinned_sha256 = pinned
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    # No CA validation and no name check: the exact pin (PinnedContext.check) replaces both, and
    # only the holder of the pinned certificate's key can complete the handshake with it (its
    # signature over the handshake is checked whatever verify_mode says). So the name the
    # driver dialled (an IP, a load balancer, a node name) need not be in it.
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def context_from_env(environ: Mapping[str, str]) -> Optional[PinnedContext]:
    """The context for SPARKPORT_TLS_CERT, or None when it is unset or empty (plain TCP).
    ValueError, or ssl.SSLError from OpenSSL, when it holds no usable certificate or holds a
    private key."""
    pem = environ.get(TLS_CERT_ENV, "")
    if not pem.strip():
        return None
    return client_context(pem)


def wrap(sock: socket.socket, ctx: ssl.SSLContext, host: str) -> ssl.SSLSocket:
    """The TLS handshake on a connected socket, within the socket's timeout; the socket is
    closed if it fails. Nothing is sent before the server's certificate has been checked
    against the pin (PinnedContext.wrap_socket)."""
    try:
        return ctx.wrap_socket(sock, server_hostname=host)  # the name is only SNI here
    except BaseException:
        sock.close()
        raise


class TlsChannel(io.RawIOBase):
    """An SSLSocket that one thread reads while others write (see the module's docstring).

    The socket is non-blocking: each call into OpenSSL runs under the lock and returns at once,
    and waiting for the socket to become readable or writable happens outside it. So a reader
    waiting for the server never holds up a writer, and a writer waiting for room in the send
    buffer never keeps the reader from taking in what the server sends meanwhile.

    Also stands in for the socket in Transport.set_timeout and Transport.abort."""

    def __init__(self, sock: ssl.SSLSocket):
        self._sock = sock
        self._lock = threading.Lock()  # every call into OpenSSL on this connection
        self._timeout = sock.gettimeout()  # bounds each read and each write, None: no bound
        sock.setblocking(False)

    def readable(self) -> bool:
        return True

    def readinto(self, buf) -> int:
        return self._io(lambda: self._sock.recv_into(buf), select.POLLIN)

    def sendall(self, data: bytes) -> None:
        view = memoryview(data)
        deadline = self._deadline()
        sent = 0
        while sent < len(view):
            # After a "want", OpenSSL needs the same bytes again: `sent` has not moved then.
            sent += self._io(lambda: self._sock.send(view[sent:]), select.POLLOUT, deadline)

    def settimeout(self, seconds: Optional[float]) -> None:
        self._timeout = seconds

    def setsockopt(self, *args) -> None:
        self._sock.setsockopt(*args)

    def shutdown(self, how: int) -> None:
        # The plain socket's shutdown, from any thread and without the lock: it wakes a reader
        # or writer waiting for the socket. SSLSocket.shutdown would first drop its SSL object,
        # and a write racing with that would go out unencrypted.
        socket.socket.shutdown(self._sock, how)

    def close(self) -> None:
        super().close()
        self._sock.close()

    def _deadline(self) -> Optional[float]:
        return None if self._timeout is None else time.monotonic() + self._timeout

    def _io(self, op, event: int, deadline: Optional[float] = None):
        if deadline is None:
            deadline = self._deadline()
        while True:
            with self._lock:
                try:
                    return op()
                except ssl.SSLWantReadError:
                    wait_for = select.POLLIN
                except ssl.SSLWantWriteError:
                    wait_for = select.POLLOUT
                except BlockingIOError:
                    wait_for = event
            self._wait(wait_for, deadline)

    def _wait(self, event: int, deadline: Optional[float]) -> None:
        remaining = None if deadline is None else deadline - time.monotonic()
        if remaining is not None and remaining <= 0:
            raise TimeoutError("timed out")
        poller = select.poll()  # not select(): a Spark driver's descriptors go past FD_SETSIZE
        try:
            poller.register(self._sock.fileno(), event)
        except ValueError:  # closed meanwhile (fileno -1)
            raise OSError(errno.EBADF, "the connection is closed") from None
        if not poller.poll(None if remaining is None else max(1, int(remaining * 1000 + 0.999))):
            raise TimeoutError("timed out")
