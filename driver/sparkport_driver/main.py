"""Wiring: handshake, Spark start-up, the control thread and the main-thread statement loop.

Statements run on the main thread, one at a time, in arrival order: PySpark's
signal handling lives there and a real SIGINT to it is the only way to stop
pure-Python code. Everything that must answer while a statement runs (cancel,
ping, complete, shutdown) is handled by the control thread that reads the
socket.
"""

from __future__ import annotations

import io
import logging
import os
import queue
import sys
import threading
import traceback
from typing import Any, Optional

from . import completion, protocol, tracebacks
from .executor import Executor, new_globals
from .interrupts import InterruptGate
from .outputs import Limits
from .shared import SharedError, SharedStore
from .spark import ProgressReporter, SparkRuntime, cancel_async, group_name, startup_hint
from .transport import ConnectionClosed, LineTooLong, Transport

log = logging.getLogger("sparkport.driver")

EXIT_OK = 0
EXIT_FATAL = 1  # Spark failed to start, or its JVM died later
EXIT_HANDSHAKE = 2  # the server refused us (bad token, protocol) or never answered properly
EXIT_CONNECTION_LOST = 3
STOP_DEADLINE = 60.0  # after shutdown or a lost connection, exit even if Spark will not stop

_STOP = object()


class Statement:
    def __init__(self, request_id: int, statement_id: int, kind: str, code: str):
        self.request_id = request_id
        self.statement_id = statement_id
        self.kind = kind
        self.code = code
        self.group = group_name(statement_id)
        self.started = False
        self.finished = False
        self.cancel_requested = False
        self.signaller_started = False
        self.group_cancel_started = False
        self.done = threading.Event()


class Driver:
    def __init__(self, transport: Transport, gate: InterruptGate, session_id: Any = None):
        self.transport = transport
        self.gate = gate
        self.session_id = session_id
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
        self.queue: "queue.Queue[Any]" = queue.Queue()
        self.deadline: Optional[threading.Timer] = None
        self._completions: "queue.Queue[Any]" = queue.Queue()
        self.shared = SharedStore()
        self._shared_jobs: "queue.Queue[Any]" = queue.Queue()

    # ---- start-up (main thread) --------------------------------------------------------------

    def handshake(self, token: str) -> bool:
        self.transport.send(protocol.hello(token, os.getpid(), _python_version()))
        try:
            msg = self.transport.read_message()
        except (ConnectionClosed, LineTooLong, protocol.ProtocolError) as e:
            log.error("handshake failed: %s", e)
            return False
        if msg.get("type") == "welcome":
            self.limits = Limits.from_welcome(msg.get("limits"))
            if msg.get("session_id") is not None:
                self.session_id = msg.get("session_id")
            return True
        if msg.get("type") == "error":
            log.error("server refused the driver: %s %s", msg.get("code"), msg.get("message"))
        else:
            log.error("expected 'welcome', got %r", msg.get("type"))
        return False

    def start_spark(self) -> bool:
        try:
            self.runtime = SparkRuntime.start()
            info = self.runtime.info()
            spark = self.runtime.spark
            self.shared = SharedStore(spark)
            globals_ = new_globals(spark)
            globals_["shared"] = self.shared
            self.executor = Executor(globals_, self.limits, spark, self.gate, self.transport.send)
            self.progress = ProgressReporter(self.runtime.sc, self.transport.send)
        except BaseException as e:
            message = f"Spark failed to start: {tracebacks.safe_str(e)}"
            hint = startup_hint(e)
            if hint:
                message += f" ({hint})"
            log.exception(message)
            lines = traceback.format_exception(type(e), e, e.__traceback__)
            self.transport.send(protocol.fatal(message, lines))
            return False
        self.become_ready(info)
        self.runtime.watch_jvm(self._on_jvm_exit)
        return True

    def become_ready(self, info: dict) -> None:
        """Install the SIGINT handler and announce `ready` (main thread; tests call it without Spark)."""
        if self.executor is None:
            self.executor = Executor(None, self.limits, None, self.gate, self.transport.send)
        self.gate.on_interrupt = self._on_sigint
        self.gate.install()
        with self.lock:
            if self.stopping:  # shutdown or a lost connection during start-up
                return
            self.ready = True
        self.transport.send(protocol.ready(**info))
        log.info("ready: %s", info)

    # ---- main-thread statement loop ----------------------------------------------------------

    def run_statements(self) -> None:
        while True:
            try:
                item = self.queue.get()
            except KeyboardInterrupt:  # a stray cancel signal that arrived after its statement
                continue
            if item is _STOP:
                return
            self._run_one(item)

    def _run_one(self, stmt: Statement) -> None:
        with self.lock:
            if stmt.cancel_requested:
                skipped = True
            else:
                skipped = False
                stmt.started = True
                self.current = stmt
        if skipped:
            output = tracebacks.simple_error(
                stmt.statement_id, "KeyboardInterrupt", "statement cancelled before it started"
            )
            self._finish(stmt, output)
            return
        output = None
        try:
            try:
                if self.runtime is not None:
                    self._refresh_shared_views()
                    self.runtime.set_job_group(stmt.statement_id, stmt.code)
                if self.progress is not None:
                    self.progress.begin(stmt.request_id, stmt.group)
                output = self.executor.execute(stmt.request_id, stmt.statement_id, stmt.kind, stmt.code)
            except KeyboardInterrupt as e:
                # An interrupt that landed just outside the executor's guarded region.
                self.gate.armed = False
                output = tracebacks.error_output(stmt.statement_id, e)
            except Exception as e:
                self.gate.armed = False
                log.exception("statement %s failed inside the driver", stmt.statement_id)
                output = tracebacks.internal_error(stmt.statement_id, e)
        except KeyboardInterrupt as e:  # ... or inside the handlers above
            self.gate.armed = False
            if output is None:
                output = tracebacks.error_output(stmt.statement_id, e)
        self._finish(stmt, output)

    def _finish(self, stmt: Statement, output: dict) -> None:
        if self.progress is not None:
            self.progress.end()
        with self.lock:
            stmt.finished = True
            self.current = None
            self.pending.pop(stmt.request_id, None)
            cancelled = stmt.cancel_requested
        stmt.done.set()
        self.transport.send(protocol.reply_ok(stmt.request_id, protocol.execute_result(output, cancelled)))

    def _on_sigint(self) -> None:
        """SIGINT while a statement runs (main thread, inside the signal handler).

        Our own canceller already cancelled the job group; a SIGINT from outside
        (e.g. the server signalling the pid) gets the same treatment, scoped to the
        statement's group rather than PySpark's cancelAllJobs. No py4j call here:
        the main thread may be in the middle of one.
        """
        stmt = self.current
        if stmt is None or stmt.group_cancel_started:
            return
        stmt.cancel_requested = True
        self._start_canceller(stmt, signal_main=False)

    def _on_jvm_exit(self, code: int) -> None:
        if self.stopping:
            return
        log.error("the Spark JVM exited with code %s; stopping the driver", code)
        self.transport.send(protocol.fatal(f"the Spark driver JVM exited unexpectedly (exit code {code})", []))
        self._stop(EXIT_FATAL)

    # ---- control thread ----------------------------------------------------------------------

    def start_control_thread(self) -> threading.Thread:
        t = threading.Thread(target=self._control_loop, name="sparkport-control", daemon=True)
        t.start()
        c = threading.Thread(target=self._completion_loop, name="sparkport-complete", daemon=True)
        c.start()
        for i in range(2):
            threading.Thread(target=self._shared_loop, name=f"sparkport-shared-{i}", daemon=True).start()
        return t

    def _control_loop(self) -> None:
        while True:
            try:
                line = self.transport.read_line()
            except LineTooLong as e:
                self.transport.send(protocol.error_message(protocol.BAD_MESSAGE, str(e)))
                log.error("%s; closing the connection", e)
                self._connection_lost()
                return
            except ConnectionClosed as e:
                log.info("connection closed: %s", e)
                self._connection_lost()
                return
            try:
                req = protocol.parse_request(line)
            except protocol.ServerNotice as e:
                log.warning("the server reported an error: %s", e)
                continue
            except protocol.ProtocolError as e:
                log.warning("bad message from server: %s", e.message)
                self.transport.send(e.to_message())
                continue
            try:
                self._dispatch(req)
            except Exception as e:
                log.exception("failed to handle %s request %s", req.type, req.id)
                self.transport.send(protocol.reply_error(req.id, protocol.INTERNAL, f"{type(e).__name__}: {e}"))

    def _dispatch(self, req: protocol.Request) -> None:
        t = req.type
        if t == "ping":
            self.transport.send(protocol.reply_ok(req.id))
        elif t == "shutdown":
            self.transport.send(protocol.reply_ok(req.id))
            log.info("shutdown requested")
            self._stop(EXIT_OK)
        elif not self.ready:
            self.transport.send(protocol.reply_error(req.id, protocol.NOT_READY, "Spark is still starting"))
        elif t == "execute":
            self._on_execute(req)
        elif t == "cancel":
            self._on_cancel(req)
        elif t == "complete":
            self._completions.put(req)
        elif t in protocol.SHARED_TYPES:
            if self.shared.needs_spark(req.msg):
                self._shared_jobs.put(req)
            else:
                self._on_shared(req)

    def _on_shared(self, req: protocol.Request) -> None:
        try:
            result = self.shared.handle(req.msg)
        except SharedError as e:
            self.transport.send(protocol.reply_error(req.id, e.code, e.message))
            return
        self.transport.send(protocol.reply_ok(req.id, result))

    def _shared_loop(self) -> None:
        # Requests that may run Spark jobs (dataset pages, save, load) wait here, never on the
        # control thread: map reads and writes stay fast while a save runs.
        while True:
            req = self._shared_jobs.get()
            try:
                self._on_shared(req)
            except Exception as e:
                log.exception("shared request %s failed", req.id)
                self.transport.send(protocol.reply_error(req.id, protocol.INTERNAL, f"{type(e).__name__}: {e}"))

    def _refresh_shared_views(self) -> None:
        try:
            self.shared.refresh_views()
        except Exception:
            log.exception("could not refresh the SQL views of shared maps")

    def _on_execute(self, req: protocol.Request) -> None:
        m = req.msg
        stmt = Statement(req.id, m["statement_id"], m["kind"], m["code"])
        with self.lock:
            if self.stopping:
                refused = True
            else:
                refused = False
                self.pending[req.id] = stmt
        if refused:
            self.transport.send(protocol.reply_error(req.id, protocol.NOT_READY, "the driver is shutting down"))
            return
        self.queue.put(stmt)

    def _on_cancel(self, req: protocol.Request) -> None:
        target = req.msg["target"]
        with self.lock:
            stmt = self.pending.get(target)
            if stmt is not None:
                stmt.cancel_requested = True
                running = stmt.started and not stmt.finished
        if stmt is None:
            self.transport.send(
                protocol.reply_error(req.id, protocol.UNKNOWN_TARGET, f"no pending execute request {target}")
            )
            return
        self.transport.send(protocol.reply_ok(req.id, {"running": running}))
        if running:
            self._start_canceller(stmt, signal_main=True)

    def _start_canceller(self, stmt: Statement, signal_main: bool) -> None:
        """Cancel the statement's job group, and with signal_main also SIGINT the main
        thread until the statement stops.

        Runs from the control thread and from the signal handler, so it takes no
        lock (the main thread may hold it); a duplicate cancel is harmless.
        """
        runtime = self.runtime
        cancel_group = None
        if runtime is not None:
            group = stmt.group

            def cancel_group() -> None:
                runtime.cancel_group(group)

        if signal_main:
            if stmt.signaller_started:
                return
            stmt.signaller_started = True
            stmt.group_cancel_started = True
            cancel_async(cancel_group, lambda: not stmt.finished, stmt.done.wait, self.main_ident, self.lock)
        elif cancel_group is not None and not stmt.group_cancel_started:
            # The SIGINT already arrived; only the Spark jobs are left to cancel.
            stmt.group_cancel_started = True
            threading.Thread(target=_quietly(cancel_group), name="sparkport-cancel", daemon=True).start()

    def _completion_loop(self) -> None:
        # Its own thread: completion evaluates attribute lookups, which may be slow or
        # call into the JVM, and must not hold up cancel or ping.
        while True:
            req = self._completions.get()
            try:
                m = req.msg
                code = m["code"]
                if m.get("kind") == "spark" and self.executor is not None:
                    candidates = self.executor.scala.complete(code, m.get("cursor", len(code)))
                else:
                    candidates = completion.complete(
                        self.executor.globals if self.executor else {},
                        code,
                        m.get("cursor", len(code)),
                        m.get("kind", "pyspark"),
                    )
                self.transport.send(protocol.reply_ok(req.id, {"candidates": candidates}))
            except Exception as e:
                log.exception("completion failed")
                self.transport.send(protocol.reply_error(req.id, protocol.INTERNAL, f"completion failed: {e}"))

    # ---- stopping ----------------------------------------------------------------------------

    def _connection_lost(self) -> None:
        self.transport.close()
        self._stop(EXIT_CONNECTION_LOST)

    def _stop(self, exit_code: int) -> None:
        """Cancel what runs or waits, then let the main thread stop Spark and exit."""
        with self.lock:
            if self.stopping:
                return
            self.stopping = True
            self.exit_code = exit_code
            waiting = list(self.pending.values())
            for stmt in waiting:
                stmt.cancel_requested = True
        for stmt in waiting:
            if stmt.started and not stmt.finished:
                self._start_canceller(stmt, signal_main=True)
        self.queue.put(_STOP)
        self.deadline = _start_deadline(exit_code)

    def cancel_deadline(self) -> None:
        if self.deadline is not None:
            self.deadline.cancel()


def _quietly(fn):
    def run() -> None:
        try:
            fn()
        except Exception:
            log.warning("cancelling the job group failed", exc_info=True)

    return run


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
    # Popped so that neither user code nor the JVM and Python workers (which inherit
    # the environment) ever see the secret.
    token = os.environ.pop("SPARKPORT_TOKEN", None)
    if not address or not token:
        log.error("SPARKPORT_CONNECT and SPARKPORT_TOKEN must be set")
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
