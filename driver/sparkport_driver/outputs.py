"""Converting Python and Spark values into JSON outputs, with the session's limits.

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

def _float(v: float) -> Any:
    if math.isfinite(v):
        return v
    # Like Spark's own JSON writer: non-finite numbers become strings.
    return "NaN" if math.isnan(v) else ("Infinity" if v > 0 else "-Infinity")


def _decimal(v: decimal.Decimal) -> Any:
    if not v.is_finite():
        return str(v)
    if v == v.to_integral_value():
        return int(v)
    return float(v)


def _numpy_like(value: Any) -> tuple[bool, Any]:
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
        return _float(value)
    if isinstance(value, decimal.Decimal):
        return _decimal(value)
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
    handled, plain = _numpy_like(value)
    if handled:
        return to_json(plain, depth + 1)
    raise ConversionError(f"cannot convert a value of type '{type(value).__name__}' to JSON")


def json_value(value: Any, limits: Limits) -> tuple[Any, bool]:
    """%json: (JSON value, truncated). DataFrames become row objects, RDDs lists."""
    if is_dataframe(value):
        rows, truncated = take_limited(value, limits.rows)
        return [to_json(r) for r in rows], truncated
    if is_rdd(value):
        items, truncated = take_limited(value, limits.rows)
        return [to_json(v) for v in items], truncated
    return to_json(value), False


# ---- Livy tables ---------------------------------------------------------------------------

NULL_TYPE = "NULL_TYPE"
BOOLEAN_TYPE = "BOOLEAN_TYPE"
INT_TYPE = "INT_TYPE"
DOUBLE_TYPE = "DOUBLE_TYPE"
STRING_TYPE = "STRING_TYPE"
DATE_TYPE = "DATE_TYPE"
TIMESTAMP_TYPE = "TIMESTAMP_TYPE"
DECIMAL_TYPE = "DECIMAL_TYPE"
ARRAY_TYPE = "ARRAY_TYPE"
MAP_TYPE = "MAP_TYPE"

TABLE_MIME = "application/vnd.livy.table.v1+json"


class TableTypeError(TypeError):
    pass


def cell(value: Any) -> tuple[str, Any]:
    """(Livy type name, JSON cell value) of one Python value, in fake_shell's order."""
    handled, plain = _numpy_like(value)
    if handled:
        value = plain
    if value is None:
        return NULL_TYPE, None
    if isinstance(value, bool):
        return BOOLEAN_TYPE, value
    if isinstance(value, int):
        return INT_TYPE, int(value)
    if isinstance(value, float):
        return DOUBLE_TYPE, _float(value)
    if isinstance(value, str):
        return STRING_TYPE, value
    if isinstance(value, datetime.datetime):
        return TIMESTAMP_TYPE, value.isoformat()
    if isinstance(value, datetime.date):
        return DATE_TYPE, value.isoformat()
    if isinstance(value, decimal.Decimal):
        return DECIMAL_TYPE, _decimal(value)
    if is_row(value) or isinstance(value, dict):
        return MAP_TYPE, to_json(value)
    if isinstance(value, (list, tuple)):
        return ARRAY_TYPE, to_json(value)
    try:
        return STRING_TYPE, to_json(value) if isinstance(value, (bytes, bytearray)) else str(value)
    except Exception as e:
        raise ConversionError(f"cannot convert a value of type '{type(value).__name__}' to a table cell: {e}") from None


def _header_sort_key(k: Any) -> tuple:
    # Positional columns sort numerically (0, 1, ..., 10), named ones by name; never
    # compare an int with a str (Livy's py3 fake_shell could crash on that).
    if isinstance(k, int) and not isinstance(k, bool):
        return (0, k, "")
    return (1, 0, str(k))


def _row_items(row: Any) -> list[tuple[Any, Any]]:
    if is_row(row):
        row = row.asDict(recursive=False)
    if isinstance(row, dict):
        return list(row.items())
    if isinstance(row, (list, tuple)):
        return list(enumerate(row))
    return [(0, row)]


def _merge_type(headers: dict, key: Any, col_type: str) -> None:
    known = headers.get(key)
    if known is None or known == NULL_TYPE:
        headers[key] = col_type
    elif col_type != NULL_TYPE and col_type != known:
        raise TableTypeError("table rows have different types")


def table_from_rows(rows: list) -> dict:
    """Livy's table from Python rows (lists/tuples, dicts, Rows or scalars).

    Unlike fake_shell, rows with missing keys get null cells instead of shifting
    the other columns left.
    """
    headers: dict = {}
    cells: list[dict] = []
    for row in rows:
        values = {}
        for key, value in _row_items(row):
            col_type, v = cell(value)
            _merge_type(headers, key, col_type)
            values[key] = v
        cells.append(values)
    keys = sorted(headers, key=_header_sort_key)
    return {
        "headers": [{"name": str(k), "type": headers[k]} for k in keys],
        "data": [[values.get(k) for k in keys] for values in cells],
    }


def spark_type_name(data_type: Any) -> str:
    """Livy's Python type name for a Spark SQL DataType."""
    name = type(data_type).__name__
    return {
        "NullType": NULL_TYPE,
        "BooleanType": BOOLEAN_TYPE,
        "ByteType": INT_TYPE,
        "ShortType": INT_TYPE,
        "IntegerType": INT_TYPE,
        "LongType": INT_TYPE,
        "FloatType": DOUBLE_TYPE,
        "DoubleType": DOUBLE_TYPE,
        "StringType": STRING_TYPE,
        "CharType": STRING_TYPE,
        "VarcharType": STRING_TYPE,
        "DateType": DATE_TYPE,
        "TimestampType": TIMESTAMP_TYPE,
        "TimestampNTZType": TIMESTAMP_TYPE,
        "DecimalType": DECIMAL_TYPE,
        "ArrayType": ARRAY_TYPE,
        "MapType": MAP_TYPE,
        "StructType": MAP_TYPE,
    }.get(name, STRING_TYPE)


def table_from_dataframe(df: Any, limits: Limits) -> tuple[dict, bool]:
    fields = df.schema.fields
    rows, truncated = take_limited(df, limits.rows)
    types = [spark_type_name(f.dataType) for f in fields]
    data = []
    for row in rows:
        out = []
        for value in row:
            out.append(cell(value)[1])
        data.append(out)
    headers = [{"name": f.name, "type": t} for f, t in zip(fields, types)]
    return {"headers": headers, "data": data}, truncated


def table_value(value: Any, limits: Limits) -> tuple[dict, bool]:
    """%table: (table, truncated)."""
    if is_dataframe(value):
        return table_from_dataframe(value, limits)
    truncated = False
    if is_rdd(value):
        value, truncated = take_limited(value, limits.rows)
    elif not isinstance(value, (list, tuple)) or is_row(value):
        value = [value]
    return table_from_rows(list(value)), truncated


def sql_rows(rows: list) -> list[list]:
    """SQL output rows: arrays of column values; nested structs as objects."""
    return [[to_json(v) for v in row] for row in rows]
