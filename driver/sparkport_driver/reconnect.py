"""Getting the connection back after it drops (PROTOCOL.md section 3a).

The control thread runs this when a read fails; statements keep running meanwhile and their
messages wait in the outbox. Each attempt goes to the address in SPARKPORT_CONNECT_FILE (where
a restarted server writes its new one) if that holds host:port, else to SPARKPORT_CONNECT (the
only address a driver in cluster deploy mode has: no connect file reaches its machine); it
says hello with the session token from the first welcome, and after the welcome the Link
replays the outbox and says `resumed`.
"""

from __future__ import annotations

import enum
import logging
import os
import ssl
import threading
import time
from typing import Callable, Optional

from . import protocol
from .launch_token import read_small_file
from .link import Link, Running
from .transport import ConnectionClosed, LineTooLong, Transport, parse_address

log = logging.getLogger("sparkport.driver")

BACKOFF_FIRST = 0.1
BACKOFF_MAX = 1.0  # an attempt costs one connect; a restarted server is found within a second
ATTEMPT_TIMEOUT = 10.0  # connecting, waiting for the welcome, and each write of the replay


class Outcome(enum.Enum):
    RESUMED = "resumed"
    EXPIRED = "expired"  # the grace period passed (or there is none)
    REFUSED = "refused"  # the server has forgotten the session: trying again cannot help
    STOPPED = "stopped"  # the driver is stopping anyway


class _Refused(Exception):
    pass


class Reconnector:
    """Where the server is and what to present to it; the secret is in memory only, never in
    a log line, the environment or the globals statements see."""

    def __init__(
        self,
        address: Optional[str],
        connect_file: Optional[str],
        pid: int,
        python: str,
        tls: Optional[ssl.SSLContext] = None,
    ):
        self.address = address
        self.connect_file = connect_file  # None in cluster deploy mode: always `address`
        self.tls = tls  # SPARKPORT_TLS_CERT's context, read once at start (tls.py)
        self.pid = pid
        self.python = python
        self.session_id: Optional[int] = None
        self.grace = 0.0  # seconds; none until a welcome grants one, as in protocol version 1
        self._token: Optional[str] = None

    def __repr__(self) -> str:
        return f"Reconnector(session_id={self.session_id}, grace={self.grace})"

    def welcomed(self, msg: dict) -> None:
        """Keep what a (checked) welcome grants: a reconnect's welcome repeats only the grace."""
        self.session_id = msg["session_id"]
        token = msg.get("session_token")
        if token is not None:
            self._token = token
        grace = msg.get("reconnect_grace_ms")
        if grace is not None:
            self.grace = grace / 1000.0

    @property
    def can_reconnect(self) -> bool:
        return self._token is not None and self.grace > 0

    def current_address(self) -> Optional[str]:
        if self.connect_file:
            found = _read_address_file(self.connect_file)
            if found is not None:
                return found
        return self.address

    def run(
        self,
        link: Link,
        last_request: Callable[[], int],
        running: Callable[[], Running],
        stopped: threading.Event,
        on_welcome: Callable[[dict], None],
    ) -> Outcome:
        """Try until a reconnect succeeds, the grace period ends, the server refuses or the
        driver stops. The grace period counts from the drop: the server's does the same."""
        if not self.can_reconnect:
            return Outcome.EXPIRED
        deadline = time.monotonic() + self.grace
        delay = BACKOFF_FIRST
        last_reason = None
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return Outcome.EXPIRED
            if stopped.wait(min(delay, remaining)):
                return Outcome.STOPPED
            delay = min(delay * 2, BACKOFF_MAX)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return Outcome.EXPIRED
            try:
                reason = self._attempt(link, last_request, running, on_welcome, min(ATTEMPT_TIMEOUT, remaining))
            except _Refused as e:
                log.error("the server refused the reconnect: %s", e)
                return Outcome.REFUSED
            if reason is None:
                return Outcome.RESUMED
            if reason != last_reason:  # one line per new reason, not one per attempt
                log.info("reconnect failed: %s; retrying for %.0f s more", reason, remaining)
                last_reason = reason

    def _attempt(
        self,
        link: Link,
        last_request: Callable[[], int],
        running: Callable[[], Running],
        on_welcome: Callable[[dict], None],
        timeout: float,
    ) -> Optional[str]:
        """One try; None when the connection is back, else why not."""
        address = self.current_address()
        if not address:
            return "no server address"
        try:
            transport = Transport.connect(address, timeout=timeout, tls=self.tls)
        except (OSError, ValueError) as e:
            return f"cannot connect to {address}: {e}"
        try:
            transport.set_timeout(timeout)
            hello = protocol.hello(self._token, self.pid, self.python, self.session_id, last_request())
            transport.write(protocol.encode(hello))
            msg = transport.read_message()
            why = self._check_welcome(msg)
        except (OSError, ConnectionClosed, LineTooLong, protocol.ProtocolError) as e:
            transport.close()
            return f"no welcome from {address}: {getattr(e, 'message', None) or e}"
        except _Refused:
            transport.close()
            raise
        if why is not None:
            transport.close()
            return why
        on_welcome(msg)
        if not link.resume(transport, running):
            link.detach()
            return f"the connection to {address} dropped during the replay"
        transport.set_timeout(None)
        log.info("reconnected to %s as session %s", address, self.session_id)
        return None

    def _check_welcome(self, msg: dict) -> Optional[str]:
        mtype = msg.get("type")
        if mtype == protocol.RECEIVED.error:
            code = msg.get("code")
            if code in (protocol.BAD_TOKEN, protocol.BAD_PROTOCOL):
                raise _Refused(f"{code} {msg.get('message')}")
            return f"the server answered {code} {msg.get('message')}"
        if mtype != protocol.RECEIVED.welcome:
            return f"expected 'welcome', got {mtype!r}"
        try:
            protocol.check_welcome(msg)
        except protocol.ProtocolError as e:
            return f"bad welcome: {e.message}"
        if msg["session_id"] != self.session_id:
            return f"the welcome is for session {msg['session_id']}, not {self.session_id}"
        return None


def _read_address_file(path: str) -> Optional[str]:
    try:
        data = read_small_file(path, 1024)
    except OSError:
        return None
    text = data.decode("ascii", "replace").strip()
    try:
        parse_address(text)
    except ValueError:
        return None  # missing, or caught half-written: the next attempt reads it again
    return text
