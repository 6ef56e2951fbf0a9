"""Turning exceptions into Livy error outputs (ename, evalue, traceback lines)."""

from __future__ import annotations

import os
import traceback
from types import TracebackType
from typing import Optional

from . import protocol

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
HEADER = "Traceback (most recent call last):\n"


_HANDLER_FILE = os.path.join(_PACKAGE_DIR, "interrupts.py")


def _is_driver_frame(tb: TracebackType) -> bool:
    return tb.tb_frame.f_code.co_filename.startswith(_PACKAGE_DIR)


def _trim(tb: Optional[TracebackType]) -> Optional[TracebackType]:
    # The driver's frames (executor → exec) sit on top of the user's `<stdin>` frames;
    # users should see their own code first, as in a REPL.
    while tb is not None and _is_driver_frame(tb):
        tb = tb.tb_next
    return tb


def format_lines(exc: BaseException) -> list[str]:
    """Formatted traceback, driver frames removed, always starting with the header line.

    Exceptions without user frames (syntax errors, failures inside a magic's own
    conversion) still get the header so every error traceback has the same shape.
    """
    tb = _trim(exc.__traceback__)
    try:
        te = traceback.TracebackException(type(exc), exc, tb)
        # A cancel's KeyboardInterrupt is raised by the driver's signal handler: the
        # interrupted user line is the interesting last frame, not the handler.
        while te.stack and te.stack[-1].filename == _HANDLER_FILE:
            te.stack.pop()
        lines = list(te.format())
    except Exception:  # a broken __str__ must not take the driver down
        lines = [f"{type(exc).__name__}: <exception str() failed>\n"]
    if not lines or lines[0] != HEADER:
        lines.insert(0, HEADER)
    return lines


def safe_str(exc: BaseException) -> str:
    try:
        return str(exc)
    except Exception:
        return f"<{type(exc).__name__} str() failed>"


def java_message(exc: BaseException) -> str:
    """A py4j error's Java exception in one line (class and message), without the Java stack
    py4j's own str() carries; other errors as safe_str."""
    java = getattr(exc, "java_exception", None)
    if java is not None:
        try:
            return str(java.toString())
        except Exception:
            pass
    return safe_str(exc)


def error_output(execution_count: int, exc: BaseException) -> dict:
    return protocol.error_output(execution_count, type(exc).__name__, safe_str(exc), format_lines(exc))


def syntax_error(execution_count: int, exc: SyntaxError, source: str) -> dict:
    """A block that does not compile. Its frames would be the driver's and the ast
    module's, so only the REPL-style caret lines are shown."""
    if exc.text is None and exc.lineno:
        # Errors found while compiling an AST (e.g. 'return' outside a function)
        # carry no source text, so Python would print no caret line.
        lines = source.split("\n")
        if 0 < exc.lineno <= len(lines):
            exc.text = lines[exc.lineno - 1] + "\n"
    try:
        body = traceback.format_exception_only(type(exc), exc)
    except Exception:
        body = [f"{type(exc).__name__}: {safe_str(exc)}\n"]
    return protocol.error_output(execution_count, type(exc).__name__, safe_str(exc), [HEADER] + body)


def simple_error(execution_count: int, ename: str, evalue: str) -> dict:
    """An error the driver reports itself (bad magic, unconvertible value): no frames to show."""
    return protocol.error_output(execution_count, ename, evalue, [HEADER, f"{ename}: {evalue}\n"])


def internal_error(execution_count: int, exc: BaseException) -> dict:
    """A failure in the driver's own code, reported like Livy's 'Internal Error: <class>'."""
    lines = traceback.format_exception(type(exc), exc, exc.__traceback__)
    return protocol.error_output(
        execution_count, f"Internal Error: {type(exc).__name__}", safe_str(exc), lines
    )
