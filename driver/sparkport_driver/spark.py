"""Spark side of the driver: start-up, why start-up failed, job groups, the JVM's health.

Threads and py4j: PySpark pins each Python thread to its own JVM thread, and
job groups are JVM thread-locals. So the job group is set on the main thread
(where statements run), progress is polled only from the progress thread
(progress.py), and cancelling uses a short-lived thread of its own (cancelling.py).
"""

from __future__ import annotations

import logging
import os
import re
import shlex
import sys
import threading
import time
from typing import Any, Callable, Optional

from . import py4j_link

log = logging.getLogger("sparkport.driver")


def group_name(statement_id: int) -> str:
    return f"sparkport-stmt-{statement_id}"


def _description(statement_id: int, code: str) -> str:
    first = code.strip().splitlines()[0] if code.strip() else ""
    if len(first) > 80:
        first = first[:77] + "..."
    return f"statement {statement_id}: {first}"


class _Py4jLogging:
    """Stands in for the `logging` module inside py4j.java_gateway.

    py4j logs a KeyboardInterrupt (every cancelled Spark action) through the
    module-level logging.exception(), which calls logging.basicConfig() on the
    root logger. That would bind the root logger to whatever sys.stderr is at
    that moment, a statement's capture, and print py4j's traceback into the
    user's output. Routed to the "py4j" logger, it lands in the driver's log.
    """

    def __init__(self) -> None:
        self._logger = logging.getLogger("py4j.java_gateway")

    def __getattr__(self, name: str) -> Any:
        return getattr(logging, name)

    def debug(self, *a: Any, **k: Any) -> None:
        self._logger.debug(*a, **k)

    def info(self, *a: Any, **k: Any) -> None:
        self._logger.info(*a, **k)

    def warning(self, *a: Any, **k: Any) -> None:
        self._logger.warning(*a, **k)

    def error(self, *a: Any, **k: Any) -> None:
        self._logger.error(*a, **k)

    def exception(self, *a: Any, **k: Any) -> None:
        if isinstance(sys.exc_info()[1], KeyboardInterrupt):
            # Every cancel that interrupts a py4j call lands here: routine, not an error.
            self._logger.info(*a)
            return
        self._logger.exception(*a, **k)


def route_py4j_logging() -> None:
    try:
        import py4j.java_gateway as jg

        jg.logging = _Py4jLogging()
    except Exception:  # never worth failing start-up over
        log.debug("could not reroute py4j logging", exc_info=True)


def _quiet_query_context_loggers() -> None:
    """Silence PySpark's query-context loggers.

    Every AnalysisException logs a JSON copy of itself, Java stack included (tens
    of KB), through them, to a StreamHandler bound to whatever sys.stderr was when
    the logger was first used: inside a statement that is the statement's capture,
    so the copy would land in user output next to the error output it duplicates.
    Created here, at start-up, they at least point at the driver's own stderr;
    the level keeps them from flooding the driver log with the same copies.
    """
    try:
        from pyspark.logger import PySparkLogger

        for name in ("SQLQueryContextLogger", "DataFrameQueryContextLogger"):
            PySparkLogger.getLogger(name).setLevel(logging.CRITICAL)
    except Exception:
        log.debug("could not set up PySpark's query-context loggers", exc_info=True)


class SparkRuntime:
    def __init__(self, session: Any):
        self.spark = session
        self.sc = session.sparkContext

    @classmethod
    def start(cls) -> "SparkRuntime":
        """Create the SparkSession. Must run on the main thread: PySpark installs
        its SIGINT handler only there.

        Client mode: PySpark launches the JVM, whose options come from
        PYSPARK_SUBMIT_ARGS, set by the server. Cluster deploy mode: spark-submit's
        PythonRunner has started the JVM already and set PYSPARK_GATEWAY_PORT, and
        getOrCreate() attaches to it; the options are the JVM's own (spark-submit's),
        so nothing here may rely on PYSPARK_SUBMIT_ARGS or set conf on the builder
        (a running JVM takes no new launch options). The JVM is then not this
        process's child: watch_jvm and jvm_exit_code have nothing to watch, and when it
        dies the container goes with it."""
        route_py4j_logging()
        from pyspark.sql import SparkSession

        runtime = cls(SparkSession.builder.getOrCreate())
        _quiet_query_context_loggers()
        py4j_link.no_delay(runtime.spark)
        return runtime

    def info(self) -> dict:
        sc = self.sc
        return {
            "app_id": sc.applicationId,
            "spark_ui_url": sc.uiWebUrl,
            "spark_version": sc.version,
            "master": sc.master,
        }

    def set_job_group(self, statement_id: int, code: str) -> str:
        group = group_name(statement_id)
        # The one py4j call on a statement's hot path (~0.1 ms).
        self.sc.setJobGroup(group, _description(statement_id, code), interruptOnCancel=True)
        return group

    def cancel_group(self, group: str) -> None:
        self.sc.cancelJobGroup(group)

    def watch_jvm(self, on_exit: Callable[[int], None], interval: float = 1.0) -> None:
        """Call on_exit(code) if the JVM that PySpark launched dies (OOM killer, crash).

        Without this the driver would sit idle with a dead Spark and every statement
        would fail with py4j errors; exiting lets the server mark the session dead.
        Polls the child process only: no py4j traffic.
        """
        proc = getattr(getattr(self.sc, "_gateway", None), "proc", None)
        if proc is None:  # the JVM is not our child (e.g. launched by spark-submit)
            return

        def loop() -> None:
            while True:
                code = proc.poll()
                if code is not None:
                    on_exit(code)
                    return
                time.sleep(interval)

        threading.Thread(target=loop, name="sparkport-jvm-watch", daemon=True).start()

    def jvm_exit_code(self, wait: float = 0.0) -> Optional[int]:
        """The JVM's exit code if it has exited (waiting up to `wait` s for it), else None."""
        proc = getattr(getattr(self.sc, "_gateway", None), "proc", None)
        if proc is None:
            return None
        deadline = time.monotonic() + wait
        while True:
            code = proc.poll()
            if code is not None or time.monotonic() >= deadline:
                return code
            time.sleep(0.05)

    def stop(self) -> None:
        try:
            self.spark.stop()
        except Exception:
            log.warning("stopping Spark failed", exc_info=True)


# Spark refuses to start below this heap (UnifiedMemoryManager: 1.5 x 300 MiB reserved).
MIN_DRIVER_HEAP = 471859200


def _memory_bytes(text: str) -> Optional[int]:
    m = re.fullmatch(r"(\d+)([kmgt]?)b?", text.strip().lower())
    if not m:
        return None
    unit = {"k": 1 << 10, "": 1 << 20, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}[m.group(2)]
    return int(m.group(1)) * unit


def _driver_memory(submit_args: str) -> Optional[str]:
    try:
        args = shlex.split(submit_args)
    except ValueError:
        return None
    found = None
    for i, arg in enumerate(args[:-1]):
        if arg == "--driver-memory":
            found = args[i + 1]
        elif arg == "--conf" and args[i + 1].startswith("spark.driver.memory="):
            found = found or args[i + 1].split("=", 1)[1]
    return found


def startup_hint(exc: BaseException) -> Optional[str]:
    """A short reason to add to `fatal` when the JVM died before PySpark could talk to it.

    PySpark only says "Java gateway process exited"; the JVM's own words are in the
    driver's stderr, and with a tiny heap it cannot even print them.
    """
    if "JAVA_GATEWAY_EXITED" not in str(exc):
        return None  # also always in cluster deploy mode: PySpark launched no JVM there
    memory = _driver_memory(os.environ.get("PYSPARK_SUBMIT_ARGS", ""))
    size = _memory_bytes(memory) if memory else None
    if size is not None and size < MIN_DRIVER_HEAP:
        return f"driver memory {memory} is too small: Spark needs at least 450 MiB of heap, use 512m or more"
    return "the Spark JVM exited during start-up; its own output in the driver log says why"
