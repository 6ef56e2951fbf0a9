"""`kind: sql` statements: spark.sql(code) rendered as Livy's {schema, data} JSON.

The rows are converted in the JVM (jvm_rows) when their types allow, else here.
"""

from __future__ import annotations

import json
from typing import Any

from . import jvm_rows, outputs, protocol, tracebacks
from .interrupts import InterruptGate

MAX_JVM_TRACE_LINES = 60


def run(spark: Any, code: str, statement_id: int, limits: outputs.Limits, gate: InterruptGate) -> dict:
    if spark is None:
        return tracebacks.simple_error(statement_id, "Error", "SQL statements need Spark, which is not running")
    gate.armed = True
    try:
        df = spark.sql(code)
        fast = jvm_rows.sql_result(df, limits.rows)
        if fast is None:
            rows, truncated = outputs.take_limited(df, limits.rows)
        gate.armed = False
    except outputs.ConversionError as e:  # a value Python cannot hold, found by the JVM
        gate.armed = False
        return tracebacks.simple_error(statement_id, "ValueError", str(e))
    except BaseException as e:
        gate.armed = False
        return error_output(statement_id, e)
    if fast is not None:
        raw, truncated = fast
        return protocol.ok_output(statement_id, {"application/json": raw}, truncated)
    try:
        data = {"schema": json.loads(df.schema.json()), "data": outputs.sql_rows(rows)}
    except outputs.ConversionError as e:
        return tracebacks.simple_error(statement_id, "ValueError", str(e))
    return protocol.ok_output(statement_id, {"application/json": data}, truncated)


def error_output(statement_id: int, e: BaseException) -> dict:
    """Spark's exception class and message; Java frames as the traceback, as Livy does.

    The Python frames would only show the driver and PySpark internals, which
    mean nothing to someone who wrote SQL.
    """
    jvm_trace = getattr(e, "_stackTrace", None)  # pyspark's CapturedException keeps the JVM trace
    if isinstance(jvm_trace, str) and jvm_trace.strip():
        lines = [line + "\n" for line in jvm_trace.splitlines()[:MAX_JVM_TRACE_LINES]]
        evalue = tracebacks.safe_str(e)
        return protocol.error_output(statement_id, type(e).__name__, evalue, lines)
    return tracebacks.error_output(statement_id, e)
