"""The executor's Livy semantics for `kind: pyspark`, without Spark."""

import sys

import pytest

from sparkport_driver.executor import Executor
from sparkport_driver.outputs import Limits
from sparkport_driver.tracebacks import HEADER


class Session:
    def __init__(self, limits=None):
        self.events = []
        self.ex = Executor(limits=limits, send=self.events.append)
        self.sid = 0

    def run(self, code, kind="pyspark"):
        self.sid += 1
        self.events.clear()
        return self.ex.execute(100 + self.sid, self.sid, kind, code)

    def text(self, code):
        out = self.run(code)
        assert out["status"] == "ok", out
        return out["data"]["text/plain"]


@pytest.fixture
def s():
    return Session()


def test_last_expression_repr(s):
    assert s.run("1 + 1") == {"status": "ok", "execution_count": 1, "data": {"text/plain": "2"}}
    # Intermediate expressions print nothing; only the last one's repr (Livy: f()\nf()+1 → "2").
    assert s.text("def f():\n    return 1\nf()\nf()+1") == "2"
    assert s.text("'a'") == "'a'"
    assert s.text("None") == ""


def test_assignment_and_import_give_empty_text(s):
    assert s.run("x = 1")["data"] == {"text/plain": ""}
    assert s.run("import os")["data"] == {"text/plain": ""}
    assert s.run("# just a comment")["data"] == {"text/plain": ""}
    assert s.run("")["data"] == {"text/plain": ""}


def test_state_persists_and_globals(s):
    s.run("x = 41")
    assert s.text("x + 1") == "42"
    s.run("def g(y):\n    return x + y")
    assert s.text("g(2)") == "43"
    assert s.text("__name__") == "'__main__'"
    s.run("class C: pass")
    assert s.text("C.__module__") == "'__main__'"


def test_prints_then_stderr_after_stdout(s):
    code = "import sys\nprint('a')\nprint('b', file=sys.stderr)\nprint('c')\n5"
    # Livy: all stdout (prints and the final repr), then all stderr, right-stripped.
    assert s.text(code) == "a\nc\n5\nb"


def test_text_is_exactly_what_was_printed(s):
    code = "import json\nfor i in range(3):\n    print(json.dumps({'i': i}))"
    assert s.text(code).split("\n") == ['{"i": 0}', '{"i": 1}', '{"i": 2}']


def test_for_loop_expressions_print_like_the_repl(s):
    assert s.text("for i in range(3): i") == "0\n1\n2"


def test_crlf_normalised(s):
    assert s.text("print(1)\r\nprint(1)") == "1\n1"


def test_execution_count_is_statement_id(s):
    out = s.ex.execute(1, 17, "pyspark", "1")
    assert out["execution_count"] == 17


def test_name_error(s):
    out = s.run("abcde")
    assert out["status"] == "error"
    assert out["ename"] == "NameError"
    assert out["evalue"] == "name 'abcde' is not defined"
    assert out["traceback"] == [HEADER, '  File "<stdin>", line 1, in <module>\n', "NameError: name 'abcde' is not defined\n"]


def test_raised_exception_and_user_frames(s):
    out = s.run("raise KeyError('foo')")
    assert (out["ename"], out["evalue"]) == ("KeyError", "'foo'")
    out = s.run("def g():\n    1/0\ng()")
    assert out["ename"] == "ZeroDivisionError"
    tb = out["traceback"]
    assert tb[0] == HEADER
    assert tb[1:] == [
        '  File "<stdin>", line 3, in <module>\n',
        '  File "<stdin>", line 2, in g\n',
        "ZeroDivisionError: division by zero\n",
    ]
    assert not any("sparkport_driver" in line for line in tb)


def test_error_stops_the_block_but_keeps_earlier_state(s):
    out = s.run("a = 1\nraise ValueError('x')\na = 2")
    assert out["ename"] == "ValueError"
    assert s.text("a") == "1"


def test_syntax_error_runs_nothing_and_shows_caret(s):
    out = s.run("y = 1\n1 +")
    assert out["status"] == "error" and out["ename"] == "SyntaxError"
    assert out["traceback"][0] == HEADER
    assert '  File "<stdin>", line 2\n' in out["traceback"]
    assert "    1 +\n" in out["traceback"]
    assert any(line.strip().startswith("^") for line in out["traceback"])
    assert s.run("y")["ename"] == "NameError"  # nothing ran


def test_compile_time_syntax_error_has_source_line(s):
    out = s.run("x = 1\nreturn x")
    assert out["ename"] == "SyntaxError" and "'return' outside function" in out["evalue"]
    assert "    return x\n" in out["traceback"]


def test_system_exit_and_keyboard_interrupt_do_not_kill_the_driver(s):
    assert s.run("import sys\nsys.exit(3)")["ename"] == "SystemExit"
    assert s.run("raise KeyboardInterrupt")["ename"] == "KeyboardInterrupt"
    assert s.text("1") == "1"


def test_streams_are_restored(s):
    before = sys.stdout, sys.stderr
    s.run("print('x')")
    s.run("1/0")
    assert (sys.stdout, sys.stderr) == before


def test_lines_stream_as_printed_before_the_statement_ends():
    seen_at_second_print = []
    s = Session()
    s.ex.globals["probe"] = lambda: seen_at_second_print.extend(s.events)
    s.run("print('one')\nprobe()\nprint('two', end='')")
    # 'one' was sent while the statement was still running.
    assert [e["text"] for e in seen_at_second_print] == ["one\n"]
    # statement_id too: a restarted server that never sent the execute still knows the statement.
    assert s.events == [
        {"type": "stream", "re": 101, "name": "stdout", "text": "one\n", "statement_id": 1},
        {"type": "stream", "re": 101, "name": "stdout", "text": "two", "statement_id": 1},  # partial line at the end
    ]


def test_stream_events_one_line_each_and_stderr_named(s):
    s.run("import sys\nprint('a\\nb')\n_ = sys.stderr.write('e1\\ne2')")
    assert [(e["name"], e["text"]) for e in s.events] == [
        ("stdout", "a\n"),
        ("stdout", "b\n"),
        ("stderr", "e1\n"),
        ("stderr", "e2"),
    ]


def test_long_partial_line_streams_in_8k_pieces(s):
    s.run("import sys\n_ = sys.stdout.write('x' * 20000)")
    sizes = [len(e["text"]) for e in s.events]
    assert sizes == [8192, 8192, 20000 - 2 * 8192]


def test_text_limit_truncates():
    s = Session(Limits(rows=10, text_bytes=10))
    out = s.run("print('0123456789abcdef')")
    assert out["data"]["text/plain"] == "0123456789"
    assert out["truncated"] is True
    out = s.run("print('é' * 20)")  # never cut inside a UTF-8 character
    assert out["data"]["text/plain"] == "é" * 5 and out["truncated"] is True
    out = s.run("print('short')")
    assert "truncated" not in out
    # Streaming is not limited: the server sees all of it.
    s.run("print('x' * 100)")
    assert s.events[0]["text"] == "x" * 100 + "\n"


def test_threads_printing_after_the_statement_do_not_reuse_its_id(s):
    s.run("import sys\nh = sys.stdout")
    s.events.clear()
    saved = sys.stdout
    import io

    sys.stdout = io.StringIO()
    try:
        s.ex.globals["h"].write("late\n")  # a stale handle follows the current stdout
        assert sys.stdout.getvalue() == "late\n"
    finally:
        sys.stdout = saved
    assert s.events == []


def test_input_does_not_block(s, monkeypatch):
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert s.run("input()")["ename"] == "EOFError"


def test_internal_error_is_reported_not_raised(s, monkeypatch):
    def boom(*a, **k):
        raise RuntimeError("driver bug")

    monkeypatch.setattr(s.ex, "_execute_python", boom)
    out = s.run("1")
    assert out["status"] == "error" and out["ename"] == "Internal Error: RuntimeError"
    assert out["evalue"] == "driver bug"


def test_sql_without_spark_is_an_error_output(s):
    out = s.run("select 1", kind="sql")
    assert out["status"] == "error"


def test_null_byte_in_code(s):
    out = s.run("x = 1\0")
    assert out["status"] == "error" and out["ename"] == "SyntaxError"
