"""A DataFrame's first rows as JSON, converted in the JVM (sparkport.SqlJson in the helper jar).

One py4j call takes the rows and writes their JSON, with no Python object per row or cell, in
the very format outputs.to_json gives. None means "not here": the helper jar is not loaded, or
the schema has a type only Python converts (intervals, user-defined types, ...); the caller then
converts in Python as before.
"""

from __future__ import annotations

import json
from typing import Any, Optional

from . import protocol, py4j_link
from .helper_jar import helper_class

_looked_up = False
_helper_class: Any = None


def _helper(df: Any) -> Any:
    global _looked_up, _helper_class
    py4j_link.no_delay(df.sparkSession)  # rows come back as one big py4j answer
    if not _looked_up:  # one py4j lookup per driver, not per statement
        _helper_class = helper_class(df.sparkSession, "sparkport.SqlJson")
        _looked_up = True
    return _helper_class


def rows(df: Any, limit: int, as_objects: bool) -> Optional[tuple[list, bool]]:
    """(rows, truncated): rows as arrays of values, or objects by field name (%json)."""
    helper = _helper(df)
    text = helper.rows(df._jdf, limit, as_objects) if helper is not None else None
    if text is None:
        return None
    truncated, data = json.loads(text)
    return data, truncated


def sql_result(df: Any, limit: int) -> Optional[tuple[protocol.RawJson, bool]]:
    """(`{"schema": …, "data": […]}` as JSON text, truncated) of a `kind: sql` statement.

    The text goes to the server as it is: parsing it here only to write it again cost more
    than the query for big results.
    """
    helper = _helper(df)
    text = helper.sql(df._jdf, limit) if helper is not None else None
    if text is None:
        return None
    return protocol.RawJson(text[1:]), text[0] == "T"
