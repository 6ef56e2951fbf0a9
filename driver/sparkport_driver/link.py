"""The driver's side of its connection to the server, across reconnects (PROTOCOL.md section 3a).

Every thread sends through the Link: the main thread (stream lines, statement replies), the
control thread and its workers (replies), the progress and Scala output threads (events).
Replies, streams and progress get their `seq` and enter the outbox under one lock that also
covers the write, so lines leave in the order of their numbers (the server drops a seq at or
below one it has handled). While there is no connection, a send only appends to the outbox:
it never waits for the network. On the main thread a send is a critical section of the
interrupt gate, so a cancel's SIGINT can neither cut a line in half nor leave the outbox half
updated.

Nothing here logs: a send may run under a statement capture's lock, and no log call may run
under the transport lock (logging's own error path writes to sys.stderr, which is the
capture while a statement runs). Failures are return values; the control thread, which
notices a dead connection as an EOF, does the talking.
"""

from __future__ import annotations

import threading
from typing import Callable, Optional

from . import protocol
from .interrupts import InterruptGate
from .outbox import Outbox
from .protocol import DROPPABLE_TYPES, SENT, SEQUENCED_TYPES
from .transport import ConnectionClosed, Transport

# The execute a resumed driver still runs or has queued: (statement_id, request_id).
Running = Optional[tuple[int, int]]


class Link:
    def __init__(self, transport: Optional[Transport] = None, gate: Optional[InterruptGate] = None):
        self._lock = threading.Lock()
        self._transport = transport
        self._live = transport is not None
        self._closed = False
        self.outbox = Outbox()
        self.gate = gate
        # The `ready` fields, for `resumed`: `ready` itself is never replayed.
        self._app: Optional[dict] = None
        # False when the server grants no reconnect: nothing would ever replay the outbox, and
        # a server that never acknowledges would let the replies pile up in it for ever.
        self.retain = True

    @property
    def live(self) -> bool:
        return self._live

    @property
    def app(self) -> Optional[dict]:
        return self._app

    # ---- reading (the control thread only; it also swaps the connection) --------------------

    def read_line(self) -> bytes:
        t = self._transport
        if t is None:
            raise ConnectionClosed("not connected")
        return t.read_line()

    def read_message(self) -> dict:
        return protocol.parse_line(self.read_line())

    # ---- sending (any thread) ----------------------------------------------------------------

    def send(self, msg: dict, queued: Optional[Callable[[], None]] = None) -> bool:
        """Send a message, numbering and keeping it first if it is a reply or an event.

        `queued` runs under the lock once the message is in the outbox, so that what the
        driver reports in `resumed` agrees exactly with what the outbox replays. Returns
        False when the message was not written (no connection: kept ones go out on resume).
        """
        data = protocol.encode(msg)  # outside the lock: a large reply must not hold up others
        mtype = msg.get("type")
        gate = self.gate
        on_main = gate is not None and threading.current_thread() is threading.main_thread()
        if on_main:
            gate.enter_critical()
        try:
            with self._lock:
                if self._closed:
                    return False
                if mtype in SEQUENCED_TYPES:
                    data = self.outbox.add(data, mtype in DROPPABLE_TYPES)
                    if not self.retain:
                        self.outbox.ack(self.outbox.last_seq)
                    if queued is not None:
                        queued()
                elif mtype == SENT.ready:
                    self._app = {k: v for k, v in msg.items() if k != "type"}
                if not self._live:
                    return False
                return self._write_locked(data)
        finally:
            if on_main:
                gate.exit_critical()

    def _write_locked(self, data: bytes) -> bool:
        t = self._transport
        try:
            t.write(data)
            return True
        except OSError:
            # The reader gets an EOF and reconnects; until then, sends only queue.
            self._live = False
            t.abort()
            return False

    def ack(self, seq: int) -> None:
        with self._lock:
            self.outbox.ack(seq)

    # ---- the connection's life (control thread) ----------------------------------------------

    def detach(self) -> None:
        """The connection is gone: from now on sends only queue."""
        with self._lock:
            t, self._transport = self._transport, None
            self._live = False
        if t is not None:
            t.close()

    def resume(self, transport: Transport, running: Callable[[], Running]) -> bool:
        """On a new connection whose welcome has come: replay the outbox in seq order, then
        say `resumed`. True once the connection is live; on False the caller detaches it.

        The replay is written outside the lock, in batches, so that the statement thread
        keeps queueing without waiting for the network; only this thread writes while the
        connection is not live. The last check for unsent lines, `resumed` and going live
        happen under the lock together: a line queued meanwhile is either replayed before
        `resumed` or written after it, and `running` cannot name a statement whose reply has
        already been replayed.
        """
        with self._lock:
            if self._closed:
                transport.close()
                return False
            self._transport = transport
        sent = 0
        while True:
            with self._lock:
                if self._closed:
                    return False
                batch = self.outbox.after(sent)
                if not batch:
                    now = running()
                    msg = protocol.resumed(self._app, *now) if now else protocol.resumed(self._app)
                    try:
                        transport.write(protocol.encode(msg))
                    except OSError:
                        return False
                    self._live = True
                    return True
            try:
                for _, line in batch:
                    transport.write(line)
            except OSError:
                return False
            sent = batch[-1][0]

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._live = False
            t, self._transport = self._transport, None
        if t is not None:
            t.close()
