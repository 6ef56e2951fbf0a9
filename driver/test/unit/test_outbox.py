"""The outbox and the Link's sending (PROTOCOL.md section 3a), over a socketpair: numbering, ack, the
16 MiB cap, what is kept while disconnected, and the replay on a new connection."""

import json
import socket
import threading

from fakeserver import bare
from sparkport_driver import protocol
from sparkport_driver.interrupts import InterruptGate
from sparkport_driver.link import Link
from sparkport_driver.outbox import MAX_BYTES, Outbox
from sparkport_driver.transport import Transport


def line(msg):
    return protocol.encode(msg)


def stream(text, re=7):
    return protocol.stream_event(re, "stdout", text, 3)


def seqs(entries):
    return [s for s, _ in entries]


def test_numbers_start_at_one_and_go_into_the_line():
    box = Outbox()
    first = box.add(line(protocol.reply_ok(1)), droppable=False)
    second = box.add(line(stream("x\n")), droppable=True)
    assert json.loads(first) == {"seq": 1, "type": "reply", "re": 1, "ok": True, "result": {}}
    assert json.loads(second)["seq"] == 2 and json.loads(second)["statement_id"] == 3
    assert seqs(box.after(0)) == [1, 2] and box.last_seq == 2


def test_ack_drops_up_to_its_seq_and_no_further():
    box = Outbox()
    for i in range(5):
        box.add(line(stream(f"{i}\n")), droppable=True)
    box.ack(3)
    assert seqs(box.after(0)) == [4, 5]
    box.ack(3)  # a repeated ack changes nothing
    box.ack(0)
    assert len(box) == 2
    box.ack(99)
    assert len(box) == 0 and box.size_bytes == 0
    assert json.loads(box.add(line(stream("next\n")), droppable=True))["seq"] == 6  # numbers never restart


def test_over_the_cap_the_oldest_events_go_and_replies_stay():
    assert MAX_BYTES == 16 * 1024 * 1024
    box = Outbox(max_bytes=1000)
    box.add(line(protocol.reply_ok(1, {"output": "r" * 300})), droppable=False)  # seq 1
    for i in range(10):  # seqs 2..11, about 100 bytes each
        box.add(line(stream("s" * 40 + "\n")), droppable=True)
    box.add(line(protocol.reply_ok(2, {"output": "r" * 300})), droppable=False)  # seq 12
    kept = seqs(box.after(0))
    assert box.size_bytes <= 1000 and box.dropped > 0
    assert 1 in kept and 12 in kept
    events = [s for s in kept if s not in (1, 12)]
    assert events == list(range(12 - len(events), 12))  # the newest events survive, in order


def test_replies_alone_are_never_dropped():
    box = Outbox(max_bytes=100)
    for i in range(5):
        box.add(line(protocol.reply_ok(i, {"x": "y" * 100})), droppable=False)
    assert seqs(box.after(0)) == [1, 2, 3, 4, 5]


def test_after_comes_in_batches():
    box = Outbox()
    for i in range(10):
        box.add(line(stream("z" * 1000)), droppable=True)
    batch = box.after(0, max_bytes=2500)
    assert seqs(batch) == [1, 2, 3]
    assert seqs(box.after(3, max_bytes=10**9)) == list(range(4, 11))


class Peer:
    """The server's end of a socketpair, collecting what the Link writes."""

    def __init__(self):
        self.a, self.b = socket.socketpair()
        self.f = self.b.makefile("rb")

    def transport(self):
        return Transport.from_socket(self.a)

    def read(self, n):
        return [json.loads(self.f.readline()) for _ in range(n)]


def test_link_numbers_only_replies_and_events():
    peer = Peer()
    link = Link(peer.transport())
    assert link.send(protocol.reply_ok(4))
    assert link.send(stream("a\n"))
    assert link.send(protocol.progress_event(7, 0.5, 3))
    assert link.send(protocol.error_message("BAD_MESSAGE", "x"))
    assert link.send(protocol.ready("app", None, "4.1.2", "local"))
    got = peer.read(5)
    assert [m.get("seq") for m in got] == [1, 2, 3, None, None]
    assert len(link.outbox) == 3  # ready and error are never replayed
    assert link.app == {"app_id": "app", "spark_ui_url": None, "spark_version": "4.1.2", "master": "local"}


def test_disconnected_sends_queue_without_waiting_then_replay_in_order():
    first = Peer()
    link = Link(first.transport())
    link.send(stream("sent\n"))  # seq 1, written
    link.ack(1)
    link.detach()
    done = []

    def statement():  # the statement thread keeps printing while there is no connection
        for i in range(100):
            link.send(stream(f"{i}\n"))
        link.send(protocol.reply_ok(7, {"output": {}}, 3))
        done.append(True)

    t = threading.Thread(target=statement)
    t.start()
    t.join(2)
    assert done, "a send blocked while disconnected"
    assert seqs(link.outbox.after(0)) == list(range(2, 103))

    second = Peer()
    assert link.resume(second.transport(), lambda: None)
    got = second.read(102)
    assert [m["seq"] for m in got[:-1]] == list(range(2, 103))  # not the acknowledged 1
    assert got[-2]["type"] == "reply" and got[-2]["statement_id"] == 3
    assert got[-1] == {"type": "resumed", "app": None, "running": None}
    assert link.live
    link.send(stream("after\n"))
    assert second.read(1)[0]["seq"] == 103


def test_resumed_names_the_running_statement_and_carries_the_app():
    first = Peer()
    link = Link(first.transport())
    link.send(protocol.ready("local-1", None, "4.1.2", "local[1]"))
    link.detach()
    second = Peer()
    assert link.resume(second.transport(), lambda: (5, 17))
    assert second.read(1) == [{
        "type": "resumed",
        "app": {"app_id": "local-1", "spark_ui_url": None, "spark_version": "4.1.2", "master": "local[1]"},
        "running": {"statement_id": 5, "request_id": 17},
    }]


def test_a_failed_write_marks_the_link_down_and_keeps_the_message():
    peer = Peer()
    link = Link(peer.transport())
    peer.b.close()
    peer.a.shutdown(socket.SHUT_WR)
    ok = link.send(protocol.reply_ok(1))
    assert ok is False and not link.live
    assert seqs(link.outbox.after(0)) == [1]
    assert link.send(protocol.reply_ok(2)) is False  # no further write is attempted
    assert seqs(link.outbox.after(0)) == [1, 2]


def test_main_thread_send_is_a_critical_section():
    peer = Peer()
    gate = InterruptGate()
    entered = []
    real_enter = gate.enter_critical

    def enter():
        entered.append(True)
        real_enter()

    gate.enter_critical = enter
    link = Link(peer.transport(), gate)
    link.send(stream("x\n"))  # pytest runs tests on the main thread
    assert entered and gate._deferring == 0
    link.detach()
    link.send(stream("queued\n"))
    assert len(entered) == 2 and gate._deferring == 0
    assert bare(peer.read(1)[0]) == stream("x\n")


def test_without_reconnects_nothing_is_kept():
    peer = Peer()
    link = Link(peer.transport())
    link.retain = False  # the server granted no grace period
    for i in range(3):
        link.send(protocol.reply_ok(i))
    assert [m["seq"] for m in peer.read(3)] == [1, 2, 3] and len(link.outbox) == 0
