"""Credentials: a (user, password) pair goes as Basic, a token as Bearer, on every request (streams too)."""

import base64

import pytest

from fake_server import Reply
from sparkport import Client, SparkportError


def test_basic_credentials_on_every_request(fake):
    fake.route("GET", r"/sessions", lambda r: {"from": 0, "total": 0, "sessions": []})
    fake.route("GET", r"/version", lambda r: {"version": "0.9.0"})
    c = Client(fake.url, auth=("alice", "pässword:with colon"))
    c.sessions()
    c.version()
    sent = [r["headers"]["Authorization"] for r in fake.requests]
    expected = "Basic " + base64.b64encode("alice:pässword:with colon".encode("utf-8")).decode("ascii")
    assert sent == [expected, expected]


def test_a_token_goes_as_bearer_and_explicit_headers_win(fake):
    fake.route("GET", r"/sessions", lambda r: {"from": 0, "total": 0, "sessions": []})
    Client(fake.url, token="s3cret").sessions()
    Client(fake.url, token="s3cret", headers={"Authorization": "Negotiate abc"}).sessions()
    assert [r["headers"]["Authorization"] for r in fake.requests] == ["Bearer s3cret", "Negotiate abc"]


def test_both_or_neither():
    with pytest.raises(ValueError):
        Client("http://127.0.0.1:1", auth=("a", "b"), token="t")
    assert "Authorization" not in Client("http://127.0.0.1:1").http.headers


def test_a_401_is_a_sparkport_error_with_its_code(fake):
    fake.route("GET", r"/sessions", lambda r: Reply(401, {"msg": "Authentication failed", "code": "UNAUTHORIZED"}))
    with pytest.raises(SparkportError) as e:
        Client(fake.url, auth=("alice", "wrong")).sessions()
    assert (e.value.status, e.value.code) == (401, "UNAUTHORIZED")
