"""The driver's own log: to the stderr the driver was started with, never into a statement.

While a statement runs, sys.stderr is its capture, whose writes become `stream` messages.
logging.Handler.handleError, which runs when a handler cannot write (a broken pipe, a full
disk), prints to sys.stderr. So a log line that failed to write went into the running
statement's output and through the transport, from whatever thread logged, holding whatever
that thread held: the control thread logging "connection closed" while the statement thread,
inside its capture, held the transport lock and itself waited to log, deadlocked the driver.

Here the handler writes to its own duplicate of file descriptor 2, taken at start (user code
reassigning or closing sys.stderr changes nothing), and a line that cannot be written is
dropped: the only place left to report it would be the stream that just failed.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import IO, Optional

LOGGERS = (("sparkport", None), ("py4j", "WARNING"))


class DriverLogHandler(logging.StreamHandler):
    def handleError(self, record: logging.LogRecord) -> None:
        pass


def open_log_stream() -> IO[str]:
    """A line-buffered text stream on a private copy of fd 2 (a file, a pipe or a terminal)."""
    try:
        return os.fdopen(os.dup(2), "w", buffering=1, encoding="utf-8", errors="backslashreplace")
    except OSError:
        return sys.__stderr__ if sys.__stderr__ is not None else open(os.devnull, "w")


def setup(session_id: str, stream: Optional[IO[str]] = None, level: Optional[str] = None) -> DriverLogHandler:
    """Give the driver's loggers (and py4j's) their handler.

    The root logger stays unconfigured, as in a fresh Python REPL, so user code can call
    logging.basicConfig() and see its logs in the statement's output.
    """
    handler = DriverLogHandler(stream if stream is not None else open_log_stream())
    handler.setFormatter(
        logging.Formatter(f"%(asctime)s sparkport-driver[{session_id}] %(levelname)s %(name)s: %(message)s")
    )
    level = level or os.environ.get("SPARKPORT_LOG_LEVEL", "INFO")
    for name, fixed in LOGGERS:
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        logger.setLevel((fixed or level).upper())
        logger.propagate = False
    return handler


def remove(handler: DriverLogHandler) -> None:
    for name, _ in LOGGERS:
        logging.getLogger(name).removeHandler(handler)
