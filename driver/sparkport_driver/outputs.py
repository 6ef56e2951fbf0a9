"""Converting Python and Spark values into JSON outputs, with the session's limits.

Livy's tables, built from the same conversions, are in tables.py.

Never imports pyspark itself: a value can only be a Spark object if pyspark is
already loaded, so the unit tests run without Spark.
"""

from __future__ import annotations

import base64
import datetime
import decimal
import math
import sys
from dataclasses import dataclass
from typing import Any, Optional

MAX_DEPTH = 100


@dataclass
class Limits:
    rows: int = 1000
    text_bytes: int = 1024 * 1024

    @classmethod
    def from_welcome(cls, limits: Optional[dict]) -> "Limits":
        out = cls()
        if isinstance(limits, dict):
            rows = limits.get("rows")
            text = limits.get("text_bytes")
            if isinstance(rows, int) and not isinstance(rows, bool) and rows >= 0:
                out.rows = rows
            if isinstance(text, int) and not isinstance(text, bool) and text >= 0:
                out.text_bytes = text
        return out


class ConversionError(ValueError):
    """A value that has no JSON form; reported to the user as ValueError."""


# ---- text ----------------------------------------------------------------------------------

def cut_text(text: str, max_bytes: int) -> tuple[str, bool]:
    """Cut text to at most max_bytes of UTF-8, never inside a character."""
    if len(text) <= max_bytes // 4:  # cheap path: cannot exceed even with 4-byte characters
        return text, False
    data = text.encode("utf-8", "surrogatepass")
    if len(data) <= max_bytes:
        return text, False
    return data[:max_bytes].decode("utf-8", "ignore"), True


# ---- Spark detection -----------------------------------------------------------------------

_SPARK_TYPES: Optional[tuple] = None


def _spark_types() -> Optional[tuple]:
    global _SPARK_TYPES
    if _SPARK_TYPES is None and "pyspark" in sys.modules:
        try:
            from pyspark.rdd import RDD
            from pyspark.sql import DataFrame, Row
        except Exception:
            return None
        _SPARK_TYPES = (DataFrame, RDD, Row)
    return _SPARK_TYPES


def is_dataframe(value: Any) -> bool:
    t = _spark_types()
    return t is not None and isinstance(value, t[0])


def is_rdd(value: Any) -> bool:
    t = _spark_types()
    return t is not None and isinstance(value, t[1])


def is_row(value: Any) -> bool:
    t = _spark_types()
    return t is not None and isinstance(value, t[2])


def take_limited(value: Any, rows: int) -> tuple[list, bool]:
    """First `rows` elements of a DataFrame or RDD; take(rows + 1) tells whether there are more."""
    got = value.take(rows + 1)
    if len(got) > rows:
        return list(got[:rows]), True
    return list(got), False


# ---- JSON ----------------------------------------------------------------------------------

def float_json(v: float) -> Any:
    if math.isfinite(v):
        return v
    # Like Spark's own JSON writer: non-finite numbers become strings.
    return "NaN" if math.isnan(v) else ("Infinity" if v > 0 else "-Infinity")


def decimal_json(v: decimal.Decimal) -> Any:
    if not v.is_finite():
        return str(v)
    if v == v.to_integral_value():
        return int(v)
    return float(v)


def numpy_plain(value: Any) -> tuple[bool, Any]:
    mod = type(value).__module__ or ""
    if mod.startswith("numpy"):
        if hasattr(value, "tolist"):
            return True, value.tolist()
    if mod.startswith("pandas") and hasattr(value, "to_dict"):
        try:
            return True, value.to_dict(orient="records")
        except TypeError:  # a Series
            return True, value.to_dict()
    return False, None


def _key(k: Any) -> str:
    if isinstance(k, str):
        return k
    if k is None:
        return "null"
    if isinstance(k, bool):
        return "true" if k else "false"
    return str(k)


def to_json(value: Any, depth: int = 0) -> Any:
    """A JSON-able copy of value; ConversionError when something has no JSON form.

    Used for %json, table cells and SQL rows alike, so every output speaks the
    same conventions: ISO dates, decimals as numbers, bytes as base64.
    """
    if depth > MAX_DEPTH:
        raise ConversionError("value is nested too deeply (or contains a cycle) to convert to JSON")
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float_json(value)
    if isinstance(value, decimal.Decimal):
        return decimal_json(value)
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if is_row(value):
        return {_key(k): to_json(v, depth + 1) for k, v in value.asDict(recursive=False).items()}
    if isinstance(value, dict):
        return {_key(k): to_json(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v, depth + 1) for v in value]
    if isinstance(value, (set, frozenset)):
        items = [to_json(v, depth + 1) for v in value]
        try:
            items.sort()
        except TypeError:
            pass
        return items
    handled, plain = numpy_plain(value)
    if handled:
        return to_json(plain, depth + 1)
    raise ConversionError(f"cannot convert a value of type '{type(value).__name__}' to JSON")


def json_value(value: Any, limits: Limits) -> tuple[Any, bool]:
    """%json: (JSON value, truncated). DataFrames become row objects, RDDs lists."""
    if is_dataframe(value):
        from . import jvm_rows

        fast = jvm_rows.rows(value, limits.rows, as_objects=True)
        if fast is not None:
            return fast
        rows, truncated = take_limited(value, limits.rows)
        return [to_json(r) for r in rows], truncated
    if is_rdd(value):
        items, truncated = take_limited(value, limits.rows)
        return [to_json(v) for v in items], truncated
    return to_json(value), False


def sql_rows(rows: list) -> list[list]:
    """SQL output rows: arrays of column values; nested structs as objects."""
    return [[to_json(v) for v in row] for row in rows]
