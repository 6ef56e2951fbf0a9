"""The only HTTP code of the client: JSON in, JSON out, errors as exceptions. Standard library only."""

from __future__ import annotations

import base64
import json
import os
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Optional, Tuple

from .errors import NetworkError, SparkportError


NO_BODY = object()


def quote(part: Any) -> str:
    return urllib.parse.quote(str(part), safe="")


def _error_from(e: urllib.error.HTTPError) -> SparkportError:
    text = e.read().decode("utf-8", "replace")
    try:
        err = json.loads(text)
    except ValueError:
        err = {}
    if not isinstance(err, dict):
        # Livy answers some errors with a bare JSON string: that string is the message.
        err = {"msg": str(err)}
    return SparkportError(e.code, err.get("code", f"HTTP_{e.code}"), err.get("msg", text or e.reason))


_DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin(url: str) -> Tuple[str, str, Optional[int]]:
    u = urllib.parse.urlsplit(url)
    scheme = u.scheme.lower()
    return scheme, (u.hostname or "").lower(), u.port or _DEFAULT_PORTS.get(scheme)


class _RedirectHandler(urllib.request.HTTPRedirectHandler):
    """Follows redirects as urllib does, but credentials go to the server they were meant for only:
    a redirect to another scheme, host or port drops the Authorization header (as browsers and
    requests do), so a 302 elsewhere cannot collect a password or token."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None and _origin(new.full_url) != _origin(req.full_url):
            for name in [k for k in new.headers if k.lower() == "authorization"]:
                del new.headers[name]
            for name in [k for k in new.unredirected_hdrs if k.lower() == "authorization"]:
                del new.unredirected_hdrs[name]
        return new


_opener = urllib.request.build_opener(_RedirectHandler)


def authorization(auth: Optional[Tuple[str, str]] = None, token: Optional[str] = None) -> Optional[str]:
    """The Authorization header for a (user, password) pair (Basic) or a token or JWT (Bearer)."""
    if auth is not None and token is not None:
        raise ValueError("give auth=(user, password) or token=..., not both")
    if token is not None:
        return f"Bearer {token}"
    if auth is not None:
        user, password = auth
        # RFC 7617: user and password as UTF-8, then base64.
        return "Basic " + base64.b64encode(f"{user}:{password}".encode("utf-8")).decode("ascii")
    return None


class Http:
    def __init__(self, base_url: Optional[str] = None, headers: Optional[dict] = None, timeout: float = 330.0,
                 auth: Optional[Tuple[str, str]] = None, token: Optional[str] = None):
        self.base_url = (base_url or os.environ.get("SPARKPORT_URL") or "http://127.0.0.1:8998").rstrip("/")
        self.headers = dict(headers or {})
        value = authorization(auth, token)
        if value is not None:
            self.headers.setdefault("Authorization", value)
        # Longer than the server's longest ?wait= (300 s), so a long poll is never cut short here.
        self.timeout = timeout

    def _url(self, path: str, params: Optional[dict]) -> str:
        url = self.base_url + path
        q = {k: v for k, v in (params or {}).items() if v is not None}
        return url + "?" + urllib.parse.urlencode(q) if q else url

    def open(self, method: str, path: str, body: Any = NO_BODY, params: Optional[dict] = None, headers: Optional[dict] = None):
        """The raw response (for streams); HTTP errors and unreachable servers raised as ours."""
        data = None
        h = dict(self.headers)
        h.update(headers or {})
        if body is not NO_BODY:
            data = json.dumps(body).encode("utf-8")
            h["Content-Type"] = "application/json"
        req = urllib.request.Request(self._url(path, params), data=data, method=method, headers=h)
        try:
            return _opener.open(req, timeout=self.timeout)
        except urllib.error.HTTPError as e:
            raise _error_from(e) from None
        except (urllib.error.URLError, OSError) as e:
            raise NetworkError(f"cannot reach {self.base_url}: {e}") from None

    def request(self, method: str, path: str, body: Any = NO_BODY, params: Optional[dict] = None) -> Any:
        with self.open(method, path, body, params) as res:
            try:
                text = res.read().decode("utf-8")
            except OSError as e:
                raise NetworkError(f"connection to {self.base_url} lost: {e}") from None
        return json.loads(text) if text else None
