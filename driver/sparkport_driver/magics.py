"""Livy's pyspark magics: %json, %table, %matplot.

Unlike Livy, the argument is any Python expression evaluated in the session's
globals, and failures become error outputs instead of killing the interpreter.
"""

from __future__ import annotations

import ast
import base64
import io
from dataclasses import dataclass
from types import CodeType
from typing import Any

from . import outputs, tables

KNOWN = ("json", "table", "matplot")


class MagicError(Exception):
    """A magic that cannot produce a result; becomes an error output with this ename."""

    def __init__(self, ename: str, evalue: str):
        super().__init__(evalue)
        self.ename = ename
        self.evalue = evalue


@dataclass
class Magic:
    name: str
    expr: str
    code: CodeType
    lineno: int


@dataclass
class MagicResult:
    data: dict
    truncated: bool = False


def is_magic_line(line: str) -> bool:
    return line.lstrip().startswith("%")


def split_magic(line: str, known: tuple = KNOWN) -> tuple[str, str]:
    """`%name expr` → (name, expr), with the same errors for every language."""
    body = line.strip()[1:]
    parts = body.split(None, 1)
    if not parts:
        raise MagicError("UnknownMagic", "magic command not specified")
    name = parts[0]
    if name not in known:
        raise MagicError("UnknownMagic", f"unknown magic command '{name}'")
    expr = parts[1].strip() if len(parts) > 1 else ""
    if not expr:
        example = "plt" if name == "matplot" else "df"
        raise MagicError("UsageError", f"%{name} needs an expression, e.g. %{name} {example}")
    return name, expr


def parse(line: str, lineno: int = 1) -> Magic:
    """Parse and compile a magic line up front, so a bad one stops the block before anything runs.

    Raises MagicError for an unknown or empty magic, SyntaxError for a bad expression.
    """
    name, expr = split_magic(line)
    try:
        tree = ast.parse(expr, "<stdin>", "eval")
    except SyntaxError as e:
        # Point at the magic's own line, caret included, not at the bare expression.
        col = line.find(expr)
        if e.lineno == 1 and col >= 0:
            e.text = line + "\n"
            if e.offset is not None:
                e.offset += col
            if getattr(e, "end_offset", None) is not None:
                e.end_offset += col
        if e.lineno is not None:
            e.lineno += lineno - 1
            if getattr(e, "end_lineno", None) is not None:
                e.end_lineno += lineno - 1
        raise
    ast.increment_lineno(tree, lineno - 1)
    return Magic(name, expr, compile(tree, "<stdin>", "eval"), lineno)


def run(magic: Magic, globals_: dict, limits: outputs.Limits) -> MagicResult:
    """Evaluate the magic. Errors from the expression itself propagate as user errors."""
    value = eval(magic.code, globals_)
    if magic.name == "json":
        return _json(value, limits)
    if magic.name == "table":
        return _table(value, limits)
    return _matplot(value)


def _json(value: Any, limits: outputs.Limits) -> MagicResult:
    try:
        converted, truncated = outputs.json_value(value, limits)
    except outputs.ConversionError as e:
        raise MagicError("ValueError", f"%json: {e}") from None
    return MagicResult({"application/json": converted}, truncated)


def _table(value: Any, limits: outputs.Limits) -> MagicResult:
    try:
        table, truncated = tables.table_value(value, limits)
    except tables.TableTypeError as e:
        raise MagicError("TypeError", str(e)) from None
    except outputs.ConversionError as e:
        raise MagicError("ValueError", f"%table: {e}") from None
    return MagicResult({tables.TABLE_MIME: table}, truncated)


def _matplot(value: Any) -> MagicResult:
    # Livy passes matplotlib.pyplot and calls gcf(); a Figure works too.
    if hasattr(value, "gcf") and callable(value.gcf):
        fig = value.gcf()
    elif hasattr(value, "savefig"):
        fig = value
    else:
        raise MagicError(
            "ValueError",
            f"%matplot needs matplotlib.pyplot or a Figure, got a value of type '{type(value).__name__}'",
        )
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    png = base64.b64encode(buf.getvalue()).decode("ascii")
    return MagicResult({"image/png": png, "text/plain": ""})
