"""The outbox: every reply, stream and progress line the driver sends, numbered, kept until the
server acknowledges it, so that a reconnect can replay what the old connection may have lost
(PROTOCOL.md section 3a).

Not thread-safe on its own: the Link uses it under the lock that also orders the writes, so
lines go out in the order of their numbers.
"""

from __future__ import annotations

from collections import OrderedDict, deque

from . import protocol

MAX_BYTES = 16 * 1024 * 1024


class Outbox:
    def __init__(self, max_bytes: int = MAX_BYTES):
        self.max_bytes = max_bytes
        # OrderedDict, not dict: entries leave from the front, where a dict would have to skip
        # its deleted slots on every look at the first key.
        self._lines: "OrderedDict[int, bytes]" = OrderedDict()
        self._droppable: "deque[int]" = deque()  # seqs of stream/progress lines, oldest first
        self._next = 1
        self._bytes = 0
        self.dropped = 0

    def add(self, line: bytes, droppable: bool) -> bytes:
        """Number an encoded message; returns the line to send, `seq` included."""
        seq = self._next
        self._next += 1
        line = protocol.sequenced(line, seq)
        self._lines[seq] = line
        self._bytes += len(line)
        if droppable:
            self._droppable.append(seq)
        if self._bytes > self.max_bytes:
            self._trim()
        return line

    def _trim(self) -> None:
        # A statement's reply carries its whole output anyway: its stream lines can go first.
        while self._bytes > self.max_bytes and self._droppable:
            line = self._lines.pop(self._droppable.popleft(), None)
            if line is not None:
                self._bytes -= len(line)
                self.dropped += 1

    def ack(self, seq: int) -> None:
        lines = self._lines
        while lines:
            first = next(iter(lines))
            if first > seq:
                break
            self._bytes -= len(lines.popitem(last=False)[1])
        droppable = self._droppable
        while droppable and droppable[0] <= seq:
            droppable.popleft()

    def after(self, seq: int, max_bytes: int = 1024 * 1024) -> list[tuple[int, bytes]]:
        """The kept lines numbered above seq, in order, about max_bytes of them at most."""
        out: list[tuple[int, bytes]] = []
        size = 0
        for s, line in self._lines.items():
            if s <= seq:
                continue
            out.append((s, line))
            size += len(line)
            if size >= max_bytes:
                break
        return out

    @property
    def last_seq(self) -> int:
        return self._next - 1

    def __len__(self) -> int:
        return len(self._lines)

    @property
    def size_bytes(self) -> int:
        return self._bytes
