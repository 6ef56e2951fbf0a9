"""A DataFrame's first rows as JSON, converted in the JVM (sparkport.SqlJson in the helper jar).

One py4j call takes the rows and writes their JSON, with no Python object per row or cell, in
the very format outputs.to_json gives. None means "not here": the helper jar is not loaded (or
is not one this Spark can run), or the rows hold a type only Python converts (intervals,
user-defined types, ...); the caller then converts in Python as before. A date Python's
datetime cannot hold raises outputs.ConversionError, as Python's own conversion fails.
"""

from __future__ import annotations

import datetime
import json
import logging
import os
import time
from typing import Any, Optional

from . import outputs, protocol, py4j_link
from .helper_jar import helper_class

log = logging.getLogger("sparkport.driver")

_looked_up = False
_helper_class: Any = None
# Whether the JVM's local times are Python's, and Python's zone when that was found.
_local_times: Optional[tuple[tuple, bool]] = None

# Instants at which the JVM's local time must be Python's: epoch, before 1900, summer and
# winter of a recent year, and a far future one.
_PROBES_S = (0, -2240524800, 1719835200, 1704110400, 4102444800)


def _helper(df: Any) -> Any:
    global _looked_up, _helper_class
    py4j_link.no_delay(df.sparkSession)  # rows come back as one big py4j answer
    if not _looked_up:  # one py4j lookup per driver, not per statement
        _helper_class = helper_class(df.sparkSession, "sparkport.SqlJson")
        _looked_up = True
    return _helper_class


def _off(why: str) -> None:
    global _helper_class
    log.warning("rows are converted in Python from now on: %s", why)
    _helper_class = None


def _python_zone() -> tuple:
    """What Python's local time depends on: session code may move it (TZ and time.tzset())."""
    return (os.environ.get("TZ"), time.tzname, time.timezone, time.altzone)


def local_times_agree(helper: Any) -> bool:
    """Whether the JVM writes timestamps as PySpark's own conversion does (its time zone, e.g.
    a -Duser.timezone, can differ from this process's); checked again when Python's zone moves,
    and when the helper says the JVM's has (ZONE_MOVED)."""
    global _local_times
    zone = _python_zone()
    if _local_times is None or _local_times[0] != zone:
        agree = all(
            helper.localTime(s * 1_000_000) == datetime.datetime.fromtimestamp(s).isoformat() for s in _PROBES_S
        )
        _local_times = (zone, agree)
        if not agree:
            log.info("the JVM's time zone is not Python's: timestamp columns are converted in Python")
    return _local_times[1]


# The helper's answer instead of rows with local times when the JVM's zone is not the one
# compared with (session code may move it): compare again.
ZONE_MOVED = "Z"


def _call(df: Any, method: str, *args: Any) -> Optional[str]:
    """The helper's answer; None when it cannot answer here. Spark's errors (the query's) are raised."""
    from py4j.protocol import Py4JError, Py4JJavaError, Py4JNetworkError

    helper = _helper(df)
    if helper is None:
        return None
    global _local_times
    try:
        answer = getattr(helper, method)(df._jdf, *args, local_times_agree(helper))
        if answer == ZONE_MOVED:
            _local_times = None
            answer = getattr(helper, method)(df._jdf, *args, local_times_agree(helper))
        return None if answer == ZONE_MOVED else answer
    except Py4JNetworkError:
        raise
    except Py4JJavaError as e:
        from py4j.java_gateway import is_instance_of

        gateway = df.sparkSession.sparkContext._gateway
        java = e.java_exception
        if is_instance_of(gateway, java, "sparkport.OutsidePython"):
            raise outputs.ConversionError(java.getMessage()) from None
        # A helper built for another Spark (a method or class that moved) is not the query's
        # fault: only a linkage error thrown in the helper's own code says so. One from the
        # user's code (a UDF, a connector) is the statement's error, as on Python's path.
        if is_instance_of(gateway, java, "java.lang.LinkageError") and _thrown_in_helper(java):
            _off(f"the helper jar does not fit this Spark: {java}")
            return None
        raise
    except Py4JError as e:  # e.g. a method py4j cannot find: the jar is not the one this driver expects
        _off(str(e))
        return None


def _thrown_in_helper(java_exception: Any) -> bool:
    frames = java_exception.getStackTrace()
    return len(frames) > 0 and str(frames[0].getClassName()).startswith("sparkport.")


def rows(df: Any, limit: int, as_objects: bool) -> Optional[tuple[list, bool]]:
    """(rows, truncated): rows as arrays of values, or objects by field name (%json)."""
    text = _call(df, "rows", limit, as_objects)
    if text is None:
        return None
    truncated, data = json.loads(text)
    return data, truncated


def sql_result(df: Any, limit: int) -> Optional[tuple[protocol.RawJson, bool]]:
    """(`{"schema": …, "data": […]}` as JSON text, truncated) of a `kind: sql` statement.

    The text goes to the server as it is: parsing it here only to write it again cost more
    than the query for big results.
    """
    text = _call(df, "sql", limit)
    if text is None:
        return None
    return protocol.RawJson(text[1:]), text[0] == "T"
