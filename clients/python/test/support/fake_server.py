"""A tiny in-process HTTP server for the client's HTTP tests: routes are Python functions, every
request is recorded. Real sockets, so the client's own HTTP code is what gets tested."""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class Reply:
    def __init__(self, status=200, body=None, sse=None, raw=None):
        self.status, self.body, self.sse, self.raw = status, body, sse, raw


class FakeServer:
    def __init__(self):
        self.routes = []  # (method, regex, fn(req) -> Reply | (status, body) | body)
        self.requests = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def _handle(self):
                u = urlsplit(self.path)
                n = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(n) if n else b""
                req = {
                    "method": self.command, "path": u.path, "query": {k: v[0] for k, v in parse_qs(u.query).items()},
                    "body": json.loads(raw) if raw else None, "headers": dict(self.headers),
                }
                fake.requests.append(req)
                for method, rx, fn in fake.routes:
                    m = re.fullmatch(rx, u.path)
                    if method == self.command and m:
                        req["match"] = m.groups()
                        r = fn(req)
                        break
                else:
                    r = Reply(404, {"msg": "no route", "code": "NOT_FOUND"})
                if not isinstance(r, Reply):
                    r = Reply(*r) if isinstance(r, tuple) else Reply(200, r)
                if r.sse is not None:
                    self.send_response(200)
                    self.send_header("Content-Type", "text/event-stream")
                    self.send_header("Connection", "close")
                    self.end_headers()
                    for chunk in r.sse:
                        self.wfile.write(chunk.encode())
                        self.wfile.flush()
                    self.close_connection = True
                    return
                data = r.raw.encode() if r.raw is not None else json.dumps(r.body).encode()
                self.send_response(r.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()

    def route(self, method, rx, fn):
        self.routes.append((method, rx, fn))

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def calls(self, method=None, path=None):
        return [r for r in self.requests if (method is None or r["method"] == method) and (path is None or r["path"] == path)]
