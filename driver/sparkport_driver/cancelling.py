"""Stopping a running statement: its Spark jobs first, then SIGINTs to the main thread.

Runs on a short-lived thread of its own: the control thread must keep reading, and the
job group is cancelled over a py4j connection no statement is using.
"""

from __future__ import annotations

import logging
import signal
import threading
from typing import Callable, Optional

log = logging.getLogger("sparkport.driver")

CANCEL_GRACE = 0.3  # let cancelJobGroup end a Spark action before signalling
SIGNAL_INTERVAL = 0.5


def cancel_async(
    cancel_group: Optional[Callable[[], None]],
    still_running: Callable[[], bool],
    wait_done: Callable[[float], bool],
    main_ident: int,
    signal_lock: threading.Lock,
) -> threading.Thread:
    """Cancel the statement's Spark jobs, then SIGINT the main thread until it stops.

    The Spark cancel ends a running action cleanly (the action raises a job-cancelled
    error); the signal is for pure Python (`while True: pass`, `time.sleep`) and
    for anything that ignores the first interrupt. Only the main thread is
    signalled: a SIGINT to the process group would kill the JVM.
    """

    def work() -> None:
        if cancel_group is not None:
            try:
                cancel_group()
            except Exception:
                log.warning("cancelJobGroup failed", exc_info=True)
        if wait_done(CANCEL_GRACE):
            return
        while True:
            with signal_lock:  # the main thread marks the statement finished under this lock
                if not still_running():
                    return
                signal.pthread_kill(main_ident, signal.SIGINT)
            if wait_done(SIGNAL_INTERVAL):
                return

    t = threading.Thread(target=work, name="sparkport-cancel", daemon=True)
    t.start()
    return t
