"""`configure` requests: Spark settings changed in a running session (PROTOCOL.md section 4).

The server starts warm drivers before their sessions exist; when a session takes one, it
sends the session's Spark settings that a running SparkSession can still change. Kept free
of Spark (it gets the session's `spark.conf`) so the rules can be unit-tested on their own.
"""

from __future__ import annotations

from typing import Any

from .tracebacks import safe_str

# PySpark appends the JVM's stack trace to an error's text when
# spark.sql.pyspark.jvmStacktrace.enabled is on: not something to put in a reply.
_JVM_TRACE = "\n\nJVM stacktrace:"
MAX_MESSAGE = 2000


class ConfigureError(Exception):
    """A configure the driver refuses or could not finish: answered with BAD_REQUEST."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def apply(conf: Any, settings: dict[str, str]) -> list[str]:
    """Set `settings` on `conf` (a SparkSession's RuntimeConfig); the keys set, in order.

    Every key is checked with conf.isModifiable() before anything is set: when one is not
    (a static or core setting, or a key Spark does not know), nothing is set and the error
    names every such key. Then each is set in order. A set Spark refuses (a bad value)
    stops there: the keys set before it stay set (Spark has no transaction over its conf,
    and putting the old values back could fail in turn), the message names them, and the
    failing key and those after it are left as they were.
    """
    keys = list(settings)
    fixed = [k for k in keys if not conf.isModifiable(k)]
    if fixed:
        raise ConfigureError(f"not settable in a running session: {', '.join(fixed)} (they need a new driver)")
    applied: list[str] = []
    for key in keys:
        try:
            conf.set(key, settings[key])
        except Exception as e:
            message = f"could not set {key}: {_spark_message(e)}"
            if applied:
                message += f" (set before it, and left set: {', '.join(applied)})"
            raise ConfigureError(message) from None
        applied.append(key)
    return applied


def _spark_message(e: Exception) -> str:
    text = safe_str(e).split(_JVM_TRACE, 1)[0].strip() or type(e).__name__
    if len(text) > MAX_MESSAGE:
        text = text[: MAX_MESSAGE - 3] + "..."
    return text
