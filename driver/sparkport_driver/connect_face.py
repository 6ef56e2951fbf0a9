"""The session's Spark Connect face (PROTOCOL.md section 3, README "Spark Connect"): Spark
Connect's service started inside this driver's SparkContext, serving the session's own
SparkSession to Connect clients, so temp views and cached data are shared with statements.

The server asks for it in the `welcome` (`connect`: where to bind, which ports); the driver
starts it once Spark is up and tells the server in `ready` (`connect`: the port, the shared
session's id and user, and the token clients present). The work is the Scala helper's
(sparkport.ConnectFace). A face that cannot start costs the session nothing but the face: the
reason goes to the driver's log, which is the session's log, and `ready` goes without it.

The token is made here, per driver, and is only ever written to the server: never to a log.

The token is not Spark's bearer token: clients present it in an `x-sparkport-token` header
(the server's URL carries it as a parameter of that name, which Spark Connect clients send as a
header), and the Scala helper checks it (sparkport.RequireToken); see ConnectFace.scala for why.

Connect use is the session's use: each ping's reply says how long the face has gone without a
client (`connect_idle_ms`, IdleWatch below, read from the JVM by a thread of its own so that a
ping never waits on py4j), and the server's idle timeout counts from then.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
import uuid
from typing import Any, Callable, Optional

from . import tracebacks
from .helper_jar import helper_class, not_on_class_path

log = logging.getLogger("sparkport.driver")

HELPER_CLASS = "sparkport.ConnectFace"
# The user id of the shared session: with the session id it is the key Spark Connect finds a
# session by. Another user id (a client that leaves it out) gets an isolated session of its own.
USER_ID = "sparkport"


def start(spark: Any, settings: dict) -> Optional[dict]:
    """Starts the face as the welcome's `connect` says; `ready`'s `connect`, or None when it
    could not start."""
    host, low, high = settings["host"], settings["port_low"], settings["port_high"]
    cls = helper_class(spark, HELPER_CLASS)
    if cls is None:
        log.error("Spark Connect is off for this session: %s", not_on_class_path(HELPER_CLASS))
        return None
    token = secrets.token_urlsafe(32)
    session_id = str(uuid.uuid4())
    t0 = time.monotonic()
    try:
        port = int(cls.start(spark._jsparkSession, host, low, high, token, USER_ID, session_id))
    except Exception as e:  # a Py4JError, or no py4j at all: either way the session runs on
        log.error(
            "Spark Connect is off for this session: it could not start on %s, ports %d-%d: %s",
            host, low, high, tracebacks.java_message(e),
        )
        return None
    log.info("Spark Connect on %s:%d in %.0f ms", host, port, (time.monotonic() - t0) * 1000)
    return {"port": port, "session_id": session_id, "user_id": USER_ID, "token": token}


def stop(spark: Any, watch: Optional[IdleWatch] = None) -> None:
    """Stops the face (if it was started), and its IdleWatch, before Spark stops."""
    if watch is not None:
        watch.stop()
    try:
        cls = helper_class(spark, HELPER_CLASS)
        if cls is not None:
            cls.stop()
    except Exception:
        log.warning("stopping Spark Connect failed", exc_info=True)


POLL_S = 1.0


class IdleWatch:
    """How long the face has gone without a client, for each ping's reply, read from the JVM by a
    daemon thread of its own (ConnectFace.idleMs, every POLL_S) and never on the control thread:
    a JVM that stalls (a long GC) must not hold up the ping, or the server would think the
    driver gone. A ping gets the last value read plus the time since it was read; a read that
    hangs only makes the value older.
    """

    def __init__(self, read: Callable[[], Any], interval: float = POLL_S, clock: Callable[[], float] = time.monotonic):
        self._read = read
        self._interval = interval
        self._clock = clock
        self._last: Optional[tuple[int, float]] = None  # (idleMs as read, clock() once read)
        self._failed = False
        self._stopped = threading.Event()
        self._thread: Optional[threading.Thread] = None

    def start(self) -> "IdleWatch":
        self._thread = threading.Thread(target=self._run, name="sparkport-connect-idle", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()

    def _run(self) -> None:
        while not self._stopped.is_set():
            self.poll()
            self._stopped.wait(self._interval)

    def poll(self) -> None:
        """Reads idleMs once (the thread's work; tests call it directly)."""
        try:
            ms = int(self._read())
        except Exception as e:  # a JVM that is stopping, or gone: pings go on with what was read
            if not self._failed and not self._stopped.is_set():
                self._failed = True
                log.warning("could not ask Spark Connect when it was last used: %s", tracebacks.java_message(e))
            return
        # The time once the answer is in: a slow answer makes the face look used later, not earlier.
        self._last = (ms, self._clock())

    def idle_ms(self) -> Optional[int]:
        """Milliseconds since the face last served a call, as of now (0 while one is open, as of
        the last read), or None: no call seen yet, or nothing read yet."""
        last = self._last
        if last is None or last[0] < 0:
            return None
        ms, at = last
        return ms + max(0, round((self._clock() - at) * 1000))


def watch_idle(spark: Any) -> Optional[IdleWatch]:
    """An IdleWatch of the started face, its thread running; None when the helper is missing."""
    cls = helper_class(spark, HELPER_CLASS)
    if cls is None:
        return None
    return IdleWatch(cls.idleMs).start()
