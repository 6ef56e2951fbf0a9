"""Entry point: environment, logging, connection, then the Driver's life from hello to exit.

The Driver (driver.py) runs statements on the main thread (statement_loop.py) while a
control thread reads the socket (control.py) and reconnects when it drops (reconnect.py).

The driver's stdout and stderr are whatever the launcher gave it (a log file in the session's
work directory, a pipe, a terminal; in cluster deploy mode the driver container's log, which
is where the server finds why a cluster session failed): nothing here depends on which.
"""

from __future__ import annotations

import io
import logging
import os
import sys

from . import driver_log
from .driver import Driver, _python_version
from .exit_codes import EXIT_FATAL, EXIT_HANDSHAKE
from .interrupts import InterruptGate
from .launch_token import TokenError, take_token
from .link import Link
from .reconnect import Reconnector
from .tls import TLS_CERT_ENV, context_from_env
from .transport import UNIX_PREFIX, Transport

log = logging.getLogger("sparkport.driver")


def _line_buffer_stdout() -> None:
    # A file is block-buffered: what a stale handle prints between statements would reach
    # the log late, or never when the driver ends with os._exit.
    try:
        sys.__stdout__.reconfigure(line_buffering=True)
    except (AttributeError, ValueError, io.UnsupportedOperation):
        pass


def main() -> int:
    session_id = os.environ.get("SPARKPORT_SESSION_ID", "?")
    driver_log.setup(session_id)
    _line_buffer_stdout()
    # User code must never read the driver's stdin (it would block forever) and
    # %matplot renders off-screen.
    sys.stdin = io.StringIO("")
    os.environ["MPLBACKEND"] = "Agg"

    address = os.environ.get("SPARKPORT_CONNECT")
    # First thing, before Spark and user code: the token file is read and deleted (or, in
    # cluster deploy mode, the token taken out of the environment).
    try:
        token = take_token()
    except TokenError as e:
        log.error("no launch token: %s", e)
        return EXIT_HANDSHAKE
    if not address:
        log.error("SPARKPORT_CONNECT must be set")
        return EXIT_HANDSHAKE
    # Read once: the first connection and every reconnect use it.
    try:
        tls = context_from_env(os.environ)
    except (ValueError, OSError) as e:  # ssl.SSLError is an OSError
        msg = str(e)
        log.error("%s", msg if msg.startswith(TLS_CERT_ENV) else f"{TLS_CERT_ENV} holds no usable certificate: {msg}")
        return EXIT_HANDSHAKE
    gate = InterruptGate()
    try:
        transport = Transport.connect(address, tls=tls)
    except (OSError, ValueError) as e:
        # The line a user sees when a cluster session fails before it reaches the server.
        log.error("cannot connect to %s: %s", address, e)
        return EXIT_HANDSHAKE

    link = Link(transport, gate)
    reconnector = Reconnector(
        address, os.environ.get("SPARKPORT_CONNECT_FILE"), os.getpid(), _python_version(), tls=tls
    )
    driver = Driver(link, gate, session_id, reconnector)
    if not driver.handshake(token):
        link.close()
        return EXIT_HANDSHAKE
    del token
    over_tls = tls is not None and not address.strip().startswith(UNIX_PREFIX)
    log.info("connected to %s%s, starting Spark", address, " (TLS)" if over_tls else "")
    # Reading starts before Spark is up so that a shutdown or a dropped connection
    # during the slow JVM start is noticed (other requests get NOT_READY).
    driver.start_control_thread()
    if not driver.start_spark():
        link.close()
        return EXIT_FATAL
    driver.run_statements()
    log.info("stopping Spark")
    if driver.progress is not None:
        driver.progress.close()
    driver.stop_spark()
    driver.cancel_deadline()
    link.close()
    log.info("exiting with code %d", driver.exit_code)
    return driver.exit_code
