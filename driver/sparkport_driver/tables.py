"""Livy's table output (`%table`): headers with Livy's Python type names, and rows of cells."""

from __future__ import annotations

import datetime
import decimal
from typing import Any

from . import jvm_rows
from .outputs import (
    ConversionError,
    Limits,
    decimal_json,
    float_json,
    is_dataframe,
    is_rdd,
    is_row,
    numpy_plain,
    take_limited,
    to_json,
)

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
    handled, plain = numpy_plain(value)
    if handled:
        value = plain
    if value is None:
        return NULL_TYPE, None
    if isinstance(value, bool):
        return BOOLEAN_TYPE, value
    if isinstance(value, int):
        return INT_TYPE, int(value)
    if isinstance(value, float):
        return DOUBLE_TYPE, float_json(value)
    if isinstance(value, str):
        return STRING_TYPE, value
    if isinstance(value, datetime.datetime):
        return TIMESTAMP_TYPE, value.isoformat()
    if isinstance(value, datetime.date):
        return DATE_TYPE, value.isoformat()
    if isinstance(value, decimal.Decimal):
        return DECIMAL_TYPE, decimal_json(value)
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
    types = [spark_type_name(f.dataType) for f in fields]
    headers = [{"name": f.name, "type": t} for f, t in zip(fields, types)]
    fast = jvm_rows.rows(df, limits.rows, as_objects=False)
    if fast is not None:
        return {"headers": headers, "data": fast[0]}, fast[1]
    rows, truncated = take_limited(df, limits.rows)
    data = []
    for row in rows:
        out = []
        for value in row:
            out.append(cell(value)[1])
        data.append(out)
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
