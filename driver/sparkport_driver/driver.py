"""The Driver: one session's state, its start-up (handshake, Spark, `ready`) and its stop.

Its two halves live next door: statement_loop.py (the main thread runs statements) and
control.py (the control thread reads requests and answers what must not wait).
"""

from __future__ import annotations

import logging
import os
import queue
import sys
import threading
import traceback
from typing import Any, Optional

from . import connect_face, protocol, tracebacks
from .control import ControlThread
from .executor import Executor, new_globals
from .exit_codes import EXIT_FATAL, EXIT_OK
from .interrupts import InterruptGate
from .link import Link
from .outputs import Limits
from .progress import ProgressReporter
from .reconnect import Reconnector
from .shared import SharedStore
from .spark import SparkRuntime, startup_hint
from .statement_loop import STOP, Statement, StatementLoop
from .transport import ConnectionClosed, LineTooLong

log = logging.getLogger("sparkport.driver")

STOP_DEADLINE = 60.0  # after shutdown or a lost connection, exit even if Spark will not stop


class Driver(StatementLoop, ControlThread):
    def __init__(
        self,
        link: Link,
        gate: InterruptGate,
        session_id: Any = None,
        reconnector: Optional[Reconnector] = None,
    ):
        self.link = link
        self.gate = gate
        self.session_id = session_id
        self.reconnector = reconnector or Reconnector(None, None, os.getpid(), _python_version())
        self.limits = Limits()
        self.runtime: Optional[SparkRuntime] = None
        self.executor: Optional[Executor] = None
        self.progress: Optional[ProgressReporter] = None
        self.main_ident = threading.main_thread().ident
        self.ready = False
        self.exit_code = EXIT_OK
        # Guards the statement registry and the running statement's `finished` flag
        # (the canceller signals only while it holds this and the statement still runs).
        self.lock = threading.Lock()
        self.pending: dict[int, Statement] = {}
        self.current: Optional[Statement] = None
        self.stopping = False
        # Why the driver stops on its own (its JVM died): what statements it cuts short say.
        self.failure: Optional[str] = None
        self.stopped = threading.Event()  # set with `stopping`, for waits to end early
        self.last_request = 0  # the highest request id received, on any connection
        self.queue: "queue.Queue[Any]" = queue.Queue()
        self.deadline: Optional[threading.Timer] = None
        self._completions: "queue.Queue[Any]" = queue.Queue()
        self.shared = SharedStore()
        self._shared_jobs: "queue.Queue[Any]" = queue.Queue()
        # The first welcome's `connect` (where a Spark Connect face should listen), and what
        # `ready` said of the face once it started (its token included).
        self.connect_settings: Optional[dict] = None
        self.connect: Optional[dict] = None
        # When the face was last used, as a thread of its own reads it from the JVM (for pings).
        self.connect_watch: Optional[connect_face.IdleWatch] = None

    # ---- start-up (main thread) --------------------------------------------------------------

    def handshake(self, token: str) -> bool:
        self.link.send(protocol.hello(token, os.getpid(), _python_version()))
        try:
            msg = self.link.read_message()
        except (ConnectionClosed, LineTooLong, protocol.ProtocolError) as e:
            log.error("handshake failed: %s", e)
            return False
        if msg.get("type") == protocol.RECEIVED.welcome:
            try:
                protocol.check_welcome(msg)
            except protocol.ProtocolError as e:
                log.error("bad welcome from the server: %s", e.message)
                return False
            self.welcomed(msg)
            if not self.reconnector.can_reconnect:
                log.warning("the server grants no reconnect: a dropped connection ends the driver")
            return True
        if msg.get("type") == protocol.RECEIVED.error:
            log.error("server refused the driver: %s %s", msg.get("code"), msg.get("message"))
        else:
            log.error("expected 'welcome', got %r", msg.get("type"))
        return False

    def welcomed(self, msg: dict) -> None:
        """Take what a checked welcome says (the first one, or a reconnect's)."""
        # In place: the executor and the Scala runner hold this object.
        limits = Limits.from_welcome(msg.get("limits"))
        self.limits.rows, self.limits.text_bytes = limits.rows, limits.text_bytes
        self.session_id = msg["session_id"]
        # The first welcome only: a reconnect's says nothing of it, and the face stays as it is.
        if msg.get("connect") is not None:
            self.connect_settings = msg["connect"]
        self.reconnector.welcomed(msg)
        self.link.retain = self.reconnector.can_reconnect

    def start_spark(self) -> bool:
        try:
            self.runtime = SparkRuntime.start()
            info = self.runtime.info()
            spark = self.runtime.spark
            self.shared = SharedStore(spark)
            self.shared.watch_reads(spark)
            globals_ = new_globals(spark)
            globals_["shared"] = self.shared
            self.executor = Executor(globals_, self.limits, spark, self.gate, self.link.send)
            self.progress = ProgressReporter(self.runtime.sc, self.link.send)
        except BaseException as e:
            message = f"Spark failed to start: {tracebacks.safe_str(e)}"
            hint = startup_hint(e)
            if hint:
                message += f" ({hint})"
            log.exception(message)
            lines = traceback.format_exception(type(e), e, e.__traceback__)
            self.link.send(protocol.fatal(message, lines))
            return False
        # Before `ready`, so no statement runs yet; a face that fails leaves the session without it.
        if self.connect_settings is not None:
            self.connect = connect_face.start(spark, self.connect_settings)
            if self.connect is not None:
                self.connect_watch = connect_face.watch_idle(spark)
        self.become_ready(info, self.connect)
        self.runtime.watch_jvm(self._on_jvm_exit)
        return True

    def become_ready(self, info: dict, connect: Optional[dict] = None) -> None:
        """Install the SIGINT handler and announce `ready` (main thread; tests call it without Spark)."""
        if self.executor is None:
            self.executor = Executor(None, self.limits, None, self.gate, self.link.send)
        self.gate.on_interrupt = self._on_sigint
        self.gate.install()
        with self.lock:
            if self.stopping:  # shutdown or a lost connection during start-up
                return
            self.ready = True
        # Written now if connected, else carried by the `resumed` of the next connection.
        self.link.send(protocol.ready(**info, connect=connect))
        log.info("ready: %s", info)  # not `connect`: its token is a secret

    def _on_jvm_exit(self, code: int) -> None:
        if self.stopping:
            return
        log.error("the Spark JVM exited with code %s; stopping the driver", code)
        why = f"the Spark driver JVM exited unexpectedly (exit code {code})"
        self.failure = why
        self.link.send(protocol.fatal(why, []))
        self._stop(EXIT_FATAL)

    # ---- stopping ----------------------------------------------------------------------------

    def running_statement(self) -> Optional[tuple[int, int]]:
        """(statement_id, request_id) of the execute that runs or waits and has no reply in
        the outbox yet, for `resumed`; the running one before queued ones. Called under the
        Link's lock (which `Statement.replied` is set under)."""
        with self.lock:
            waiting = [s for s in self.pending.values() if not s.replied]
        if not waiting:
            return None
        first = min(waiting, key=lambda s: (not (s.started and not s.finished), s.request_id))
        return first.statement_id, first.request_id

    def _stop(self, exit_code: int) -> None:
        """Cancel what runs or waits, then let the main thread stop Spark and exit."""
        with self.lock:
            if self.stopping:
                return
            self.stopping = True
            self.stopped.set()
            self.exit_code = exit_code
            waiting = list(self.pending.values())
            for stmt in waiting:
                stmt.cancel_requested = True
        for stmt in waiting:
            if stmt.started and not stmt.finished:
                self._start_canceller(stmt, signal_main=True)
        self.queue.put(STOP)
        self.deadline = _start_deadline(exit_code)

    def stop_spark(self) -> None:
        """Stops the Spark Connect face, then Spark (main thread, at the end)."""
        if self.runtime is None:
            return
        if self.connect is not None:
            connect_face.stop(self.runtime.spark, self.connect_watch)
        self.runtime.stop()

    def connect_idle_ms(self) -> Optional[int]:
        """For a ping's reply: how long the Spark Connect face has gone without a client, or None
        (no face, or no call yet). From what connect_watch last read: no py4j call here."""
        watch = self.connect_watch
        if self.connect is None or watch is None:
            return None
        return watch.idle_ms()

    def cancel_deadline(self) -> None:
        if self.deadline is not None:
            self.deadline.cancel()


def _start_deadline(exit_code: int) -> threading.Timer:
    def kill() -> None:
        log.error("Spark did not stop within %.0f s; exiting anyway", STOP_DEADLINE)
        logging.shutdown()
        os._exit(exit_code)

    t = threading.Timer(STOP_DEADLINE, kill)
    t.daemon = True
    t.start()
    return t


def _python_version() -> str:
    v = sys.version_info
    return f"{v.major}.{v.minor}.{v.micro}"
