"""TLS to the server's driver listener, for a driver on another machine (PROTOCOL.md §1).

In cluster deploy mode the driver reaches the server over the network, so the server hands it
its certificate in SPARKPORT_TLS_CERT (PEM text; public) and every TCP connection, the first
and each reconnect, is TLS to exactly that certificate. Unix-socket addresses never use TLS.

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
# Whitespace, and "\n" or "\r" written out: a multi-line value may reach the driver's environment
# with its line breaks turned into spaces or escapes by the cluster manager; none of those
# characters is base64, so dropping them cannot change the certificate.
_NOT_BASE64 = re.compile(r"\\[nr]|\s")


def certificate_der(pem: str) -> bytes:
    """The DER bytes of the certificate(s) in `pem`; ValueError when there is none."""
    blocks = _PEM_BLOCK.findall(pem)
    if not blocks:
        raise ValueError("no PEM certificate (-----BEGIN CERTIFICATE-----) in it")
    try:
        return b"".join(base64.b64decode(_NOT_BASE64.sub("", b), validate=True) for b in blocks)
    except (binascii.Error, ValueError) as e:
        raise ValueError(f"a certificate is not valid base64: {e}") from None


def client_context(pem: str) -> ssl.SSLContext:
    """A context that trusts the server's certificate and nothing else (not the system's CAs:
    with cadata given, create_default_context loads no default certificates)."""
    ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cadata=certificate_der(pem))
    # The certificate is pinned exactly: only the holder of its private key can complete the
    # handshake, so the name the driver dialled (an IP, a load balancer, a node name) need not
    # be in it.
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    # The pinned certificate is the trust anchor even when a CA issued it (OpenSSL otherwise
    # wants a self-signed root), and Python 3.13's stricter default checks, which reject some
    # self-signed certificates, add nothing to an exact pin.
    ctx.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN
    ctx.verify_flags &= ~ssl.VERIFY_X509_STRICT
    return ctx


def context_from_env(environ: Mapping[str, str]) -> Optional[ssl.SSLContext]:
    """The context for SPARKPORT_TLS_CERT, or None when it is unset or empty (plain TCP).
    ValueError, or ssl.SSLError from OpenSSL, when it holds no usable certificate."""
    pem = environ.get(TLS_CERT_ENV, "")
    if not pem.strip():
        return None
    return client_context(pem)


def wrap(sock: socket.socket, ctx: ssl.SSLContext, host: str) -> ssl.SSLSocket:
    """The TLS handshake on a connected socket, within the socket's timeout; the socket is
    closed if it fails. Nothing is sent before the server's certificate has been checked."""
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
