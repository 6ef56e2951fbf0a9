"""When a SIGINT may turn into a KeyboardInterrupt on the main thread.

Cancelling a statement ends with a real SIGINT to the main thread (only a real
signal breaks out of blocking calls such as py4j's socket reads). The handler
must not raise at the wrong moment:

- outside a statement (idle, or inside the driver's bookkeeping), a stray SIGINT
  is ignored, so the driver never dies of it;
- while the main thread writes a protocol line, the interrupt is deferred to the
  end of the write: a KeyboardInterrupt inside `sendall` would leave half a line
  on the socket and break the framing for good.

Everything here is touched only by the main thread (Python runs signal handlers
there), so plain attributes are enough.
"""

from __future__ import annotations

import signal
import threading
from typing import Callable, Optional


class InterruptGate:
    def __init__(self) -> None:
        # True while user code (or a Spark action made on its behalf) runs.
        self.armed = False
        self._deferring = 0
        self._pending = False
        # Called (on the main thread, from the handler) when a SIGINT arrives while
        # armed, e.g. to cancel the statement's Spark jobs for a SIGINT sent from outside.
        self.on_interrupt: Optional[Callable[[], None]] = None
        # Set while a statement runs inside the JVM (Scala): raising would only abandon the
        # py4j call and leave the JVM thread running, so SIGINTs call this instead.
        self.on_foreign_interrupt: Optional[Callable[[], None]] = None

    def handler(self, signum, frame) -> None:
        foreign = self.on_foreign_interrupt
        if foreign is not None:
            for callback in (self.on_interrupt, foreign):
                if callback is not None:
                    try:
                        callback()
                    except Exception:
                        pass
            return
        if not self.armed:
            return
        if self.on_interrupt is not None:
            try:
                self.on_interrupt()
            except Exception:
                pass
        if self._deferring:
            self._pending = True
            return
        raise KeyboardInterrupt("statement cancelled")

    def enter_critical(self) -> None:
        self._deferring += 1

    def exit_critical(self) -> None:
        self._deferring -= 1
        if self._deferring == 0 and self._pending:
            self._pending = False
            if self.armed:
                raise KeyboardInterrupt("statement cancelled")

    def install(self) -> None:
        """Replace PySpark's handler, which would cancel *all* jobs and raise even when idle."""
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, self.handler)
