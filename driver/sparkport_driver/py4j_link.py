"""TCP_NODELAY on both ends of a thread's py4j connection (see Py4jLink.scala for why).

Without it every py4j answer or request between about 8 KiB and a few hundred KiB waits 40 ms
for a delayed ACK. Each Python thread has a connection of its own, so each thread that talks
to the JVM calls this once; it costs one small py4j call.
"""

from __future__ import annotations

import logging
import socket
import threading
from typing import Any

from .helper_jar import helper_class

log = logging.getLogger("sparkport.driver")
_done = threading.local()


def no_delay(spark: Any) -> None:
    if getattr(_done, "yes", False):
        return
    _done.yes = True
    # Each end on its own: one that cannot be set must not leave the other as it was.
    try:
        helper = helper_class(spark, "sparkport.Py4jLink")
        said = helper.noDelay() if helper is not None else "the helper jar is not loaded"
        if said != "ok":
            log.info("py4j link: TCP_NODELAY not set on the JVM's side: %s", said)
    except Exception:
        log.info("could not set TCP_NODELAY on the JVM's side of the py4j connection", exc_info=True)
    try:
        conn = spark.sparkContext._gateway._gateway_client.get_thread_connection()
        sock = getattr(conn, "socket", None)
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except Exception:
        log.info("could not set TCP_NODELAY on Python's side of the py4j connection", exc_info=True)
