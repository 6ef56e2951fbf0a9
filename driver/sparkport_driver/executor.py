"""Runs statements with Livy's semantics (fake_shell.py), improved where Livy breaks.

Spark is optional here: with `spark_session=None` everything but `kind: sql`
and `kind: spark` works, which is how the unit tests run.
"""

from __future__ import annotations

import ast
import builtins
import logging
import os
import sys
from dataclasses import dataclass
from types import CodeType
from typing import Any, Callable, Optional, Union

from . import magics, outputs, protocol, sqlrun, tracebacks
from .capture import Capture
from .interrupts import InterruptGate
from .scala import ScalaRunner

log = logging.getLogger("sparkport.driver")

FILENAME = "<stdin>"

Send = Callable[[dict], Any]


@dataclass
class _CodeChunk:
    exec_code: Optional[CodeType]  # every node but the last
    last_code: Optional[CodeType]  # the last node, 'single' mode when it is the block's end


@dataclass
class _MagicChunk:
    magic: magics.Magic


Chunk = Union[_CodeChunk, _MagicChunk]


def new_globals(spark_session: Any = None) -> dict:
    g: dict = {"__name__": "__main__", "__doc__": None, "__builtins__": builtins}
    if spark_session is not None:
        from pyspark.sql import SQLContext

        sc = spark_session.sparkContext
        g["spark"] = spark_session
        g["sc"] = sc
        # Passing the session avoids SQLContext's deprecation warning and a second session.
        g["sqlContext"] = SQLContext(sc, spark_session)
    return g


class _StatementError(Exception):
    """Carries an already-built error output out of the nested helpers."""

    def __init__(self, output: dict):
        self.output = output


class Executor:
    def __init__(
        self,
        globals_: Optional[dict] = None,
        limits: Optional[outputs.Limits] = None,
        spark_session: Any = None,
        gate: Optional[InterruptGate] = None,
        send: Optional[Send] = None,
    ):
        self.globals = globals_ if globals_ is not None else new_globals(spark_session)
        self.limits = limits or outputs.Limits()
        self.spark_session = spark_session
        self.gate = gate or InterruptGate()
        self.send = send
        self.scala = ScalaRunner(spark_session, self.limits, send, self.globals.get("shared"))
        # %matplot renders off-screen; set before user code can import pyplot.
        os.environ.setdefault("MPLBACKEND", "Agg")

    # ---- entry point ------------------------------------------------------------------------

    def execute(self, request_id: int, statement_id: int, kind: str, code: str) -> dict:
        """Run one statement and return its Livy output. Never raises, except a KeyboardInterrupt
        that lands outside the guarded region (the caller turns that into a cancelled output)."""
        try:
            if kind == "sql":
                return sqlrun.run(self.spark_session, code, statement_id, self.limits, self.gate)
            if kind == "spark":
                return self.scala.execute(request_id, statement_id, code, self.gate)
            return self._execute_python(request_id, statement_id, code)
        except KeyboardInterrupt:
            self.gate.armed = False
            raise
        except Exception as e:  # the driver's own bug: report it, keep the session
            self.gate.armed = False
            log.exception("internal error while running statement %s", statement_id)
            return tracebacks.internal_error(statement_id, e)

    # ---- pyspark ----------------------------------------------------------------------------

    def _execute_python(self, request_id: int, statement_id: int, code: str) -> dict:
        emit = None
        if self.send is not None:
            send = self.send

            def emit(name: str, text: str) -> None:
                send(protocol.stream_event(request_id, name, text, statement_id))

        capture = Capture(emit, keep_chars=self.limits.text_bytes + 1)
        saved = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = capture.stdout, capture.stderr
        try:
            magic_result = self._run_block(code.replace("\r\n", "\n"), statement_id)
        except _StatementError as e:
            return e.output
        finally:
            sys.stdout, sys.stderr = saved
            capture.close()
        return self._ok_output(statement_id, capture, magic_result)

    def _ok_output(self, statement_id: int, capture: Capture, magic_result: Optional[magics.MagicResult]) -> dict:
        # Livy's assembly: all stdout, then all stderr, right-stripped.
        text = (capture.text("stdout") + capture.text("stderr")).rstrip()
        text, cut = outputs.cut_text(text, self.limits.text_bytes)
        truncated = cut or capture.overflowed
        data: dict = {}
        if magic_result is not None:
            data.update(magic_result.data)
            truncated = truncated or magic_result.truncated
        if text or not data:
            data["text/plain"] = text
        return protocol.ok_output(statement_id, data, truncated)

    def _run_block(self, code: str, sid: int) -> Optional[magics.MagicResult]:
        chunks = self._compile_block(code, sid)
        result: Optional[magics.MagicResult] = None
        g = self.globals
        gate = self.gate
        for chunk in chunks:
            gate.armed = True
            try:
                if isinstance(chunk, _CodeChunk):
                    if chunk.exec_code is not None:
                        exec(chunk.exec_code, g)
                    if chunk.last_code is not None:
                        exec(chunk.last_code, g)
                else:
                    result = magics.run(chunk.magic, g, self.limits)
                gate.armed = False
            except magics.MagicError as e:
                gate.armed = False
                raise _StatementError(tracebacks.simple_error(sid, e.ename, e.evalue)) from None
            except BaseException as e:  # user code: SystemExit and KeyboardInterrupt included
                gate.armed = False
                raise _StatementError(tracebacks.error_output(sid, e)) from None
        return result

    def _compile_block(self, code: str, sid: int) -> list[Chunk]:
        """Compile everything before running anything: a block that does not compile runs nothing."""
        if "\0" in code:
            # ast.parse raises ValueError (3.11) or SyntaxError (3.12+) for this; say it plainly.
            raise _StatementError(tracebacks.simple_error(sid, "SyntaxError", "source code cannot contain null bytes"))
        try:
            tree = ast.parse(code, FILENAME, "exec")
        except SyntaxError as e:
            if not any(magics.is_magic_line(line) for line in code.split("\n")):
                raise _StatementError(tracebacks.syntax_error(sid, e, code)) from None
            return self._compile_with_magics(code, sid)
        try:
            return [self._compile_nodes(tree.body, interactive_last=True)]
        except SyntaxError as e:  # compile-time errors such as 'return' outside a function
            raise _StatementError(tracebacks.syntax_error(sid, e, code)) from None

    def _compile_with_magics(self, code: str, sid: int) -> list[Chunk]:
        # Livy only looks for magics when the block is not Python; so do we, so that
        # a line such as `x = (a\n% b)` keeps its Python meaning.
        pieces: list[tuple[str, int, str]] = []  # (kind, first line number, text)
        for i, line in enumerate(code.split("\n"), start=1):
            if magics.is_magic_line(line):
                pieces.append(("magic", i, line))
            elif pieces and pieces[-1][0] == "code":
                kind, start, text = pieces[-1]
                pieces[-1] = (kind, start, text + "\n" + line)
            else:
                pieces.append(("code", i, line))
        while pieces and pieces[-1][0] == "code" and not pieces[-1][2].strip():
            pieces.pop()
        chunks: list[Chunk] = []
        for n, (kind, start, text) in enumerate(pieces):
            is_last = n == len(pieces) - 1
            try:
                if kind == "magic":
                    chunks.append(_MagicChunk(magics.parse(text, start)))
                    continue
                try:
                    tree = ast.parse(text, FILENAME, "exec")
                except SyntaxError as e:
                    _shift_syntax_error(e, start)
                    raise
                ast.increment_lineno(tree, start - 1)
                if tree.body:
                    chunks.append(self._compile_nodes(tree.body, interactive_last=is_last))
            except magics.MagicError as e:
                raise _StatementError(tracebacks.simple_error(sid, e.ename, e.evalue)) from None
            except SyntaxError as e:
                raise _StatementError(tracebacks.syntax_error(sid, e, code)) from None
        return chunks

    @staticmethod
    def _compile_nodes(body: list, interactive_last: bool) -> _CodeChunk:
        if not body:
            return _CodeChunk(None, None)
        if not interactive_last:
            return _CodeChunk(compile(ast.Module(body=body, type_ignores=[]), FILENAME, "exec"), None)
        head, last = body[:-1], body[-1]
        exec_code = compile(ast.Module(body=head, type_ignores=[]), FILENAME, "exec") if head else None
        # 'single' mode prints the repr of a final expression, like the Python REPL.
        last_code = compile(ast.Interactive(body=[last]), FILENAME, "single")
        return _CodeChunk(exec_code, last_code)


def _shift_syntax_error(e: SyntaxError, start: int) -> None:
    if e.lineno is not None:
        e.lineno += start - 1
    if getattr(e, "end_lineno", None) is not None:
        e.end_lineno += start - 1
