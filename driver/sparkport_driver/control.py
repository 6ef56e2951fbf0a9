"""The control thread: reads every request and answers what must not wait for a statement.

Cancel, ping, shutdown, configure and map reads and writes are answered here while a
statement runs on the main thread; executes are queued for it. Completion and shared
requests that may run Spark jobs go to worker threads of their own, so they never hold up
the socket.

When the connection drops, this thread also gets it back (reconnect.py) while statements
run on. It must outlive any line the server sends: whatever handling a line raises becomes
an answer, and should the loop itself ever fail, the driver exits rather than live on with
nobody reading its socket (the server would see an idle session whose statements hang).
"""

from __future__ import annotations

import logging
import os
import threading
from typing import TYPE_CHECKING

from . import completion, configure, protocol
from .exit_codes import EXIT_CONNECTION_LOST, EXIT_FATAL, EXIT_OK
from .protocol import RECEIVED, Ack
from .reconnect import Outcome
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
        t = threading.Thread(target=self._control_main, name="sparkport-control", daemon=True)
        t.start()
        c = threading.Thread(target=self._completion_loop, name="sparkport-complete", daemon=True)
        c.start()
        for i in range(SHARED_WORKERS):
            threading.Thread(target=self._shared_loop, name=f"sparkport-shared-{i}", daemon=True).start()
        return t

    def _control_main(self: "Driver") -> None:
        try:
            self._control_loop()
        except BaseException as e:
            self._control_died(e)

    def _control_died(self: "Driver", e: BaseException) -> None:
        try:
            log.critical("the control thread failed; stopping the driver", exc_info=e)
            self.link.send(protocol.fatal(f"the driver's control thread failed: {type(e).__name__}", []))
            self._stop(EXIT_FATAL)
        except BaseException:
            os._exit(EXIT_FATAL)

    def _control_loop(self: "Driver") -> None:
        while True:
            try:
                line = self.link.read_line()
            except LineTooLong as e:
                log.error("%s; closing the connection", e)
                self.link.send(protocol.error_message(protocol.BAD_MESSAGE, str(e)))
                if not self._reconnect(str(e)):
                    return
                continue
            except ConnectionClosed as e:
                if not self._reconnect(str(e)):
                    return
                continue
            try:
                self._handle_line(line)
            except Exception as e:  # RecursionError and MemoryError too: answer, read on
                self._answer_failure(e)

    def _reconnect(self: "Driver", reason: str) -> bool:
        """True when the connection is back; otherwise the driver is stopping."""
        self.link.detach()
        if self.stopping or not self.reconnector.can_reconnect:
            log.info("connection closed: %s", reason)
            self._stop(EXIT_CONNECTION_LOST)  # a no-op when already stopping
            return False
        log.warning("connection lost (%s); reconnecting for up to %.0f s", reason, self.reconnector.grace)
        outcome = self.reconnector.run(
            self.link, lambda: self.last_request, self.running_statement, self.stopped, self.welcomed
        )
        if outcome is Outcome.RESUMED:
            return True
        if outcome is Outcome.EXPIRED:
            log.error("no reconnect within the grace period; stopping")
        if outcome is not Outcome.STOPPED:
            self._stop(EXIT_CONNECTION_LOST)
        return False

    def _handle_line(self: "Driver", line: bytes) -> None:
        try:
            req = protocol.parse_request(line)
        except protocol.ServerNotice as e:
            log.warning("the server reported an error: %s", e)
            return
        except protocol.ProtocolError as e:
            log.warning("bad message from server: %s", e.message)
            if e.as_reply and e.re is not None:
                self.last_request = max(self.last_request, e.re)
            self.link.send(e.to_message())
            return
        if isinstance(req, Ack):
            self.link.ack(req.seq)
            return
        if req.id <= self.last_request:
            # Ids only grow, across connections too (PROTOCOL.md section 3a): this one was handled.
            log.warning("request %s (%s) came a second time; ignored", req.id, req.type)
            return
        self.last_request = req.id
        try:
            self._dispatch(req)
        except Exception as e:
            log.exception("failed to handle %s request %s", req.type, req.id)
            self._reply_error(req, protocol.INTERNAL, f"{type(e).__name__}: {e}")

    def _answer_failure(self: "Driver", e: Exception) -> None:
        # Whatever it was, it must not end this thread; nor may reporting it.
        try:
            what = type(e).__name__
            log.error("could not handle a line from the server: %s", what)
            self.link.send(protocol.error_message(protocol.BAD_MESSAGE, f"could not handle the line: {what}"))
        except Exception:
            pass

    def _reply_error(self: "Driver", req: protocol.Request, code: str, message: str) -> None:
        sid = req.msg.get("statement_id") if req.type == RECEIVED.execute else None
        self.link.send(protocol.reply_error(req.id, code, message, sid))

    def _reply_error_quietly(self: "Driver", req: protocol.Request, code: str, message: str) -> None:
        try:
            self._reply_error(req, code, message)
        except Exception:
            log.exception("could not answer request %s", req.id)

    def _dispatch(self: "Driver", req: protocol.Request) -> None:
        t = req.type
        if t == RECEIVED.ping:
            # With when Spark Connect was last used, as a thread of its own last read it: no py4j here.
            self.link.send(protocol.reply_ok(req.id, protocol.ping_result(self.connect_idle_ms())))
        elif t == RECEIVED.shutdown:
            self.link.send(protocol.reply_ok(req.id))
            log.info("shutdown requested")
            self._stop(EXIT_OK)
        elif not self.ready:
            self._reply_error(req, protocol.NOT_READY, "Spark is still starting")
        elif t == RECEIVED.execute:
            self._on_execute(req)
        elif t == RECEIVED.cancel:
            self._on_cancel(req)
        elif t == RECEIVED.complete:
            self._completions.put(req)
        elif t == RECEIVED.configure:
            self._on_configure(req)
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
            self._reply_error(req, protocol.NOT_READY, "the driver is shutting down")
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
            self.link.send(
                protocol.reply_error(req.id, protocol.UNKNOWN_TARGET, f"no pending execute request {target}")
            )
            return
        self.link.send(protocol.reply_ok(req.id, {"running": running}))
        if running:
            self._start_canceller(stmt, signal_main=True)

    def _on_configure(self: "Driver", req: protocol.Request) -> None:
        # On the control thread, on purpose. Not the main thread: it would wait behind the
        # running statement. Not a worker thread either: isModifiable and set are a few quick
        # py4j calls per key (a lookup and a put in the session's SQLConf, no Spark job, no lock
        # a running query holds for long), so ping and cancel wait milliseconds at most; and
        # answered here, in the order the lines come, a configure is applied before any execute
        # that follows it is even queued, so the statements the server sends next see the
        # settings without the server having to wait for this reply. (The completion thread can
        # be busy starting the Scala interpreter and the shared workers saving a dataset.)
        with self.lock:
            stopping = self.stopping
        spark = self.executor.spark_session if self.executor is not None else None
        if stopping or spark is None:
            self._reply_error(req, protocol.NOT_READY, "the driver is shutting down" if stopping else "no Spark session")
            return
        try:
            applied = configure.apply(spark.conf, req.msg["conf"])
        except configure.ConfigureError as e:
            log.warning("configure %s refused: %s", req.id, e.message)
            self.link.send(protocol.reply_error(req.id, protocol.BAD_REQUEST, e.message))
            return
        log.info("configure %s: set %s", req.id, ", ".join(applied) or "nothing")
        self.link.send(protocol.reply_ok(req.id, {"applied": applied}))

    def _on_shared(self: "Driver", req: protocol.Request) -> None:
        try:
            result = self.shared.handle(req.msg)
        except SharedError as e:
            self.link.send(protocol.reply_error(req.id, e.code, e.message))
            return
        self.link.send(protocol.reply_ok(req.id, result))

    def _shared_loop(self: "Driver") -> None:
        # Requests that may run Spark jobs (dataset pages, save, load) wait here, never on the
        # control thread: map reads and writes stay fast while a save runs.
        while True:
            req = self._shared_jobs.get()
            try:
                self._on_shared(req)
            except BaseException as e:  # this thread must outlive any request
                log.exception("shared request %s failed", req.id)
                self._reply_error_quietly(req, protocol.INTERNAL, f"{type(e).__name__}: {e}")

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
                self.link.send(protocol.reply_ok(req.id, {"candidates": candidates}))
            except BaseException as e:  # user objects' attributes run here: even SystemExit
                log.exception("completion failed")
                self._reply_error_quietly(req, protocol.INTERNAL, f"completion failed: {type(e).__name__}: {e}")
