"""Capturing what a statement prints: accumulated for text/plain, streamed line by line."""

from __future__ import annotations

import io
import sys
import threading
from typing import Callable, Optional

STREAM_CHUNK = 8 * 1024  # a partial line is sent once it is this long (PROTOCOL.md, execute)
# What one statement may stream live; past it the stream says so and stops (the reply still
# carries the output, cut at its own limit and marked truncated).
STREAM_BUDGET = 16 * 1024 * 1024

Emit = Callable[[str, str], None]  # (stream name, text)


class _Sink(io.TextIOBase):
    """What user code sees as sys.stdout / sys.stderr during a statement.

    A TextIOBase subclass so libraries that check isinstance or call
    writable()/isatty() keep working. A lock because user threads may print
    concurrently with the main thread.
    """

    def __init__(self, capture: "Capture", name: str):
        super().__init__()
        self._capture = capture
        self._name = name

    @property
    def name(self) -> str:  # type: ignore[override]
        return f"<{self._name}>"

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"

    @property
    def errors(self) -> str:  # type: ignore[override]
        return "strict"

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def write(self, s) -> int:
        if not isinstance(s, str):
            raise TypeError(f"write() argument must be str, not {type(s).__name__}")
        if s:
            self._capture._write(self._name, s)
        return len(s)

    def flush(self) -> None:
        # Deliberately no partial-line send here: the protocol streams whole lines,
        # and print(..., flush=True) is too common to turn into fragment events.
        pass


class Capture:
    """Collects stdout and stderr separately (Livy puts all stderr after all stdout).

    Each stream keeps at most `keep_chars` characters; anything beyond that can
    never fit into text/plain (a character is at least one UTF-8 byte), so it is
    only streamed and `overflowed` is set, which marks the output truncated.
    """

    def __init__(self, emit: Optional[Emit], keep_chars: int):
        self._emit = emit
        self._keep = keep_chars
        self._lock = threading.RLock()
        self._parts = {"stdout": [], "stderr": []}
        self._kept = {"stdout": 0, "stderr": 0}
        self._pending = {"stdout": "", "stderr": ""}
        self.overflowed = False
        self._streamed = 0
        self._closed = False
        self.stdout = _Sink(self, "stdout")
        self.stderr = _Sink(self, "stderr")

    def _write(self, name: str, s: str) -> None:
        with self._lock:
            closed = self._closed
            if not closed:
                self._write_open(name, s)
        if closed:
            # A stale handle (a thread the statement started, a logging handler created
            # during it) keeps writing after the reply went out. No event may carry that
            # request's id any more, so follow whatever the stream is now: the current
            # statement's capture, or the driver's own stderr/stdout between statements.
            target = sys.stdout if name == "stdout" else sys.stderr
            if target is not self.stdout and target is not self.stderr:
                target.write(s)

    def _write_open(self, name: str, s: str) -> None:
        room = self._keep - self._kept[name]
        if room > 0:
            piece = s if len(s) <= room else s[:room]
            self._parts[name].append(piece)
            self._kept[name] += len(piece)
        if len(s) > max(room, 0):
            self.overflowed = True
        if self._emit is None or self._streamed >= STREAM_BUDGET:
            return
        buf = self._pending[name] + s
        room = STREAM_BUDGET - self._streamed
        pieces = []
        start = 0
        # By index, and a long line in chunks: slicing the rest off each time would copy a long
        # line once per chunk. Nothing past the budget is even cut out.
        while room > 0:
            nl = buf.find("\n", start, start + STREAM_CHUNK)
            if nl >= 0:
                end = nl + 1
            elif len(buf) - start >= STREAM_CHUNK:
                end = start + STREAM_CHUNK
            else:
                break
            pieces.append(buf[start:end])
            room -= end - start
            start = end
        # Update the state before sending: an interrupt raised at the end of a send
        # must not leave an already-sent fragment behind to be sent again.
        self._pending[name] = buf[start:] if room > 0 else ""
        for piece in pieces:
            self._streamed += len(piece)
            self._emit(name, piece)
        if room <= 0:
            self._streamed = STREAM_BUDGET
            self._emit(name, f"\n[live output stopped after {STREAM_BUDGET // (1024 * 1024)} MiB; the statement's output is cut and marked truncated]\n")

    def close(self) -> None:
        """Send partial lines and stop streaming (called before the reply)."""
        with self._lock:
            if self._closed:
                return
            if self._emit is not None and self._streamed < STREAM_BUDGET:
                for name in ("stdout", "stderr"):
                    if self._pending[name]:
                        text, self._pending[name] = self._pending[name], ""
                        self._emit(name, text)
            self._closed = True

    def text(self, name: str) -> str:
        with self._lock:
            return "".join(self._parts[name])
