"""Batches (`/batches`): one spark-submit run of a Python file or a jar, no statements."""

from __future__ import annotations

import time
from typing import Iterator, Optional

from .errors import CLIENT_TIMEOUT, CLIENT_TIMEOUT_STATUS, SparkportError
from .http import Http, quote
from .spec import BATCH_FINISHED


def split_livy_log(log: list) -> tuple:
    """Livy's log layout ("stdout: ", lines, "\\nstderr: ", lines) → (stdout lines, stderr lines)."""
    start = 1 if log[:1] == ["stdout: "] else 0
    if "\nstderr: " in log:
        mark = log.index("\nstderr: ")
        return log[start:mark], log[mark + 1:]
    return log[start:], []


class BatchesApi:
    http: Http

    def batches(self, from_: Optional[int] = None, size: Optional[int] = None) -> list:
        return self.http.request("GET", "/batches", params={"from": from_, "size": size})["sessions"]

    def create_batch(self, file: str, **fields) -> dict:
        """`create_batch("/data/jobs/etl.py", args=["2024-01-01"], conf={...})`; fields as Livy's
        CreateBatchRequest (className, args, name, jars, pyFiles, files, archives, driverMemory, …)."""
        return self.http.request("POST", "/batches", {"file": file, **fields})

    def get_batch(self, batch) -> dict:
        return self.http.request("GET", f"/batches/{quote(batch)}")

    def batch_state(self, batch) -> str:
        return self.http.request("GET", f"/batches/{quote(batch)}/state")["state"]

    def batch_log(self, batch, from_: Optional[int] = None, size: Optional[int] = None) -> dict:
        return self.http.request("GET", f"/batches/{quote(batch)}/log", params={"from": from_, "size": size})

    def delete_batch(self, batch) -> None:
        self.http.request("DELETE", f"/batches/{quote(batch)}")

    def wait_for_batch(self, batch, timeout: float = 3600.0, interval: float = 0.5) -> dict:
        """Polls until the batch has ended (success, dead or killed) and returns it."""
        end = time.monotonic() + timeout
        while True:
            b = self.get_batch(batch)
            if b["state"] in BATCH_FINISHED:
                return b
            if time.monotonic() > end:
                message = f"batch {b['id']} still {b['state']} after {timeout} s"
                raise SparkportError(CLIENT_TIMEOUT_STATUS, CLIENT_TIMEOUT, message)
            time.sleep(interval)

    def follow_batch_log(self, batch, interval: float = 0.5) -> Iterator[str]:
        """The batch's log lines as they are written, until it ends (`tail -f`)."""
        seen = [0, 0]
        while True:
            done = self.batch_state(batch) in BATCH_FINISHED
            sections = split_livy_log(self.batch_log(batch, from_=0, size=-1)["log"])
            for i, lines in enumerate(sections):
                if len(lines) < seen[i]:  # the server's copy was replaced (stored tail after a restart)
                    seen[i] = 0
                yield from lines[seen[i]:]
                seen[i] = len(lines)
            if done:
                return
            time.sleep(interval)
