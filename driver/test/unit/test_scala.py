"""`kind: spark` without a JVM: statement splitting, output assembly, live output and
interrupts, with a stand-in for the Scala helper."""

import json
import threading
import time

import pytest

from sparkport_driver import scala, scala_blocks
from sparkport_driver.executor import Executor
from sparkport_driver.interrupts import InterruptGate
from sparkport_driver.magics import MagicError
from sparkport_driver.outputs import Limits
from sparkport_driver.scala_blocks import CodeChunk, MagicChunk


# ---- splitting ---------------------------------------------------------------------------------

def test_plain_code_is_one_chunk():
    assert scala_blocks.split("val x = 1\nx + 1") == [CodeChunk("val x = 1\nx + 1", 1)]


def test_magics_split_the_code_and_keep_line_numbers():
    chunks = scala_blocks.split("val a = Seq(1)\n\n%json a\nval b = 2\r\n  %table  a.map(x => (x, x))  \n\n")
    assert chunks == [
        CodeChunk("val a = Seq(1)\n", 1),
        MagicChunk("json", "a", 3),
        CodeChunk("val b = 2", 4),
        MagicChunk("table", "a.map(x => (x, x))", 5),
    ]


def test_bad_magics_are_refused_before_anything_runs():
    for code, ename, text in [
        ("1\n%", "UnknownMagic", "not specified"),
        ("%matplot plt", "UnknownMagic", "unknown magic command 'matplot'"),
        ("%json", "UsageError", "needs an expression"),
    ]:
        with pytest.raises(MagicError) as e:
            scala_blocks.split(code)
        assert e.value.ename == ename and text in e.value.evalue


# ---- a stand-in for sparkport.ScalaInterpreter -------------------------------------------------

class FakeHelper:
    """Prints what `script` says and answers like the real helper (JSON strings)."""

    def __init__(self, script=None):
        self.script = script or (lambda code: ("", {"status": "ok"}))
        self.calls = []
        self.buffer = ""
        self.drained = 0
        self.lock = threading.Lock()

    def begin(self, limit):
        self.calls.append(("begin", limit))
        self.buffer, self.drained = "", 0

    def write(self, text):
        with self.lock:
            self.buffer += text

    def run(self, code, line):
        self.calls.append(("run", code, line))
        return json.dumps(self.script(code, self))

    def magic(self, name, expr, rows, line):
        self.calls.append(("magic", name, expr, rows, line))
        return json.dumps({"status": "ok", "data": {"application/json": [expr]}, "truncated": rows < 2})

    def drain(self):
        with self.lock:
            end = self.buffer.rfind("\n") + 1
            if end <= self.drained:
                return ""
            text, self.drained = self.buffer[self.drained:end], end
            return text

    def end(self):
        with self.lock:
            rest, self.drained = self.buffer[self.drained:], len(self.buffer)
            return json.dumps({"text": self.buffer, "rest": rest, "overflow": False})

    def interrupt(self):
        self.calls.append("interrupt")
        return True

    def complete(self, code, cursor):
        return ["compare", "contains"]


def runner_with(helper, limits=None, events=None):
    r = scala.ScalaRunner(object(), limits or Limits(), events.append if events is not None else None)
    r._helper = helper
    return r


def echo(code, helper):
    helper.write(f"res0: Int = {code}\n")
    return {"status": "ok"}


def test_ok_output_keeps_the_trailing_newline_like_livy():
    out = runner_with(FakeHelper(echo)).execute(7, 3, "2", InterruptGate())
    assert out == {"status": "ok", "execution_count": 3, "data": {"text/plain": "res0: Int = 2\n"}}


def test_text_is_cut_at_the_limit():
    out = runner_with(FakeHelper(echo), Limits(text_bytes=5)).execute(7, 3, "2", InterruptGate())
    assert out["data"]["text/plain"] == "res0:" and out["truncated"] is True


def test_magic_result_with_the_text_of_all_chunks():
    helper = FakeHelper(echo)
    out = runner_with(helper, Limits(rows=1)).execute(7, 3, "1\n%json xs", InterruptGate())
    assert out["data"] == {"application/json": ["xs"], "text/plain": "res0: Int = 1\n"}
    assert out["truncated"] is True
    assert ("magic", "json", "xs", 1, 2) in helper.calls


def test_magic_alone_has_no_text():
    out = runner_with(FakeHelper()).execute(7, 3, "%json xs", InterruptGate())
    assert out["data"] == {"application/json": ["xs"]}


def test_an_error_stops_the_statement():
    def fail(code, helper):
        helper.write("printed before\n")
        return {"status": "error", "ename": "Error", "evalue": "<console>:1: error: not found: value x", "traceback": ["x\n", "^\n"]}

    helper = FakeHelper(fail)
    out = runner_with(helper).execute(7, 3, "x\n%json y", InterruptGate())
    assert out == {
        "status": "error", "execution_count": 3, "ename": "Error",
        "evalue": "<console>:1: error: not found: value x", "traceback": ["x\n", "^\n"],
    }
    assert not any(c[0] == "magic" for c in helper.calls if isinstance(c, tuple))


def test_bad_magic_runs_nothing():
    helper = FakeHelper()
    out = runner_with(helper).execute(7, 3, "1\n%plot x", InterruptGate())
    assert out["ename"] == "UnknownMagic" and helper.calls == []


def test_without_spark_scala_is_an_error():
    out = Executor().execute(1, 1, "spark", "1 + 1")
    assert out["status"] == "error" and "need Spark" in out["evalue"]


def test_printed_lines_stream_while_the_statement_runs(monkeypatch):
    monkeypatch.setattr(scala, "STREAM_INTERVAL", 0.02)
    events = []
    seen_during_run = []

    def slow(code, helper):
        helper.write("first\n")
        time.sleep(0.3)
        seen_during_run.extend(e["text"] for e in events)
        helper.write("second\nno newline")
        return {"status": "ok"}

    out = runner_with(FakeHelper(slow), events=events).execute(9, 1, "go", InterruptGate())
    assert seen_during_run == ["first\n"]
    assert [e["text"] for e in events] == ["first\n", "second\n", "no newline"]
    assert all(e == {"type": "stream", "re": 9, "name": "stdout", "text": e["text"], "statement_id": 1} for e in events)
    assert out["data"]["text/plain"] == "first\nsecond\nno newline"


def test_sigint_while_scala_runs_interrupts_the_jvm_instead_of_raising():
    gate = InterruptGate()
    outside = []
    gate.on_interrupt = lambda: outside.append(1)

    def interrupted(code, helper):
        gate.handler(2, None)  # what the canceller's SIGINT does: no KeyboardInterrupt here
        for _ in range(100):
            if "interrupt" in helper.calls:
                break
            time.sleep(0.01)
        return {"status": "error", "ename": "java.lang.InterruptedException", "evalue": "java.lang.InterruptedException", "traceback": []}

    helper = FakeHelper(interrupted)
    out = runner_with(helper).execute(7, 3, "Thread.sleep(10000)", gate)
    assert "interrupt" in helper.calls and outside == [1]
    assert out["ename"] == "java.lang.InterruptedException"
    assert gate.on_foreign_interrupt is None
    gate.handler(2, None)  # idle again: ignored


def test_completion_goes_to_the_interpreter():
    assert runner_with(FakeHelper()).complete("str.", 4) == ["compare", "contains"]
    assert scala.ScalaRunner(None, Limits()).complete("str.", 4) == []


def test_interpreter_is_not_started_until_needed():
    r = scala.ScalaRunner(object(), Limits())
    assert not r.started
    r.interrupt()  # nothing to interrupt, nothing started
    assert not r.started
