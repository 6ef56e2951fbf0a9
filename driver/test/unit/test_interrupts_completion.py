"""The SIGINT gate and completion, without Spark."""

import pytest

from sparkport_driver import completion
from sparkport_driver.capture import Capture
from sparkport_driver.interrupts import InterruptGate


def test_gate_ignores_sigint_when_idle():
    gate = InterruptGate()
    gate.handler(2, None)  # no exception


def test_gate_raises_while_armed():
    gate = InterruptGate()
    gate.armed = True
    with pytest.raises(KeyboardInterrupt):
        gate.handler(2, None)


def test_gate_defers_during_a_protocol_write():
    gate = InterruptGate()
    gate.armed = True
    gate.enter_critical()
    gate.handler(2, None)  # must not cut the write in half
    with pytest.raises(KeyboardInterrupt):
        gate.exit_critical()
    gate.enter_critical()
    gate.exit_critical()  # the deferred interrupt was delivered once only


def test_gate_drops_deferred_interrupt_after_statement_ended():
    gate = InterruptGate()
    gate.armed = True
    gate.enter_critical()
    gate.handler(2, None)
    gate.armed = False
    gate.exit_critical()


def test_gate_hook_runs_on_interrupt():
    calls = []
    gate = InterruptGate()
    gate.on_interrupt = lambda: calls.append(1)
    gate.armed = True
    with pytest.raises(KeyboardInterrupt):
        gate.handler(2, None)
    assert calls == [1]


def test_capture_overflow_marks_truncation_but_streams_everything():
    sent = []
    cap = Capture(lambda name, text: sent.append(text), keep_chars=4)
    cap.stdout.write("abcdef\n")
    cap.close()
    assert cap.text("stdout") == "abcd" and cap.overflowed
    assert sent == ["abcdef\n"]


def test_capture_closed_sends_nothing_more():
    sent = []
    cap = Capture(lambda name, text: sent.append(text), keep_chars=100)
    cap.stdout.write("partial")
    cap.close()
    assert sent == ["partial"]
    import io
    import sys

    saved = sys.stdout
    sys.stdout = io.StringIO()
    try:
        cap.stdout.write("late\n")
        assert sys.stdout.getvalue() == "late\n"
    finally:
        sys.stdout = saved
    assert sent == ["partial"]


def test_completion_names_and_attributes():
    g = {"spark_thing": 1, "import_me": 2, "__builtins__": __builtins__}
    import collections

    g["collections"] = collections
    assert completion.complete(g, "spark_t", 7) == ["spark_thing"]
    assert "OrderedDict(" in completion.complete(g, "x = collections.Or", 18)
    assert completion.complete(g, "collections.Or", 14) == ["OrderedDict("]
    # Only the text before the cursor counts.
    assert completion.complete(g, "spark_t + 1", 7) == ["spark_thing"]
    assert completion.complete(g, "", 0) == []
    assert completion.complete(g, "spark_t", 7, kind="sql") == []
    assert completion.complete(g, "nosuch.attr", 11) == []


def test_completion_survives_hostile_objects():
    class Hostile:
        def __getattr__(self, name):
            raise RuntimeError("boom")

        def __dir__(self):
            raise RuntimeError("boom")

    assert completion.complete({"h": Hostile()}, "h.x", 3) == []
