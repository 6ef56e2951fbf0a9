"""Entry point: environment, logging, connection, then the Driver's life from hello to exit.

The Driver (driver.py) runs statements on the main thread (statement_loop.py) while a
control thread reads the socket (control.py) and reconnects when it drops (reconnect.py).

The driver's stdout and stderr are whatever the launcher gave it (a log file in the session's
work directory, a pipe, a terminal): nothing here depends on which.
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
from .transport import Transport

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
    # First thing, before Spark and user code: the token file is read and deleted.
    try:
        token = take_token()
    except TokenError as e:
        log.error("no launch token: %s", e)
        return EXIT_HANDSHAKE
    if not address:
        log.error("SPARKPORT_CONNECT must be set")
        return EXIT_HANDSHAKE
    gate = InterruptGate()
    try:
        transport = Transport.connect(address)
    except (OSError, ValueError) as e:
        log.error("cannot connect to %s: %s", address, e)
        return EXIT_HANDSHAKE

    link = Link(transport, gate)
    reconnector = Reconnector(address, os.environ.get("SPARKPORT_CONNECT_FILE"), os.getpid(), _python_version())
    driver = Driver(link, gate, session_id, reconnector)
    if not driver.handshake(token):
        link.close()
        return EXIT_HANDSHAKE
    del token
    log.info("connected to %s, starting Spark", address)
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
    if driver.runtime is not None:
        driver.runtime.stop()
    driver.cancel_deadline()
    link.close()
    log.info("exiting with code %d", driver.exit_code)
    return driver.exit_code
