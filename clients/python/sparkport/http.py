"""The only HTTP code of the client: JSON in, JSON out, errors as exceptions. Standard library only."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Optional

from .errors import NetworkError, SparkportError


NO_BODY = object()


def quote(part: Any) -> str:
    return urllib.parse.quote(str(part), safe="")


class Http:
    def __init__(self, base_url: Optional[str] = None, headers: Optional[dict] = None, timeout: float = 330.0):
        self.base_url = (base_url or os.environ.get("SPARKPORT_URL") or "http://127.0.0.1:8998").rstrip("/")
        self.headers = dict(headers or {})
        self.timeout = timeout

    def request(self, method: str, path: str, body: Any = NO_BODY, params: Optional[dict] = None) -> Any:
        url = self.base_url + path
        if params:
            q = {k: v for k, v in params.items() if v is not None}
            if q:
                url += "?" + urllib.parse.urlencode(q)
        data = None
        headers = dict(self.headers)
        if body is not NO_BODY:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        req = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as res:
                text = res.read().decode("utf-8")
        except urllib.error.HTTPError as e:
            text = e.read().decode("utf-8", "replace")
            try:
                err = json.loads(text)
            except ValueError:
                err = {}
            if not isinstance(err, dict):
                err = {"msg": str(err)}
            raise SparkportError(e.code, err.get("code", f"HTTP_{e.code}"), err.get("msg", text or e.reason)) from None
        except (urllib.error.URLError, OSError) as e:
            raise NetworkError(f"cannot reach {self.base_url}: {e}") from None
        return json.loads(text) if text else None
