"""The main-thread statement loop, and cancelling the statement it runs.

Statements run on the main thread, one at a time, in arrival order: PySpark's
signal handling lives there and a real SIGINT to it is the only way to stop
pure-Python code.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from . import protocol, tracebacks
from .cancelling import cancel_async
from .spark import group_name

if TYPE_CHECKING:
    from .driver import Driver

log = logging.getLogger("sparkport.driver")

STOP = object()  # queued to end the loop


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
        # Its reply is in the outbox (set under the Link's lock): `resumed` no longer names it.
        self.replied = False

    def mark_replied(self) -> None:
        self.replied = True


# What user code sees when the JVM behind py4j is gone.
BRIDGE_ERRORS = frozenset({"ConnectionRefusedError", "ConnectionResetError", "BrokenPipeError", "Py4JNetworkError", "Py4JError"})


class StatementLoop:
    """The Driver's statement half (a mixin: the state it uses lives on the Driver)."""

    def run_statements(self: "Driver") -> None:
        while True:
            try:
                item = self.queue.get()
            except KeyboardInterrupt:  # a stray cancel signal that arrived after its statement
                continue
            if item is STOP:
                return
            self._run_one(item)

    def _run_one(self: "Driver", stmt: Statement) -> None:
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
                    self._refresh_shared_views(stmt)
                    self.runtime.set_job_group(stmt.statement_id, stmt.code)
                if self.progress is not None:
                    self.progress.begin(stmt.request_id, stmt.group, stmt.statement_id)
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

    def _notice_dead_jvm(self: "Driver", output: dict) -> None:
        # A statement that lost the Python-to-JVM bridge may have killed the JVM (out of heap, it
        # exits): say so in its reply rather than leave the session idle with a dead Spark. The
        # watcher polls once a second; this looks at once, and gives an exiting JVM a moment.
        if self.failure is not None or self.runtime is None or output.get("ename") not in BRIDGE_ERRORS:
            return
        code = self.runtime.jvm_exit_code(wait=3.0)
        if code is not None:
            self._on_jvm_exit(code)

    def _finish(self: "Driver", stmt: Statement, output: dict) -> None:
        if self.progress is not None:
            self.progress.end()
        with self.lock:
            stmt.finished = True  # first: a stop from here must not interrupt this statement
        self._notice_dead_jvm(output)
        with self.lock:
            cancelled = stmt.cancel_requested
            failure = self.failure
        if failure is not None:
            # Cut short because the driver failed, not cancelled by anyone: say what happened.
            output = tracebacks.simple_error(stmt.statement_id, "Error", f"Interpreter died: {failure}")
            cancelled = False
        stmt.done.set()
        result = protocol.execute_result(output, cancelled)
        try:
            self.link.send(
                protocol.reply_ok(stmt.request_id, result, stmt.statement_id), queued=stmt.mark_replied
            )
        finally:
            # Only now: until its reply is queued, a reconnect's `resumed` names it as running.
            with self.lock:
                if self.current is stmt:
                    self.current = None
                self.pending.pop(stmt.request_id, None)

    def _refresh_shared_views(self: "Driver", stmt: Statement) -> None:
        # Python reads views through spark.sql()/spark.table(), which refresh what they name;
        # SQL and Scala statements are checked here, by their text.
        if stmt.kind == "pyspark":
            return
        try:
            self.shared.refresh_views_named_in(stmt.code)
        except Exception:
            log.exception("could not refresh the SQL views of shared maps")

    def _on_sigint(self: "Driver") -> None:
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

    def _start_canceller(self: "Driver", stmt: Statement, signal_main: bool) -> None:
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


def _quietly(fn):
    def run() -> None:
        try:
            fn()
        except Exception:
            log.warning("cancelling the job group failed", exc_info=True)

    return run
