"""`Client`: every endpoint of one server, plus the waits a caller wants, done with long polls."""

from __future__ import annotations

import time
from typing import Iterator, Optional, Tuple

from .batches import BatchesApi
from .errors import CLIENT_TIMEOUT, CLIENT_TIMEOUT_STATUS, SparkportError
from .http import NO_BODY, Http, quote
from .session import Session
from .shared import SharedRdd
from .spec import DONE_EVENT, OUTPUT_EVENT, SESSION_LIVE, SESSION_NOT_ACTIVE, SESSION_NOT_ACTIVE_STATUS, SESSION_READY
from .sse import Event, events
from .statement import Statement


class Client(BatchesApi):
    """`Client("http://localhost:8998")` (default: $SPARKPORT_URL, else http://127.0.0.1:8998).

    On a server with authentication: `auth=("user", "password")` (Basic) or `token="..."` (a
    static token or a JWT, sent as Bearer).

    Sessions and batches are referred to by id or by name. Failures are `SparkportError` (the
    server said no: `.status`, `.code`, `.message`) or `NetworkError` (it could not be reached).
    """

    def __init__(self, url: Optional[str] = None, headers: Optional[dict] = None, timeout: float = 330.0,
                 auth: Optional[Tuple[str, str]] = None, token: Optional[str] = None):
        self.http = Http(url, headers, timeout, auth=auth, token=token)

    @property
    def url(self) -> str:
        return self.http.base_url

    def version(self) -> dict:
        return self.http.request("GET", "/version")

    # ---- sessions ---------------------------------------------------------------------------

    def sessions(self, from_: Optional[int] = None, size: Optional[int] = None) -> list:
        return self.http.request("GET", "/sessions", params={"from": from_, "size": size})["sessions"]

    def create_session(self, kind: Optional[str] = None, name: Optional[str] = None, **fields) -> dict:
        """Fields as Livy's CreateInteractiveRequest: conf, driverMemory, heartbeatTimeoutInSecond, …"""
        body = dict(fields)
        if kind is not None:
            body["kind"] = kind
        if name is not None:
            body["name"] = name
        return self.http.request("POST", "/sessions", body)

    def get_session(self, session) -> dict:
        return self.http.request("GET", f"/sessions/{quote(session)}")

    def session_state(self, session) -> str:
        return self.http.request("GET", f"/sessions/{quote(session)}/state")["state"]

    def session_log(self, session, from_: Optional[int] = None, size: Optional[int] = None) -> dict:
        return self.http.request("GET", f"/sessions/{quote(session)}/log", params={"from": from_, "size": size})

    def delete_session(self, session) -> None:
        self.http.request("DELETE", f"/sessions/{quote(session)}")

    def wait_for_session(self, session, timeout: float = 300.0, interval: float = 0.25) -> dict:
        """Polls until the session can run code (idle or busy); raises if it ends instead."""
        end = time.monotonic() + timeout
        while True:
            s = self.get_session(session)
            if s["state"] in SESSION_READY:
                return s
            if s["state"] not in SESSION_LIVE:  # error, shutting down or over: it will never run code
                why = " ".join(line.strip() for line in s.get("log", [])[-3:])
                message = f"session {s['id']} is {s['state']}: {why}"
                raise SparkportError(SESSION_NOT_ACTIVE_STATUS, SESSION_NOT_ACTIVE, message)
            if time.monotonic() > end:
                message = f"session {s['id']} still {s['state']} after {timeout} s"
                raise SparkportError(CLIENT_TIMEOUT_STATUS, CLIENT_TIMEOUT, message)
            time.sleep(interval)

    def session(self, kind: Optional[str] = "pyspark", name: Optional[str] = None, **fields) -> Session:
        """Creates a session. As a context manager it waits until the session is ready and deletes
        it on exit: `with client.session(kind="pyspark") as s: s.run("1 + 1")`."""
        info = self.create_session(kind, name, **fields)
        return Session(self, info, owned=True)

    def attach(self, session) -> Session:
        """A handle on an existing session (by id or name); leaving a `with` block keeps it."""
        return Session(self, self.get_session(session), owned=False)

    def session_events(self, session) -> Iterator[Event]:
        return events(self.http, f"/sessions/{quote(session)}/events")

    # ---- statements -------------------------------------------------------------------------

    def statements(self, session, from_: Optional[int] = None, size: Optional[int] = None, order: Optional[str] = None) -> list:
        body = self.http.request("GET", f"/sessions/{quote(session)}/statements",
                                 params={"from": from_, "size": size, "order": order})
        return [Statement(s) for s in body["statements"]]

    def submit(self, session, code: str, kind: Optional[str] = None, wait: Optional[float] = None) -> Statement:
        """Queues the code; with `wait`, the answer waits (server-side) up to that many seconds for the result."""
        body = {"code": code} if kind is None else {"code": code, "kind": kind}
        return Statement(self.http.request("POST", f"/sessions/{quote(session)}/statements", body, params={"wait": wait}))

    def get_statement(self, session, statement_id: int, wait: Optional[float] = None) -> Statement:
        return Statement(self.http.request("GET", f"/sessions/{quote(session)}/statements/{int(statement_id)}",
                                           params={"wait": wait}))

    def wait_for_statement(self, session, statement_id: int, timeout: Optional[float] = None) -> Statement:
        """Long-polls (`?wait=`) until the statement is finished; returns it unfinished after `timeout`."""
        end = None if timeout is None else time.monotonic() + timeout
        while True:
            left = 30.0 if end is None else max(0.001, min(30.0, end - time.monotonic()))
            st = self.get_statement(session, statement_id, wait=left)
            if st.finished or (end is not None and time.monotonic() >= end):
                return st

    def run(self, session, code: str, kind: Optional[str] = None, timeout: Optional[float] = None) -> Statement:
        """Submits and waits: one request for a short statement, long polls after. Returns the
        statement whatever its output (see `Statement.raise_for_error`)."""
        first = min(30.0, timeout) if timeout is not None else 30.0
        st = self.submit(session, code, kind, wait=first)
        return st if st.finished else self.wait_for_statement(session, st.id, None if timeout is None else timeout - first)

    def cancel(self, session, statement_id: int) -> None:
        self.http.request("POST", f"/sessions/{quote(session)}/statements/{int(statement_id)}/cancel", NO_BODY)

    def complete(self, session, code: str, kind: Optional[str] = None, cursor: Optional[int] = None) -> list:
        body = {"code": code}
        if kind is not None:
            body["kind"] = kind
        if cursor is not None:
            body["cursor"] = cursor
        return self.http.request("POST", f"/sessions/{quote(session)}/completion", body)["candidates"]

    def statement_events(self, session, statement_id: int) -> Iterator[Event]:
        """The live stream: `statement`, then `output` ({stream, text}), `progress`, `state`, and `done` last."""
        return events(self.http, f"/sessions/{quote(session)}/statements/{int(statement_id)}/events")

    def stream(self, session, code: str, kind: Optional[str] = None) -> Iterator:
        """Runs code and yields what it prints as it prints it (`(stream, text)` pairs), then the
        finished `Statement` last. A statement that was over before the stream opened has no
        live lines: its whole text/plain comes as one ("stdout", text) pair."""
        st = self.submit(session, code, kind)
        streamed = False
        for ev in self.statement_events(session, st.id):
            if ev.event == OUTPUT_EVENT:
                streamed = True
                yield ev.data["stream"], ev.data["text"]
            elif ev.event == DONE_EVENT:
                done = Statement(ev.data)
                if not streamed and done.text:
                    yield "stdout", done.text + "\n"
                yield done
                return

    # ---- shared data ------------------------------------------------------------------------

    def shared(self, session, name: str) -> SharedRdd:
        return SharedRdd(f"{self.url}/sessions/{quote(session)}", name, http=self.http)

    def shared_items(self, session) -> list:
        return self.http.request("GET", f"/sessions/{quote(session)}/shared")["items"]
