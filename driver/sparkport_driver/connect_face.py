"""The session's Spark Connect face (PROTOCOL.md section 3, README "Spark Connect"): Spark
Connect's service started inside this driver's SparkContext, serving the session's own
SparkSession to Connect clients, so temp views and cached data are shared with statements.

The server asks for it in the `welcome` (`connect`: where to bind, which ports); the driver
starts it once Spark is up and tells the server in `ready` (`connect`: the port, the shared
session's id and user, and the token clients present). The work is the Scala helper's
(sparkport.ConnectFace). A face that cannot start costs the session nothing but the face: the
reason goes to the driver's log, which is the session's log, and `ready` goes without it.

The token is made here, per driver, and is only ever written to the server: never to a log.

Connect use is the session's use: each ping's reply says how long the face has gone without a
client (`connect_idle_ms`, idle_ms below), and the server's idle timeout counts from then.
"""

from __future__ import annotations

import logging
import secrets
import time
import uuid
from typing import Any, Optional

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


def stop(spark: Any) -> None:
    """Stops the face (if it was started), before Spark stops."""
    try:
        cls = helper_class(spark, HELPER_CLASS)
        if cls is not None:
            cls.stop()
    except Exception:
        log.warning("stopping Spark Connect failed", exc_info=True)


_idle_failed = False


def idle_ms(spark: Any) -> Optional[int]:
    """Milliseconds since the face last served a call (0 while one is open), or None: no call
    yet, or the face cannot be asked (the failure is logged once)."""
    global _idle_failed
    try:
        cls = helper_class(spark, HELPER_CLASS)
        ms = int(cls.idleMs()) if cls is not None else -1
    except Exception as e:  # a JVM that is stopping, or gone: the ping is answered anyway
        if not _idle_failed:
            _idle_failed = True
            log.warning("could not ask Spark Connect when it was last used: %s", tracebacks.java_message(e))
        return None
    return ms if ms >= 0 else None
