"""A Driver without Spark on a socketpair, its statement loop on the test's main thread.

pytest runs tests on the main thread, so run_statements() runs exactly where it runs in the
real driver and a cancel's SIGINT reaches it for real.
"""

from __future__ import annotations

import signal
import socket
import threading
from typing import Optional

import pytest
from fakeserver import FakeServer
from sparkport_driver.driver import Driver
from sparkport_driver.interrupts import InterruptGate
from sparkport_driver.link import Link
from sparkport_driver.reconnect import Reconnector
from sparkport_driver.transport import Transport

INFO = {"app_id": "local-test", "spark_ui_url": None, "spark_version": "test", "master": "local[1]"}


class Harness:
    def __init__(
        self,
        grace_ms: Optional[int] = None,
        address: Optional[str] = None,
        connect_file: Optional[str] = None,
        tls=None,
    ):
        a, b = socket.socketpair()
        self.gate = InterruptGate()
        self.link = Link(Transport.from_socket(a), self.gate)
        self.reconnector = Reconnector(address, connect_file, 4242, "3.11.7", tls=tls)
        self.driver = Driver(self.link, self.gate, reconnector=self.reconnector)
        self.srv = FakeServer(sock=b, grace_ms=grace_ms)
        # As the handshake would have: the welcome grants the reconnects, if any.
        self.driver.welcomed(self.srv.welcome(first=True))
        self.driver.start_control_thread()

    def ready(self):
        self.driver.become_ready(INFO)
        msg = self.srv.next_message(5)
        assert msg == {"type": "ready", **INFO}

    def run(self, script, shutdown=True, join=20):
        """Run script(srv) on a helper thread while the main thread serves statements; the
        shutdown at the end goes to self.srv, which a reconnecting test replaces."""
        errors = []

        def runner():
            try:
                script(self.srv)
            except BaseException as e:  # surfaced on the main thread below
                errors.append(e)
            finally:
                if shutdown:
                    try:
                        self.srv.request("shutdown")
                    except OSError:
                        pass

        th = threading.Thread(target=runner)
        th.start()
        self.driver.run_statements()
        th.join(join)
        self.driver.cancel_deadline()
        if errors:
            raise errors[0]

    def close(self):
        self.driver.cancel_deadline()
        self.driver.stopped.set()
        self.link.close()
        self.srv.close()


@pytest.fixture
def h():
    """A driver on a fake server for one test; SIGINT's handler is put back after it."""
    old = signal.getsignal(signal.SIGINT)
    harness = Harness()
    yield harness
    signal.signal(signal.SIGINT, old)
    harness.close()
