"""The JVM's conversion of rows (sparkport.SqlJson, the helper jar) against Python's.

`kind: sql`, `%json` and `%table` of a DataFrame convert rows in the JVM when the schema
allows; clients must see the very JSON the Python conversion gives. Each query here runs
both ways on one real Spark, in this process, with the jar scripts/setup.mjs builds.
"""

from __future__ import annotations

import datetime
import json
import os
import time
from zoneinfo import ZoneInfo

import pytest

from sparkport_driver import jvm_rows, outputs, protocol, sqlrun, tables
from sparkport_driver.interrupts import InterruptGate

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
    "select * from range(100) limit 5",
    "select * from range(0, 100, 1, 4) limit 3",
    "select * from range(0, 100, 1, 4) limit 0",
    "select id from range(10) order by id desc limit 4",
    "select * from range(20) limit 5 offset 2",
    "select id, id % 3 k from range(0, 40, 1, 5)",
    "select * from range(0, 40, 1, 5) where id % 7 = 1",
    "select id % 3 k, count(*) c from range(0, 30, 1, 3) group by id % 3 order by k",
    "select count(*) n from range(100)",
]


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


def test_schema_json_is_pysparks_byte_for_byte(spark):
    df = spark.sql("select named_struct('b', 1, 'a', array(cast(1 as decimal(3,1)))) s, 'x' as c")
    raw, _ = jvm_rows.sql_result(df, 10)
    assert raw.text.startswith('{"schema":' + df.schema.json() + ',"data":')


def test_schema_keys_in_code_point_order_as_python_sorts_them(spark):
    from pyspark.sql.functions import col

    df = spark.range(1).select(col("id").alias("id", metadata={"z": 1, "é": 2, "😀": 3, "！": 4}))
    raw, _ = jvm_rows.sql_result(df, 10)
    ours = json.loads(raw.text)["schema"]["fields"][0]["metadata"]
    assert list(ours) == list(json.loads(df.schema.json())["fields"][0]["metadata"]) == ["z", "é", "！", "😀"]


def test_dataframe_limits_below_the_output_limit_count(spark):
    assert jvm_rows.rows(spark.range(50).limit(3), 1000, as_objects=True) == ([{"id": 0}, {"id": 1}, {"id": 2}], False)
    assert jvm_rows.rows(spark.range(50).limit(3), 2, as_objects=False) == ([[0], [1]], True)


def test_types_python_converts_take_the_python_path(spark):
    nested = "array(" * 100 + "1" + ")" * 100
    for code in ("select interval 1 day i", "select array(interval 1 day) a", "select map(1.5D, 1) m", f"select {nested} a"):
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
    spark.sparkContext._jsc.sc().listenerBus().waitUntilEmpty()
    assert len(tracker.getJobIdsForGroup("sparkport-constants")) == 1


def test_every_partition_of_a_result_no_bigger_than_the_limit_in_one_job(spark):
    tracker = spark.sparkContext.statusTracker()
    spark.sparkContext.setJobGroup("sparkport-one-job", "one job")
    try:
        raw, truncated = jvm_rows.sql_result(spark.sql("select id from range(0, 40, 1, 8)"), 1000)
    finally:
        spark.sparkContext.setLocalProperty("spark.jobGroup.id", None)
    assert json.loads(raw.text)["data"] == [[i] for i in range(40)] and truncated is False
    spark.sparkContext._jsc.sc().listenerBus().waitUntilEmpty()
    jobs = tracker.getJobIdsForGroup("sparkport-one-job")
    assert len(jobs) == 1
    (stage,) = tracker.getJobInfo(jobs[0]).stageIds
    info = tracker.getStageInfo(stage)
    # Our job, with the JSON written in the tasks, not Spark's executeCollect.
    assert info.numTasks == 8 and info.name.startswith("runJob at SqlJson.scala"), info.name


def test_values_python_cannot_make_are_the_statements_error(spark):
    # Dates outside years 1-9999: Python's datetime cannot hold them, so Python's path failed the
    # statement; the JVM's says so itself (the query is not run a second time to fail in Python).
    for code in ("select date'0000-12-31' d", "select * from values (date'2024-01-01'), (date'+10000-01-01') t(d)",
                 "select timestamp_ntz'+10000-01-01 00:00:00' t", "select * from range(0, 40, 1, 4) cross join values (date'0000-01-01') t(d)",
                 "select date_add(date'9999-12-31', cast(id as int)) d from range(0, 5, 1, 5)"):
        with pytest.raises(outputs.ConversionError, match="outside the years Python's datetime can hold") as raised:
            jvm_rows.sql_result(spark.sql(code), 10)
        assert str(raised.value).count("outside the years") == 1, str(raised.value)
        out = sqlrun.run(spark, code, 6, outputs.Limits(), InterruptGate())
        assert out["status"] == "error" and out["ename"] == "ValueError", out
        assert "outside the years" in out["evalue"]
    assert jvm_rows.sql_result(spark.sql("select date'2024-01-01' d"), 10) is not None
    assert jvm_rows._helper_class is not None, "the path stays on"


def test_a_value_python_cannot_make_in_a_row_never_shown_is_no_error(spark):
    # Row 21 is read by the first round's second task, but the answer is rows 0 to 3 of the first
    # partition: as on Python's path, which never takes row 21, the statement succeeds.
    code = "select case when id = 21 then date'+10000-01-01' else date'2024-01-01' end d from range(0, 100, 1, 5)"
    raw, truncated = jvm_rows.sql_result(spark.sql(code), 3)
    assert (json.loads(raw.text), truncated) == python_sql(spark, code, 3)
    with pytest.raises(outputs.ConversionError, match="outside the years"):
        jvm_rows.sql_result(spark.sql(code), 30)


def test_only_linkage_errors_of_the_helper_turn_the_path_off():
    class Frame:
        def __init__(self, cls):
            self.cls = cls

        def getClassName(self):
            return self.cls

    class Java:
        def __init__(self, *frames):
            self.frames = [Frame(f) for f in frames]

        def getStackTrace(self):
            return self.frames

    assert jvm_rows._thrown_in_helper(Java("sparkport.SqlJson$", "py4j.Gateway"))
    assert not jvm_rows._thrown_in_helper(Java("boom.Config", "org.apache.spark.sql.catalyst.expressions.ScalaUDF"))
    assert not jvm_rows._thrown_in_helper(Java())


def test_timestamps_go_to_python_when_no_jvm_zone_gives_pythons_local_times(spark, monkeypatch):
    assert jvm_rows.local_zone(jvm_rows._helper(spark.range(1))) is not None
    monkeypatch.setattr(jvm_rows, "_zone", (jvm_rows._python_local_times(), None))
    assert jvm_rows.sql_result(spark.sql("select timestamp'2024-01-01 10:00:00' t"), 10) is None
    assert jvm_rows.sql_result(spark.sql("select timestamp_ntz'2024-01-01 10:00:00' t"), 10) is not None


ZONED = "select timestamp'2024-01-01 10:00:00' a, timestamp'2024-07-01 10:00:00.5' b, timestamp'1950-06-01 00:00:00' c"


def same_as_python(spark, code: str = ZONED):
    """The JVM's answer, checked against Python's conversion, for %json and %table too."""
    df = spark.sql(code)
    fast = jvm_rows.sql_result(df, 10)
    assert fast is None or (json.loads(fast[0].text), fast[1]) == python_sql(spark, code, 10)
    rows, truncated = outputs.take_limited(df, 10)
    objects = jvm_rows.rows(df, 10, as_objects=True)
    assert objects is None or objects == ([outputs.to_json(r) for r in rows], truncated)
    return fast


def another_zone() -> str:
    """A zone whose offsets (winter and summer) are not this machine's, whatever its zone is."""
    instants = (1704110400, 1719835200)
    here = [datetime.datetime.fromtimestamp(s).astimezone().utcoffset() for s in instants]
    for name in ("Asia/Tokyo", "America/New_York", "Australia/Adelaide"):
        if [datetime.datetime.fromtimestamp(s, ZoneInfo(name)).utcoffset() for s in instants] != here:
            return name
    raise AssertionError(f"every candidate zone has this machine's offsets {here}")


@pytest.fixture
def python_tz():
    """Sets TZ as session code may (with or without time.tzset()); restored after."""
    saved = os.environ.get("TZ")

    def set_tz(value: str, tzset: bool = True) -> None:
        os.environ["TZ"] = value
        if tzset:
            time.tzset()

    yield set_tz
    if saved is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = saved
    time.tzset()


def test_pythons_zone_moved_by_session_code_is_followed(spark, python_tz):
    assert same_as_python(spark) is not None, "the JVM's default zone gives Python's local times"
    python_tz(another_zone())
    assert same_as_python(spark) is not None, "the zone TZ names gives them now: the JVM writes in it"
    python_tz("XYZ-7")  # a POSIX rule, no zone id the JVM knows
    assert same_as_python(spark) is None, "no JVM zone gives Python's local times: Python converts"


def test_tz_read_again_by_the_c_library_without_tzset_is_followed(spark, python_tz):
    assert same_as_python(spark) is not None
    python_tz(another_zone(), tzset=False)
    assert same_as_python(spark) is not None
    time.mktime(time.localtime())  # as PySpark's own TimestampType.toInternal does: C reads TZ again
    assert same_as_python(spark) is not None


def test_the_jvms_default_zone_moved_by_session_code_changes_nothing(spark):
    tz = spark._jvm.java.util.TimeZone
    saved = tz.getDefault()
    assert same_as_python(spark) is not None
    try:
        tz.setDefault(tz.getTimeZone(another_zone()))  # a Scala statement may do this
        assert same_as_python(spark) is not None, "the zone found before is named in each call"
    finally:
        tz.setDefault(saved)


def test_a_helper_that_does_not_fit_turns_the_path_off(spark, monkeypatch):
    from py4j.protocol import Py4JError

    class Misfit:
        def defaultZone(self):
            return jvm_rows._helper_class.defaultZone()

        def localTime(self, micros, zone):
            return jvm_rows._helper_class.localTime(micros, zone)

        def sql(self, *args):
            raise Py4JError("Method sql([class org.apache.spark.sql.classic.Dataset, class java.lang.Integer]) does not exist")

    monkeypatch.setattr(jvm_rows, "_helper_class", Misfit())
    out = sqlrun.run(spark, "select 1 as one", 7, outputs.Limits(), InterruptGate())
    assert out["status"] == "ok" and out["data"]["application/json"]["data"] == [[1]]
    assert jvm_rows._helper_class is None, "the path stays off"
