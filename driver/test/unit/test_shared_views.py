"""Shared maps' SQL views are rebuilt when something reads them, not when the map changes.

The bug: after one PUT to a 100,000-key map, the next statement took about a second, whatever
it did, because every changed map's view was rebuilt before each statement.
"""

import time

from sparkport_driver.shared import SharedStore
from sparkport_driver.shared_views import names


class FakeFrame:
    def __init__(self, spark, rows):
        self.spark = spark
        self.rows = rows

    def createOrReplaceTempView(self, name):
        self.spark.views[name] = self.rows
        self.spark.builds.append(name)


class FakeCatalog:
    def __init__(self, spark):
        self.spark = spark

    def dropTempView(self, name):
        self.spark.views.pop(name, None)


class FakeSpark:
    """Just what the views use: createDataFrame, temp views, sql() and table()."""

    def __init__(self):
        self.views = {}
        self.builds = []
        self.queries = []
        self.catalog = FakeCatalog(self)

    def createDataFrame(self, rows, schema):
        assert schema == "key string, value string"
        return FakeFrame(self, list(rows))

    def sql(self, sqlQuery, args=None, **kwargs):
        """Run a query."""
        self.queries.append(sqlQuery)
        return ("rows of", sqlQuery)

    def table(self, tableName):
        self.queries.append(tableName)
        return ("table", tableName)


def store():
    spark = FakeSpark()
    shared = SharedStore(spark)
    shared.watch_reads(spark)
    return spark, shared


def test_a_change_rebuilds_nothing_until_a_read_names_the_map():
    spark, shared = store()
    shared.handle({"type": "shared_put", "name": "big", "entries": {f"k{i}": i for i in range(100_000)}})
    started = time.monotonic()
    assert shared.refresh_views_named_in("select 1 + 1") == []
    assert time.monotonic() - started < 0.05 and spark.builds == []
    assert shared.refresh_views_named_in("SELECT count(*) FROM Big") == ["big"]  # SQL names ignore case
    assert len(spark.views["big"]) == 100_000
    assert shared.refresh_views_named_in("select * from big") == []  # fresh: not again


def test_only_whole_names_count():
    assert names("select * from states s", "states")
    assert names("SELECT * FROM `states`", "states")
    assert not names("select * from states2", "states")
    assert not names("select * from my_states", "states")
    assert not names("select * from statesman", "states")


def test_a_changed_map_is_rebuilt_on_its_next_read_with_the_new_data():
    spark, shared = store()
    shared["m"]["a"] = 1
    shared.refresh_views_named_in("from m")
    shared["m"]["b"] = {"x": [1, 2]}
    assert spark.builds == ["m"]  # the write itself rebuilt nothing
    assert sorted(spark.views["m"]) == [("a", "1")]  # stale until read
    shared.refresh_views_named_in("select value from m where key = 'b'")
    assert sorted(spark.views["m"]) == [("a", "1"), ("b", '{"x": [1, 2]}')]
    del shared["m"]["a"]
    shared.refresh_views_named_in("from m")
    assert spark.views["m"] == [("b", '{"x": [1, 2]}')]
    assert spark.builds == ["m", "m", "m"]


def test_spark_sql_and_table_refresh_what_they_name_first():
    spark, shared = store()
    shared["states"]["ak"] = "Alaska"
    shared["other"]["x"] = 1
    assert spark.sql("select * from states") == ("rows of", "select * from states")
    assert spark.builds == ["states"] and spark.queries == ["select * from states"]
    shared["states"]["hi"] = "Hawaii"
    assert spark.table("states") == ("table", "states")
    assert spark.builds == ["states", "states"]
    assert spark.sql.__doc__ == "Run a query." and spark.sql.__name__ == "sql"
    spark.sql("select 1", args={"a": 1})  # arguments pass through
    assert "other" not in spark.views
    shared.watch_reads(spark)  # watching twice wraps once
    spark.sql("select * from other")
    assert spark.builds == ["states", "states", "other"]


def test_a_dropped_map_made_anew_is_not_mistaken_for_the_old_one():
    spark, shared = store()
    shared["m"]["a"] = 1
    shared.refresh_views_named_in("from m")
    assert shared.drop("m") and "m" not in spark.views
    shared["m"]["z"] = 26  # a new map: its version is back to 1, as the old one's was
    assert shared.refresh_views_named_in("from m") == ["m"]
    assert spark.views["m"] == [("z", "26")]


def test_without_spark_nothing_is_built():
    shared = SharedStore()
    shared["m"]["a"] = 1
    assert shared.refresh_views_named_in("select * from m") == []


def test_a_failed_rebuild_still_runs_the_query():
    spark, shared = store()

    def broken(rows, schema):
        raise RuntimeError("py4j is gone")

    spark.createDataFrame = broken
    shared["m"]["a"] = 1
    assert spark.sql("select * from m") == ("rows of", "select * from m")
