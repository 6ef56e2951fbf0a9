"""A handle on one session: run code in it, and (as a context manager) wait for it and clean up."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator, Optional

from .statement import Statement

if TYPE_CHECKING:
    from .client import Client
    from .shared import SharedRdd


class Session:
    def __init__(self, client: "Client", info: dict, owned: bool):
        self.client = client
        self.info = info
        self.id = info["id"]
        # Only a session this handle created is deleted when its `with` block ends.
        self.owned = owned

    def __repr__(self) -> str:
        return f"Session(id={self.id}, kind={self.info.get('kind')!r}, state={self.info.get('state')!r})"

    def __enter__(self) -> "Session":
        try:
            self.wait()
        except BaseException:
            if self.owned:
                self.delete()
            raise
        return self

    def __exit__(self, *exc) -> None:
        if self.owned:
            self.delete()

    @property
    def state(self) -> str:
        return self.client.session_state(self.id)

    def refresh(self) -> dict:
        self.info = self.client.get_session(self.id)
        return self.info

    def wait(self, timeout: float = 300.0) -> dict:
        self.info = self.client.wait_for_session(self.id, timeout)
        return self.info

    def run(self, code: str, kind: Optional[str] = None, timeout: Optional[float] = None, check: bool = True) -> Statement:
        """Runs code and returns the finished statement; raises `StatementError` if it failed
        (unless `check=False`)."""
        st = self.client.run(self.id, code, kind, timeout)
        return st.raise_for_error() if check else st

    def submit(self, code: str, kind: Optional[str] = None) -> Statement:
        return self.client.submit(self.id, code, kind)

    def stream(self, code: str, kind: Optional[str] = None) -> Iterator:
        return self.client.stream(self.id, code, kind)

    def statement(self, statement_id: int) -> Statement:
        return self.client.get_statement(self.id, statement_id)

    def statements(self, **paging) -> list:
        return self.client.statements(self.id, **paging)

    def cancel(self, statement_id: int) -> None:
        self.client.cancel(self.id, statement_id)

    def complete(self, code: str, kind: Optional[str] = None, cursor: Optional[int] = None) -> list:
        return self.client.complete(self.id, code, kind, cursor)

    def log(self, size: Optional[int] = None) -> list:
        return self.client.session_log(self.id, size=size)["log"]

    def shared(self, name: str) -> "SharedRdd":
        return self.client.shared(self.id, name)

    def delete(self) -> None:
        self.client.delete_session(self.id)
