"""A Spark session in the test process with the helper jar loaded (sparkport.* reachable by py4j)."""

from __future__ import annotations

import os
import pathlib

import pytest

JAR = pathlib.Path(__file__).resolve().parents[2] / "scala" / "target" / "sparkport-scala.jar"


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
