"""Statement progress: completed over total tasks of the running statement's Spark jobs.

Polled from a thread of its own: PySpark pins each Python thread to its own JVM thread,
and the status tracker is asked only from this one.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Callable, Optional

from . import protocol
from .helper_jar import helper_class

log = logging.getLogger("sparkport.driver")

PROGRESS_INTERVAL = 0.2
_UNSET = object()


class _Watch:
    __slots__ = ("re", "group", "statement_id", "last")

    def __init__(self, re: int, group: str, statement_id: Optional[int]):
        self.re = re
        self.group = group
        self.statement_id = statement_id
        self.last: Optional[float] = None


class ProgressReporter:
    """Polls the status tracker for the running statement's job group.

    Idle between statements (no py4j traffic at all), and the first poll comes
    only after PROGRESS_INTERVAL, so quick statements never pay for it.
    """

    def __init__(self, sc: Any, send: Callable[[dict], Any], interval: float = PROGRESS_INTERVAL):
        self._sc = sc
        self._send = send
        self._interval = interval
        self._cond = threading.Condition()
        self._watch: Optional[_Watch] = None
        self._stopped = False
        self._tracker = None
        self._of: Any = _UNSET
        self._thread = threading.Thread(target=self._loop, name="sparkport-progress", daemon=True)
        self._thread.start()

    def begin(self, re: int, group: str, statement_id: Optional[int] = None) -> None:
        with self._cond:
            self._watch = _Watch(re, group, statement_id)
            self._cond.notify()

    def end(self) -> None:
        """After this returns no progress event for the ended statement is sent."""
        with self._cond:
            self._watch = None
            self._cond.notify()

    def close(self) -> None:
        with self._cond:
            self._stopped = True
            self._watch = None
            self._cond.notify()

    def _loop(self) -> None:
        while True:
            with self._cond:
                while self._watch is None and not self._stopped:
                    self._cond.wait()
                if self._stopped:
                    return
                watch = self._watch
                self._cond.wait(self._interval)
                if self._watch is not watch:
                    continue
            try:
                value = self._poll(watch.group)
            except Exception:
                log.debug("progress poll failed", exc_info=True)
                value = None
            # Send under the lock that end() takes: an event is either sent before
            # end() returns (so before the reply) or not at all.
            with self._cond:
                if self._watch is watch and value is not None and value != watch.last:
                    watch.last = value
                    self._send(protocol.progress_event(watch.re, value, watch.statement_id))

    def _poll(self, group: str) -> Optional[float]:
        if self._of is _UNSET:
            self._of = self._jvm_poll()
        if self._of is not None:  # one py4j call, however many jobs the statement has run
            from py4j.protocol import Py4JError, Py4JNetworkError

            try:
                value = self._of(group)
            except Py4JNetworkError:
                raise
            except Py4JError:  # a helper jar that is not the one this driver expects
                log.info("progress is polled from Python: the helper jar's poll failed", exc_info=True)
                self._of = None
                return self._poll_here(group)
            return None if value < 0 else round(value, 4)
        return self._poll_here(group)

    def _jvm_poll(self) -> Optional[Callable[[str], float]]:
        try:
            helper = helper_class(self._sc, "sparkport.Progress")
            if helper is None:
                return None
            of, jsc = helper.of, self._sc._jsc.sc()  # looked up once: each lookup is a py4j call
            return lambda group: of(jsc, group)
        except Exception:
            log.info("progress is polled from Python: the helper jar's is not reachable", exc_info=True)
            return None

    def _poll_here(self, group: str) -> Optional[float]:
        """The same from Python, a few py4j calls per job, when the helper jar is not loaded."""
        if self._tracker is None:
            self._tracker = self._sc.statusTracker()
        tracker = self._tracker
        job_ids = tracker.getJobIdsForGroup(group)
        if not job_ids:
            return None
        total = done = 0
        for job_id in job_ids:
            job = tracker.getJobInfo(job_id)
            if job is None:
                continue
            for stage_id in job.stageIds:
                stage = tracker.getStageInfo(stage_id)
                if stage is None:
                    continue
                total += stage.numTasks
                done += stage.numCompletedTasks
        if total == 0:
            return None
        return round(done / total, 4)
