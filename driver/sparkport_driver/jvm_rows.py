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
from typing import Any, Optional

from . import outputs, protocol, py4j_link
from .helper_jar import helper_class

log = logging.getLogger("sparkport.driver")

_looked_up = False
_helper_class: Any = None
# Python's local times at the probes, and the JVM zone found to give them (None: no zone did).
_zone: Optional[tuple[tuple, Optional[str]]] = None

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


def _python_local_times() -> tuple:
    """Python's own local times at the probes: what PySpark's conversion writes, whatever moved
    the zone (TZ and time.tzset(), a C library that read TZ again), and a few microseconds."""
    return tuple(datetime.datetime.fromtimestamp(s).isoformat() for s in _PROBES_S)


def local_zone(helper: Any) -> Optional[str]:
    """A zone in which the JVM writes timestamps as PySpark's own conversion does: the JVM's
    default (a -Duser.timezone can make it another), or the one TZ names; None when neither
    gives Python's local times, and Python converts them. Looked for again whenever Python's
    local times change, and named in each call, so the JVM's default moving later changes nothing."""
    global _zone
    mine = _python_local_times()
    known = _zone
    if known is not None and known[0] == mine:
        return known[1]
    from py4j.protocol import Py4JNetworkError

    found = None
    for candidate in dict.fromkeys(filter(None, (helper.defaultZone(), os.environ.get("TZ")))):
        try:
            if all(helper.localTime(s * 1_000_000, candidate) == want for s, want in zip(_PROBES_S, mine)):
                found = candidate
                break
        except Py4JNetworkError:
            raise
        except Exception:  # a TZ the JVM does not know as a zone id (e.g. a POSIX rule)
            continue
    _zone = (mine, found)
    if found is None:
        log.info("no JVM zone gives Python's local times: timestamp columns are converted in Python")
    return found


def _call(df: Any, method: str, *args: Any) -> Optional[str]:
    """The helper's answer; None when it cannot answer here. Spark's errors (the query's) are raised."""
    from py4j.protocol import Py4JError, Py4JJavaError, Py4JNetworkError

    helper = _helper(df)
    if helper is None:
        return None
    try:
        return getattr(helper, method)(df._jdf, *args, local_zone(helper))
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
