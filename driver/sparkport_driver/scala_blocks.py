"""Splitting a Scala statement into code and `%json` / `%table` magic lines.

Pure text handling, so it is tested without a JVM. A line whose first non-blank character
is `%` is a magic (never valid Scala at the start of a line), as in Livy's Scala interpreter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

from .magics import MagicError, is_magic_line, split_magic

KNOWN = ("json", "table")


@dataclass(frozen=True)
class CodeChunk:
    code: str
    line: int  # the chunk's first line in the statement, from 1


@dataclass(frozen=True)
class MagicChunk:
    name: str
    expr: str
    line: int


Chunk = Union[CodeChunk, MagicChunk]


def parse_magic(text: str, line: int) -> MagicChunk:
    name, expr = split_magic(text, KNOWN)
    return MagicChunk(name, expr, line)


def split(code: str) -> list[Chunk]:
    """Chunks in statement order; blank code between magics is dropped.

    Raises MagicError for an unknown or empty magic, before anything runs.
    """
    chunks: list[Chunk] = []
    pending: list[str] = []
    start = 1

    def flush() -> None:
        text = "\n".join(pending)
        if text.strip():
            chunks.append(CodeChunk(text, start))
        pending.clear()

    for n, line in enumerate(code.replace("\r\n", "\n").split("\n"), start=1):
        if is_magic_line(line):
            flush()
            chunks.append(parse_magic(line, n))
            start = n + 1
        else:
            if not pending:
                start = n
            pending.append(line)
    flush()
    return chunks
