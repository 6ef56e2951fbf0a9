"""The Python client against a fake server: URLs, bodies, long polls, errors, the context manager."""

import json

import pytest

from fake_server import Reply
from sparkport import Client, NetworkError, SparkportError, StatementError


def stmt(id, state="available", output=None, code="1 + 1"):
    return {"id": id, "code": code, "state": state, "output": output, "progress": 1 if state == "available" else 0,
            "started": 1, "completed": 2 if state == "available" else 0}


def ok(text, sid=0, **extra):
    return {"status": "ok", "execution_count": sid, "data": {"text/plain": text, **extra}}


def test_errors_carry_status_code_and_message(fake):
    fake.route("GET", r"/sessions/42", lambda r: (404, {"msg": "Session '42' not found.", "code": "SESSION_NOT_FOUND"}))
    fake.route("GET", r"/sessions/7", lambda r: Reply(500, raw='"java.lang.IllegalStateException: boom"'))
    c = Client(fake.url)
    with pytest.raises(SparkportError) as e:
        c.get_session(42)
    assert (e.value.status, e.value.code, e.value.message) == (404, "SESSION_NOT_FOUND", "Session '42' not found.")
    with pytest.raises(SparkportError) as e:
        c.get_session(7)
    assert e.value.status == 500 and e.value.code == "HTTP_500" and "boom" in e.value.message
    with pytest.raises(NetworkError):
        Client("http://127.0.0.1:1").version()


def test_url_defaults_to_environment(monkeypatch):
    monkeypatch.setenv("SPARKPORT_URL", "http://example.invalid:1234/")
    assert Client().url == "http://example.invalid:1234"


def test_run_submits_with_wait_then_long_polls(fake):
    polls = []
    fake.route("POST", r"/sessions/demo/statements", lambda r: (201, stmt(3, "running")))

    def get(r):
        polls.append(r["query"].get("wait"))
        return stmt(3, "available" if len(polls) == 2 else "running", ok("done", 3) if len(polls) == 2 else None)

    fake.route("GET", r"/sessions/demo/statements/3", get)
    st = Client(fake.url).run("demo", "work()", kind="pyspark")
    post = fake.calls("POST")[0]
    assert post["body"] == {"code": "work()", "kind": "pyspark"}
    assert float(post["query"]["wait"]) == 30
    assert len(polls) == 2 and all(float(w) > 0 for w in polls)
    assert st.ok and st.text == "done" and st.finished


def test_session_context_manager_waits_runs_and_deletes(fake):
    states = iter(["starting", "starting", "idle"])
    fake.route("POST", r"/sessions", lambda r: (201, {"id": 5, "state": "starting", "kind": "pyspark", "log": []}))
    fake.route("GET", r"/sessions/5", lambda r: {"id": 5, "state": next(states, "idle"), "kind": "pyspark", "log": []})
    fake.route("POST", r"/sessions/5/statements", lambda r: (201, stmt(0, output=ok("2"))))
    fake.route("DELETE", r"/sessions/5", lambda r: {"msg": "deleted"})
    c = Client(fake.url)
    with c.session(kind="pyspark", conf={"spark.x": "1"}) as s:
        assert s.run("1 + 1").text == "2"
    assert fake.calls("POST", "/sessions")[0]["body"] == {"kind": "pyspark", "conf": {"spark.x": "1"}}
    assert len(fake.calls("DELETE", "/sessions/5")) == 1


def test_session_that_fails_to_start_is_deleted_and_raises(fake):
    fake.route("POST", r"/sessions", lambda r: (201, {"id": 6, "state": "starting", "log": []}))
    fake.route("GET", r"/sessions/6", lambda r: {"id": 6, "state": "dead", "log": ["java not found"]})
    fake.route("DELETE", r"/sessions/6", lambda r: {"msg": "deleted"})
    with pytest.raises(SparkportError) as e:
        with Client(fake.url).session():
            pass
    assert "java not found" in e.value.message
    assert len(fake.calls("DELETE", "/sessions/6")) == 1


@pytest.mark.parametrize("state", ["error", "shutting_down", "killed"])
def test_waiting_stops_once_the_session_is_no_longer_live(fake, state):
    fake.route("GET", r"/sessions/8", lambda r: {"id": 8, "state": state, "log": ["out of memory"]})
    with pytest.raises(SparkportError) as e:
        Client(fake.url).wait_for_session(8, timeout=5)
    assert (e.value.status, e.value.code) == (409, "SESSION_NOT_ACTIVE")
    assert state in e.value.message and "out of memory" in e.value.message
    assert len(fake.calls("GET", "/sessions/8")) == 1


def test_run_raises_statement_error_unless_unchecked(fake):
    err = {"status": "error", "execution_count": 1, "ename": "ZeroDivisionError", "evalue": "division by zero",
           "traceback": ["Traceback\n"]}
    fake.route("GET", r"/sessions/1", lambda r: {"id": 1, "state": "idle", "log": []})
    fake.route("POST", r"/sessions/1/statements", lambda r: (201, stmt(1, output=err)))
    s = Client(fake.url).attach(1)
    with pytest.raises(StatementError) as e:
        s.run("1 / 0")
    assert e.value.ename == "ZeroDivisionError" and e.value.traceback == ["Traceback\n"]
    assert s.run("1 / 0", check=False).output["status"] == "error"
    with s:
        pass
    assert not fake.calls("DELETE")  # attached, not created: left alone


def test_statement_readers():
    from sparkport import Statement
    st = Statement(stmt(2, output={"status": "ok", "execution_count": 2, "truncated": True, "data": {
        "image/png": "aGk=", "application/vnd.livy.table.v1+json": {"headers": [{"name": "a", "type": "INT_TYPE"}], "data": [[1]]},
        "application/json": [1, 2]}}))
    assert st.png == b"hi" and st.table["data"] == [[1]] and st.json == [1, 2] and st.truncated and st.text is None
    assert json.loads(json.dumps(st))["id"] == 2


def test_cancel_completion_log_and_listing(fake):
    fake.route("POST", r"/sessions/0/statements/4/cancel", lambda r: {"msg": "canceled"})
    fake.route("POST", r"/sessions/0/completion", lambda r: {"candidates": ["range("]})
    fake.route("GET", r"/sessions/0/log", lambda r: {"id": 0, "from": 0, "total": 2, "log": ["stdout: ", "\nstderr: "]})
    fake.route("GET", r"/sessions", lambda r: {"from": 0, "total": 1, "sessions": [{"id": 0}]})
    fake.route("GET", r"/sessions/0/statements", lambda r: {"total_statements": 1, "statements": [stmt(0)]})
    c = Client(fake.url)
    c.cancel(0, 4)
    assert c.complete(0, "spark.ra", cursor=8) == ["range("]
    assert fake.calls("POST", "/sessions/0/completion")[0]["body"] == {"code": "spark.ra", "cursor": 8}
    assert c.session_log(0, size=-1)["total"] == 2
    assert fake.calls("GET", "/sessions/0/log")[0]["query"] == {"size": "-1"}
    assert [s["id"] for s in c.sessions()] == [0]
    assert c.statements(0, order="desc")[0].id == 0


def test_names_are_quoted_in_paths(fake):
    fake.route("GET", r"/sessions/my%20session/shared/states/a%2Fb", lambda r: {"name": "states", "key": "a/b", "value": 1})
    assert Client(fake.url).shared("my session", "states").get("a/b") == 1
