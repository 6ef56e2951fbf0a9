"""Server-Sent Events and batches through the Python client, against a fake server."""

from fake_server import Reply
from sparkport import Client, Statement


def test_statement_events_parse_comments_and_multiline_data(fake):
    fake.route("GET", r"/sessions/0/statements/1/events", lambda r: Reply(sse=[
        ": keep-alive\n\n",
        'event: statement\ndata: {"id": 1, "state": "running"}\n\n',
        'event: output\ndata: {"stream": "stdout",\ndata:  "text": "a\\n"}\n\n',
        'event: progress\ndata: {"progress": 0.5}\n\n',
        'event: done\ndata: {"id": 1, "state": "available", "output": null}\n\n',
    ]))
    evs = list(Client(fake.url).statement_events(0, 1))
    assert [e.event for e in evs] == ["statement", "output", "progress", "done"]
    assert evs[1].data == {"stream": "stdout", "text": "a\n"}
    assert fake.calls("GET")[0]["headers"]["Accept"] == "text/event-stream"


def test_stream_yields_printed_text_then_the_statement(fake):
    fake.route("POST", r"/sessions/s/statements", lambda r: (201, {"id": 9, "state": "waiting", "output": None}))
    fake.route("GET", r"/sessions/s/statements/9/events", lambda r: Reply(sse=[
        'event: statement\ndata: {"id": 9, "state": "waiting"}\n\n',
        'event: output\ndata: {"stream": "stdout", "text": "0\\n"}\n\n',
        'event: output\ndata: {"stream": "stderr", "text": "warn\\n"}\n\n',
        'event: done\ndata: {"id": 9, "state": "available", "output": {"status": "ok", "execution_count": 9, "data": {"text/plain": "0\\nwarn"}}}\n\n',
    ]))
    got = list(Client(fake.url).stream("s", "print(0)"))
    assert got[:2] == [("stdout", "0\n"), ("stderr", "warn\n")]
    assert isinstance(got[2], Statement) and got[2].text == "0\nwarn"


def test_batches_create_list_state_log_and_follow(fake):
    logs = [
        ["stdout: ", "one", "\nstderr: "],
        ["stdout: ", "one", "two", "\nstderr: ", "err1"],
        ["stdout: ", "one", "two", "three", "\nstderr: ", "err1"],
    ]
    n = {"state": 0, "log": 0}

    def state(r):
        n["state"] += 1
        return {"id": 0, "state": "success" if n["state"] >= 3 else "running"}

    def log(r):
        page = logs[min(n["log"], 2)]
        n["log"] += 1
        return {"id": 0, "from": 0, "total": len(page), "log": page}

    fake.route("POST", r"/batches", lambda r: (201, {"id": 0, "state": "starting", "appId": None, "log": []}))
    fake.route("GET", r"/batches", lambda r: {"from": 0, "total": 1, "sessions": [{"id": 0, "state": "running"}]})
    fake.route("GET", r"/batches/0/state", state)
    fake.route("GET", r"/batches/0/log", log)
    fake.route("GET", r"/batches/0", lambda r: {"id": 0, "state": "success", "appId": "local-1", "log": []})
    fake.route("DELETE", r"/batches/0", lambda r: {"msg": "deleted"})
    c = Client(fake.url)
    b = c.create_batch("/data/job.py", args=["x"], conf={"spark.a": "b"})
    assert fake.calls("POST", "/batches")[0]["body"] == {"file": "/data/job.py", "args": ["x"], "conf": {"spark.a": "b"}}
    assert b["id"] == 0 and [x["id"] for x in c.batches()] == [0]
    assert list(c.follow_batch_log(0, interval=0.01)) == ["one", "two", "err1", "three"]
    assert c.wait_for_batch(0)["state"] == "success"
    c.delete_batch(0)
    assert len(fake.calls("DELETE", "/batches/0")) == 1


def test_stream_of_a_statement_already_over_yields_its_text(fake):
    fake.route("POST", r"/sessions/s/statements", lambda r: (201, {"id": 1, "state": "available", "output": None}))
    fake.route("GET", r"/sessions/s/statements/1/events", lambda r: Reply(sse=[
        'event: statement\ndata: {"id": 1, "state": "available"}\n\n',
        'event: done\ndata: {"id": 1, "state": "available", "output": {"status": "ok", "execution_count": 1, "data": {"text/plain": "2"}}}\n\n',
    ]))
    got = list(Client(fake.url).stream("s", "1 + 1"))
    assert got[0] == ("stdout", "2\n") and got[1].text == "2"
