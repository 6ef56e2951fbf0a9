"""`kind: spark` statements: a Scala 2.13 interpreter inside the driver's JVM, bound to the
same SparkSession as Python (`spark`, `sc`), so temp views and cached tables are shared.

The interpreter (Scala sources in driver/scala, class `sparkport.ScalaInterpreter`, put on
the JVM's class path with --jars by the server) is created on the first Scala statement or
completion: Python-only sessions never pay its seconds of start-up or its memory.

Statements call it from the main thread. Under PySpark's pinned-thread mode that runs them
on the JVM thread bound to the main thread, where the driver has set the statement's job
group, so cancelling the group stops the Spark jobs Scala code started. Code that runs
without Spark jobs is asked to stop with Thread.interrupt; a loop that never checks for
interrupts cannot be stopped.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any, Callable, Optional

from . import outputs, protocol, scala_blocks, shared_bridge, tracebacks
from .helper_jar import helper_class, not_on_class_path
from .interrupts import InterruptGate
from .magics import MagicError

log = logging.getLogger("sparkport.driver")

HELPER_CLASS = "sparkport.ScalaInterpreter"
STREAM_INTERVAL = 0.2

Send = Callable[[dict], Any]


class InterpreterUnavailable(Exception):
    pass


class ScalaRunner:
    def __init__(self, spark: Any, limits: outputs.Limits, send: Optional[Send] = None, shared: Any = None):
        self._spark = spark
        self._shared = shared
        self._limits = limits
        self._send = send
        self._helper: Any = None
        self._start_lock = threading.Lock()
        self._pump: Optional[_OutputPump] = None

    @property
    def started(self) -> bool:
        return self._helper is not None

    # ---- statements (main thread) ------------------------------------------------------------

    def execute(self, request_id: int, statement_id: int, code: str, gate: InterruptGate) -> dict:
        if self._spark is None:
            return tracebacks.simple_error(statement_id, "Error", "Scala statements need Spark, which is not running")
        try:
            chunks = scala_blocks.split(code)
        except MagicError as e:
            return tracebacks.simple_error(statement_id, e.ename, e.evalue)
        try:
            helper = self._get()
        except InterpreterUnavailable as e:
            return protocol.error_output(statement_id, "InterpreterError", f"Fail to start interpreter: {e}", [])
        pump = self._output_pump(helper)
        # A KeyboardInterrupt would only abandon the py4j call while the JVM thread runs on
        # (and keeps the interpreter busy): while Scala runs, SIGINTs ask the JVM to stop.
        gate.on_foreign_interrupt = self.interrupt
        helper.begin(self._limits.text_bytes + 1)
        if pump is not None:
            pump.begin(request_id, statement_id)
        error: Optional[dict] = None
        magic: Optional[dict] = None
        try:
            for chunk in chunks:
                if isinstance(chunk, scala_blocks.CodeChunk):
                    result = json.loads(helper.run(chunk.code, chunk.line))
                else:
                    result = json.loads(helper.magic(chunk.name, chunk.expr, self._limits.rows, chunk.line))
                    if result["status"] == "ok":
                        magic = result
                if result["status"] != "ok":
                    error = result
                    break
        finally:
            gate.on_foreign_interrupt = None
            if pump is not None:
                pump.end()
            end = json.loads(helper.end())
            if pump is not None:
                pump.emit_rest(request_id, end["rest"], statement_id)
        if error is not None:
            return protocol.error_output(statement_id, error["ename"], error["evalue"], error["traceback"])
        return _ok_output(statement_id, end, magic, self._limits)

    def interrupt(self) -> None:
        """Ask the JVM thread running the statement to stop. Safe in a signal handler: the
        py4j call happens on a thread of its own."""
        helper = self._helper
        if helper is None:
            return

        def call() -> None:
            try:
                helper.interrupt()
            except Exception:
                log.warning("could not interrupt the Scala statement", exc_info=True)

        threading.Thread(target=call, name="sparkport-scala-interrupt", daemon=True).start()

    # ---- completion (completion thread) ------------------------------------------------------

    def complete(self, code: str, cursor: int) -> list[str]:
        if self._spark is None:
            return []
        try:
            helper = self._get()
        except InterpreterUnavailable:
            return []
        return list(helper.complete(code, cursor))

    # ---- start-up ----------------------------------------------------------------------------

    def _get(self) -> Any:
        helper = self._helper
        if helper is not None:
            return helper
        with self._start_lock:
            if self._helper is None:
                self._helper = self._start()
            return self._helper

    def _start(self) -> Any:
        from py4j.protocol import Py4JError

        cls = helper_class(self._spark, HELPER_CLASS)
        if cls is None:
            raise InterpreterUnavailable(not_on_class_path(HELPER_CLASS))
        log.info("starting the Scala interpreter")
        t0 = time.monotonic()
        bridge = shared_bridge.start(self._spark, self._shared) if self._shared is not None else None
        try:
            helper = cls(self._spark._jsparkSession, bridge)
        except Py4JError as e:
            log.exception("the Scala interpreter failed to start")
            raise InterpreterUnavailable(tracebacks.java_message(e)) from None
        log.info("Scala interpreter started in %.1f s (classes in %s)", time.monotonic() - t0, helper.outputDir().getPath())
        return helper

    def _output_pump(self, helper: Any) -> Optional["_OutputPump"]:
        if self._send is None:
            return None
        if self._pump is None:
            self._pump = _OutputPump(helper.drain, self._send, STREAM_INTERVAL)
        return self._pump


def _ok_output(statement_id: int, end: dict, magic: Optional[dict], limits: outputs.Limits) -> dict:
    # Unlike Python's, Scala text keeps its trailing newline: Livy's `res0: Int = 2\n`.
    text, cut = outputs.cut_text(end["text"], limits.text_bytes)
    truncated = cut or bool(end.get("overflow"))
    data: dict = {}
    if magic is not None:
        data.update(magic["data"])
        truncated = truncated or bool(magic.get("truncated"))
    if text or not data:
        data["text/plain"] = text
    return protocol.ok_output(statement_id, data, truncated)


class _OutputPump:
    """Sends what a Scala statement prints as `stream` events while it runs.

    One long-lived thread (so one py4j connection), idle between statements. Like progress,
    no event for a statement is sent after end() returns: end() waits for a drain in flight,
    whose lines have left the JVM's buffer and must go out before the statement's rest.
    """

    def __init__(self, drain: Callable[[], str], send: Send, interval: float = STREAM_INTERVAL):
        self._drain = drain
        self._send = send
        self._interval = interval
        self._cond = threading.Condition()
        self._re: Optional[int] = None
        self._statement_id: Optional[int] = None
        self._draining = False
        threading.Thread(target=self._loop, name="sparkport-scala-output", daemon=True).start()

    def begin(self, re: int, statement_id: Optional[int] = None) -> None:
        with self._cond:
            self._re = re
            self._statement_id = statement_id
            self._cond.notify_all()

    def end(self) -> None:
        with self._cond:
            self._re = None
            self._cond.notify_all()
            while self._draining:
                self._cond.wait()

    def emit_rest(self, re: int, text: str, statement_id: Optional[int] = None) -> None:
        _send_lines(self._send, re, text, statement_id)

    def _loop(self) -> None:
        while True:
            with self._cond:
                while self._re is None:
                    self._cond.wait()
                re, statement_id = self._re, self._statement_id
                self._cond.wait(self._interval)
                if self._re != re:
                    continue
                self._draining = True
            try:
                text = self._drain()
            except Exception:
                log.debug("reading Scala output failed", exc_info=True)
                text = ""
            with self._cond:
                _send_lines(self._send, re, text, statement_id)
                self._draining = False
                self._cond.notify_all()


def _send_lines(send: Send, re: int, text: str, statement_id: Optional[int] = None) -> None:
    for line in text.splitlines(keepends=True):
        send(protocol.stream_event(re, "stdout", line, statement_id))
