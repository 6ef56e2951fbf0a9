"""The control thread: reads every request and answers what must not wait for a statement.

Cancel, ping, shutdown and map reads and writes are answered here while a statement runs
on the main thread; executes are queued for it. Completion and shared requests that may
run Spark jobs go to worker threads of their own, so they never hold up the socket.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from . import completion, protocol
from .exit_codes import EXIT_OK
from .protocol import RECEIVED
from .shared_maps import SharedError
from .statement_loop import Statement
from .transport import ConnectionClosed, LineTooLong

if TYPE_CHECKING:
    from .driver import Driver

log = logging.getLogger("sparkport.driver")

SHARED_WORKERS = 2


class ControlThread:
    """The Driver's request half (a mixin: the state it uses lives on the Driver)."""

    def start_control_thread(self: "Driver") -> threading.Thread:
        t = threading.Thread(target=self._control_loop, name="sparkport-control", daemon=True)
        t.start()
        c = threading.Thread(target=self._completion_loop, name="sparkport-complete", daemon=True)
        c.start()
        for i in range(SHARED_WORKERS):
            threading.Thread(target=self._shared_loop, name=f"sparkport-shared-{i}", daemon=True).start()
        return t

    def _control_loop(self: "Driver") -> None:
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

    def _dispatch(self: "Driver", req: protocol.Request) -> None:
        t = req.type
        if t == RECEIVED.ping:
            self.transport.send(protocol.reply_ok(req.id))
        elif t == RECEIVED.shutdown:
            self.transport.send(protocol.reply_ok(req.id))
            log.info("shutdown requested")
            self._stop(EXIT_OK)
        elif not self.ready:
            self.transport.send(protocol.reply_error(req.id, protocol.NOT_READY, "Spark is still starting"))
        elif t == RECEIVED.execute:
            self._on_execute(req)
        elif t == RECEIVED.cancel:
            self._on_cancel(req)
        elif t == RECEIVED.complete:
            self._completions.put(req)
        elif t in protocol.SHARED_TYPES:
            if self.shared.needs_spark(req.msg):
                self._shared_jobs.put(req)
            else:
                self._on_shared(req)

    def _on_execute(self: "Driver", req: protocol.Request) -> None:
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

    def _on_cancel(self: "Driver", req: protocol.Request) -> None:
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

    def _on_shared(self: "Driver", req: protocol.Request) -> None:
        try:
            result = self.shared.handle(req.msg)
        except SharedError as e:
            self.transport.send(protocol.reply_error(req.id, e.code, e.message))
            return
        self.transport.send(protocol.reply_ok(req.id, result))

    def _shared_loop(self: "Driver") -> None:
        # Requests that may run Spark jobs (dataset pages, save, load) wait here, never on the
        # control thread: map reads and writes stay fast while a save runs.
        while True:
            req = self._shared_jobs.get()
            try:
                self._on_shared(req)
            except Exception as e:
                log.exception("shared request %s failed", req.id)
                self.transport.send(protocol.reply_error(req.id, protocol.INTERNAL, f"{type(e).__name__}: {e}"))

    def _completion_loop(self: "Driver") -> None:
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
