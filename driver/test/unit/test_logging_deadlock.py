"""The driver's own logging never writes into a statement's capture, and never runs under the
transport's lock.

The bug: the control thread logged "connection closed" while the statement thread, printing
through its capture, held the transport lock in a send that failed and logged in turn. The
log stream (a broken pipe) failed, and logging.Handler.handleError wrote the error to
sys.stderr, which during a statement is the capture: the control thread, holding the log
handler's lock, waited for the capture's lock; the statement thread, holding that and the
transport lock, waited for the handler's lock.
"""

import logging
import socket
import sys
import threading

import pytest

from sparkport_driver import driver_log, protocol
from sparkport_driver.capture import Capture
from sparkport_driver.link import Link
from sparkport_driver.transport import Transport


class BrokenStream:
    """A log destination whose reader is gone, as a pipe to a dead server is."""

    def write(self, s):
        raise BrokenPipeError(32, "Broken pipe")

    def flush(self):
        raise BrokenPipeError(32, "Broken pipe")


class StallingTransport(Transport):
    """A transport whose write waits until released, then fails (the peer went away)."""

    def __init__(self):
        a, b = socket.socketpair()
        self._peer = b
        sock_t = Transport.from_socket(a)
        super().__init__(sock_t._reader, self._stall, sock_t._close, a)
        self.in_write = threading.Event()
        self.release = threading.Event()

    def _stall(self, data):
        self.in_write.set()
        self.release.wait(10)
        raise BrokenPipeError(32, "Broken pipe")


@pytest.fixture
def broken_log():
    handler = driver_log.setup("t", stream=BrokenStream())
    yield logging.getLogger("sparkport.driver")
    driver_log.remove(handler)


def test_control_thread_logging_while_a_statement_send_holds_the_transport(broken_log):
    transport = StallingTransport()
    link = Link(transport)
    capture = Capture(lambda name, text: link.send(protocol.stream_event(1, name, text, 1)), keep_chars=10_000)
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = capture.stdout, capture.stderr  # as while a statement runs
    try:
        statement = threading.Thread(target=lambda: print("user output"))
        control = threading.Thread(target=lambda: broken_log.info("connection closed: EOF"))
        statement.start()
        assert transport.in_write.wait(5)  # the statement thread holds capture and transport locks
        control.start()
        control.join(5)
        transport.release.set()  # the send fails: the Link must not log from inside it
        statement.join(5)
        alive = [t.name for t in (statement, control) if t.is_alive()]
    finally:
        sys.stdout, sys.stderr = saved
        transport.release.set()
    assert not alive, "deadlocked"
    assert capture.text("stderr") == ""  # no logging error report in the user's output
    assert capture.text("stdout") == "user output\n"
    assert not link.live and len(link.outbox) == 1  # the line waits for a reconnect


def test_a_failing_log_write_is_dropped_not_reported_into_the_capture(broken_log):
    capture = Capture(None, keep_chars=10_000)
    saved = sys.stderr
    sys.stderr = capture.stderr
    try:
        broken_log.error("the driver's own trouble")
        try:
            raise ValueError("x")
        except ValueError:
            broken_log.exception("with a traceback")
    finally:
        sys.stderr = saved
    assert capture.text("stderr") == ""


def test_the_driver_log_goes_to_its_own_copy_of_fd_2(capfd):
    stream = driver_log.open_log_stream()
    try:
        assert stream.fileno() != 2 and stream.line_buffering
        handler = driver_log.setup("7", stream=stream)
        saved = sys.stderr
        sys.stderr = Capture(None, keep_chars=100).stderr  # what user code sees changes nothing
        try:
            logging.getLogger("sparkport.driver").warning("to the log file")
        finally:
            sys.stderr = saved
            driver_log.remove(handler)
    finally:
        stream.close()
    assert "sparkport-driver[7] WARNING sparkport.driver: to the log file" in capfd.readouterr().err
