"""A statement that prints a lot: live output is streamed in bounded pieces, in linear time, and
stops at a budget with a line that says so; what is kept for the reply is cut and flagged."""

import time

from sparkport_driver.capture import STREAM_BUDGET, STREAM_CHUNK, Capture


def _capture(keep=1024 * 1024):
    sent = []
    return Capture(lambda name, text: sent.append((name, text)), keep), sent


def test_one_100_mb_line_streams_in_chunks_up_to_the_budget_quickly():
    c, sent = _capture()
    t0 = time.monotonic()
    c.stdout.write("x" * (100 * 1024 * 1024) + "\n")
    c.close()
    assert time.monotonic() - t0 < 5, "cutting a long line must not copy it once per chunk"
    pieces = [t for _, t in sent[:-1]]
    assert all(len(p) <= STREAM_CHUNK for p in pieces)
    assert sum(len(p) for p in pieces) == STREAM_BUDGET
    assert "live output stopped" in sent[-1][1]
    assert c.overflowed, "the reply's text is cut and marked truncated"
    assert len(c.text("stdout")) == 1024 * 1024


def test_after_the_budget_nothing_more_is_streamed_or_held():
    c, sent = _capture()
    for _ in range(40):
        c.stdout.write("y" * (1024 * 1024) + "\n")
    n = len(sent)
    c.stdout.write("more\n")
    c.close()
    assert len(sent) == n
    assert c._pending == {"stdout": "", "stderr": ""}


def test_short_lines_still_go_one_by_one():
    c, sent = _capture()
    c.stdout.write("a\nb\nc")
    assert sent == [("stdout", "a\n"), ("stdout", "b\n")]
    c.close()
    assert sent[-1] == ("stdout", "c")
