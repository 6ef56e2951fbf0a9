"""A statement as the server returns it (a dict), with readers for its output."""

from __future__ import annotations

import base64
from typing import Any, Optional

from .spec import STATEMENT_FINISHED


class StatementError(Exception):
    """The code ran and failed: the statement's output has status "error" (not an HTTP error)."""

    def __init__(self, statement: "Statement"):
        out = statement.output or {}
        self.statement = statement
        self.ename = out.get("ename")
        self.evalue = out.get("evalue")
        self.traceback = out.get("traceback") or []
        super().__init__(f"{self.ename}: {self.evalue}")


class Statement(dict):
    """The server's statement JSON, unchanged (so it prints and serialises as JSON), plus readers."""

    id = property(lambda self: self["id"])
    state = property(lambda self: self["state"])
    code = property(lambda self: self.get("code"))
    output = property(lambda self: self.get("output"))
    progress = property(lambda self: self.get("progress"))

    @property
    def finished(self) -> bool:
        return self["state"] in STATEMENT_FINISHED

    @property
    def ok(self) -> bool:
        """Finished with an "ok" output."""
        return bool(self.output) and self.output.get("status") == "ok"

    @property
    def data(self) -> dict:
        return (self.output or {}).get("data") or {}

    @property
    def text(self) -> Optional[str]:
        return self.data.get("text/plain")

    @property
    def json(self) -> Any:
        return self.data.get("application/json")

    @property
    def table(self) -> Optional[dict]:
        """`%table` output: {"headers": [{"name", "type"}], "data": [[...]]}."""
        return self.data.get("application/vnd.livy.table.v1+json")

    @property
    def png(self) -> Optional[bytes]:
        """`%matplot` output, decoded."""
        b64 = self.data.get("image/png")
        return base64.b64decode(b64) if b64 else None

    @property
    def truncated(self) -> bool:
        return bool((self.output or {}).get("truncated"))

    def raise_for_error(self) -> "Statement":
        if self.output and self.output.get("status") == "error":
            raise StatementError(self)
        return self
