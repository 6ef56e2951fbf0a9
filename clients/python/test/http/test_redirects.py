"""Redirects: credentials follow a redirect on the same server, never one to another host or port."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from sparkport import Client


class Server:
    """A server on loopback that answers /go with a redirect to `target` and records what it is sent."""

    def __init__(self):
        self.seen = []
        self.target = None
        me = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                me.seen.append((self.path, self.headers.get("Authorization")))
                if self.path.startswith("/go"):
                    self.send_response(302)
                    self.send_header("Location", me.target)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                data = json.dumps({"version": "0.9.0"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def pair():
    a, b = Server(), Server()
    yield a, b
    a.close()
    b.close()


@pytest.mark.parametrize("creds", [{"auth": ("alice", "s3cret")}, {"token": "t0k"}])
def test_a_redirect_to_another_port_does_not_get_the_credentials(pair, creds):
    a, b = pair
    a.target = f"http://127.0.0.1:{b.port}/version"
    c = Client(f"http://127.0.0.1:{a.port}/go", **creds)
    assert c.http.request("GET", "") == {"version": "0.9.0"}
    assert a.seen[0][1] is not None, "the server asked for got them"
    assert b.seen == [("/version", None)]


def test_a_redirect_to_another_host_does_not_get_the_credentials(pair):
    a, b = pair
    a.target = f"http://localhost:{b.port}/version"
    Client(f"http://127.0.0.1:{a.port}/go", auth=("alice", "s3cret")).http.request("GET", "")
    assert b.seen == [("/version", None)]


def test_a_redirect_on_the_same_server_keeps_them(pair):
    a, _ = pair
    a.target = f"http://127.0.0.1:{a.port}/version"
    Client(f"http://127.0.0.1:{a.port}/go", token="t0k").http.request("GET", "")
    assert a.seen == [("/go", "Bearer t0k"), ("/version", "Bearer t0k")]


def test_explicit_authorization_headers_are_dropped_too(pair):
    a, b = pair
    a.target = f"http://127.0.0.1:{b.port}/version"
    Client(f"http://127.0.0.1:{a.port}/go", headers={"authorization": "Negotiate abc"}).http.request("GET", "")
    assert a.seen[0][1] == "Negotiate abc"
    assert b.seen == [("/version", None)]
