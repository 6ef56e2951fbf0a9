"""The JVM's conversion of rows (sparkport.SqlJson, the helper jar) against Python's.

`kind: sql`, `%json` and `%table` of a DataFrame convert rows in the JVM when the schema
allows; clients must see the very JSON the Python conversion gives. Each query here runs
both ways on one real Spark, in this process, with the jar scripts/setup.mjs builds.
"""

from __future__ import annotations

import json
import os
import pathlib

import pytest

from sparkport_driver import jvm_rows, outputs, protocol, sqlrun, tables
from sparkport_driver.interrupts import InterruptGate

JAR = pathlib.Path(__file__).resolve().parents[2] / "scala" / "target" / "sparkport-scala.jar"

QUERIES = [
    "select 1",
    "select 1 as a, 'x' as b, null as c",
    "select * from values (1, 'a'), (2, 'b'), (3, 'c') as t(x, y)",
    "select id, cast(id as string) s, id * 1.5 d, cast(id as float) / 3 f from range(7)",
    "select cast(1.10 as decimal(10,2)) a, cast(3 as decimal(10,2)) b, cast(0 as decimal(20,10)) c, "
    "cast(12345678901234567890.123 as decimal(38,3)) e, cast(-0.000001 as decimal(12,9)) f",
    "select double('NaN') a, double('inf') b, -double('inf') c, 1e16 d, 1e-5 e, 0.1 f, float(0.1) g, -0.0 h",
    "select timestamp'2024-03-10 02:30:00' a, timestamp'2024-01-01 10:00:00.5' b, "
    "timestamp_ntz'2024-01-01 10:00:00.123456' c, date'0099-01-01' d, timestamp'1900-01-01 00:00:00' e",
    "select array(1, 2, null) a, map(5,'a',3,'b',9,'c',1,'d',7,'e',2,'f') m, "
    "named_struct('x', 1, 'y', array(named_struct('z', 'q'))) s",
    "select map('k', map(true, 1)) m, map(date'2024-01-01', 1) md, map(cast(1.5 as decimal(3,1)), 2) mdec",
    "select X'0102ff' b, cast(1 as tinyint) t, cast(2 as smallint) s, 9223372036854775807 l, "
    "cast('ab' as char(4)) c, cast('xy' as varchar(5)) v",
    "select 'a\"b\\\\c\\n\\u0001é😀' s, '' e",
    "select * from range(3) where id > 10",
    "select cast(null as int) n, cast(null as array<int>) na, cast(null as struct<a:int>) ns",
    "select named_struct('a', 1, 'a', 2) s",
    "select current_date() = current_date() same, 1 + 1 two",
]


@pytest.fixture(scope="module")
def spark():
    assert JAR.is_file(), f"{JAR} is missing: run node scripts/setup.mjs"
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .config("spark.jars", str(JAR))
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    yield session
    session.stop()


def python_sql(spark, code: str, limit: int):
    df = spark.sql(code)
    rows, truncated = outputs.take_limited(df, limit)
    return {"schema": json.loads(df.schema.json()), "data": outputs.sql_rows(rows)}, truncated


@pytest.mark.parametrize("code", QUERIES)
def test_sql_rows_are_what_python_makes(spark, code):
    for limit in (2, 1000):
        fast = jvm_rows.sql_result(spark.sql(code), limit)
        assert fast is not None, "this schema takes the JVM path"
        raw, truncated = fast
        assert (json.loads(raw.text), truncated) == python_sql(spark, code, limit)


@pytest.mark.parametrize("code", QUERIES)
def test_json_and_table_rows_are_what_python_makes(spark, code):
    df = spark.sql(code)
    rows, truncated = outputs.take_limited(df, 2)
    assert jvm_rows.rows(df, 2, as_objects=True) == ([outputs.to_json(r) for r in rows], truncated)
    assert jvm_rows.rows(df, 2, as_objects=False) == ([[tables.cell(v)[1] for v in r] for r in rows], truncated)


def test_types_python_converts_take_the_python_path(spark):
    for code in ("select interval 1 day i", "select array(interval 1 day) a", "select map(1.5D, 1) m"):
        assert jvm_rows.sql_result(spark.sql(code), 10) is None, code
    out = sqlrun.run(spark, "select interval 1 day i", 3, outputs.Limits(), InterruptGate())
    assert out["status"] == "ok", out
    assert out["data"]["application/json"]["data"] == [[86400.0]]


def test_errors_raise_as_spark_errors(spark):
    out = sqlrun.run(spark, "select 1 as a, 1/0 as b", 4, outputs.Limits(), InterruptGate())
    assert out["status"] == "error" and out["ename"] == "ArithmeticException", out
    assert "DIVIDE_BY_ZERO" in out["evalue"]


def test_sql_statement_through_the_fast_path(spark):
    out = sqlrun.run(spark, "select id, id * 2 as twice from range(5)", 5, outputs.Limits(rows=3), InterruptGate())
    # As the server gets it: the JVM's JSON inside the protocol line.
    out = json.loads(protocol.encode(protocol.reply_ok(1, {"output": out}))[:-1])["result"]["output"]
    assert out["status"] == "ok" and out["truncated"] is True
    assert out["data"]["application/json"]["data"] == [[0, 0], [1, 2], [2, 4]]
    assert [f["name"] for f in out["data"]["application/json"]["schema"]["fields"]] == ["id", "twice"]


def test_constant_queries_run_no_spark_job(spark):
    tracker = spark.sparkContext.statusTracker()
    spark.sparkContext.setJobGroup("sparkport-constants", "constants")
    try:
        assert json.loads(jvm_rows.sql_result(spark.sql("select 1 as one, 'x' as s"), 10)[0].text)["data"] == [[1, "x"]]
        assert json.loads(jvm_rows.sql_result(spark.sql("select id from range(2)"), 10)[0].text)["data"] == [[0], [1]]
    finally:
        spark.sparkContext.setLocalProperty("spark.jobGroup.id", None)
    # Only the range ran a job.
    assert len(tracker.getJobIdsForGroup("sparkport-constants")) == 1
