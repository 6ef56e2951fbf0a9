"""Entry point: environment, logging, connection, then the Driver's life from hello to exit.

The Driver (driver.py) runs statements on the main thread (statement_loop.py) while a
control thread reads the socket (control.py).
"""

from __future__ import annotations

import io
import logging
import os
import sys

from .driver import Driver
from .exit_codes import EXIT_FATAL, EXIT_HANDSHAKE
from .interrupts import InterruptGate
from .launch_token import TokenError, take_token
from .transport import Transport

log = logging.getLogger("sparkport.driver")


def _setup_logging(session_id: str) -> None:
    # Only the driver's own loggers get a handler (to the real stderr). The root
    # logger stays unconfigured, as in a fresh Python REPL, so user code can call
    # logging.basicConfig() and see its logs in the statement's output.
    handler = logging.StreamHandler(sys.__stderr__)
    handler.setFormatter(
        logging.Formatter(f"%(asctime)s sparkport-driver[{session_id}] %(levelname)s %(name)s: %(message)s")
    )
    for name, level in (("sparkport", os.environ.get("SPARKPORT_LOG_LEVEL", "INFO")), ("py4j", "WARNING")):
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        logger.setLevel(level.upper() if isinstance(level, str) else level)
        logger.propagate = False


def main() -> int:
    session_id = os.environ.get("SPARKPORT_SESSION_ID", "?")
    _setup_logging(session_id)
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
        transport = Transport.connect(address, gate=gate)
    except (OSError, ValueError) as e:
        log.error("cannot connect to %s: %s", address, e)
        return EXIT_HANDSHAKE

    driver = Driver(transport, gate, session_id)
    if not driver.handshake(token):
        transport.close()
        return EXIT_HANDSHAKE
    log.info("connected to %s, starting Spark", address)
    # Reading starts before Spark is up so that a shutdown or a dropped connection
    # during the slow JVM start is noticed (other requests get NOT_READY).
    driver.start_control_thread()
    if not driver.start_spark():
        transport.close()
        return EXIT_FATAL
    driver.run_statements()
    log.info("stopping Spark")
    if driver.progress is not None:
        driver.progress.close()
    if driver.runtime is not None:
        driver.runtime.stop()
    driver.cancel_deadline()
    transport.close()
    log.info("exiting with code %d", driver.exit_code)
    return driver.exit_code
