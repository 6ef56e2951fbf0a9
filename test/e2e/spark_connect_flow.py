"""A Spark Connect client (pyspark-client, from .venv-connect) on a session's Spark Connect face,
for test/e2e/29-spark-connect.test.ts, one phase per run:

  share URL          sees the view a statement made; makes a view, and a cached DataFrame
                     registered as a view, for statements to see; then stop(), as clients do
  again URL          a new client after that stop(): the endpoint and the shared session still
                     serve, with what statements made since
  wrong-token URL    the same address with another x-sparkport-token, or with none, is refused
                     (UNAUTHENTICATED)
  keep URL SECONDS   a query every 3 s for SECONDS: a session used only this way is not idle

Prints "ok: …" per step (the test logs them) and a last line of JSON with what it saw.
"""

import json
import re
import sys
import time

from pyspark.sql import SparkSession


def connect(url):
    return SparkSession.builder.remote(url).getOrCreate()


def share(url):
    spark = connect(url)
    seen = spark.table("from_statement").count()
    print(f"ok: the statement's view has {seen} rows", flush=True)
    spark.range(7).createOrReplaceTempView("from_connect")
    df = spark.range(3).selectExpr("id * 2 AS x")
    df.cache()
    df.count()
    df.createOrReplaceTempView("cached_c")
    print("ok: made from_connect and cached_c", flush=True)
    spark.stop()
    print("ok: stopped", flush=True)
    return {"from_statement": seen}


def again(url):
    spark = connect(url)
    out = {
        "from_statement_2": spark.table("from_statement_2").count(),
        "from_connect": spark.sql("SELECT count(*) AS n FROM from_connect").collect()[0].n,
        "timezone": spark.conf.get("spark.sql.session.timeZone"),
    }
    print(f"ok: after a stop, a new client still shares the session: {out}", flush=True)
    spark.stop()
    return out


def refused(url):
    # A session of its own (create, not getOrCreate, which would hand back the previous one).
    spark = SparkSession.builder.remote(url).create()
    try:
        spark.sql("SELECT 1").collect()
    except Exception as e:  # pyspark's SparkConnectGrpcException, whose text names the gRPC status
        text = f"{type(e).__name__}: {e}"
        print(f"ok: refused: {text.splitlines()[0][:200]}", flush=True)
        return {"refused": "UNAUTHENTICATED" in text, "error": text[:500]}
    finally:
        spark.stop()  # its ReleaseSession is refused too, and pyspark only warns
    return {"refused": False, "error": "served"}


def wrong_token(url):
    without = re.sub(r";x-sparkport-token=[^;]*", "", url)
    assert without != url, "no x-sparkport-token in the URL"
    return {"wrong": refused(f"{without};x-sparkport-token=not-the-token"), "missing": refused(without)}


def keep(url, seconds):
    spark = connect(url)
    start = time.monotonic()
    end = start + float(seconds)
    queries = 0
    while True:
        assert spark.sql("SELECT 1 AS one").collect()[0].one == 1
        queries += 1
        if time.monotonic() + 3 > end:
            break
        time.sleep(3)
    # From the first query's start to the last one's answer: how long the face alone kept the session.
    span = round(time.monotonic() - start, 1)
    print(f"ok: {queries} queries in {span} s", flush=True)
    spark.stop()
    return {"queries": queries, "span_s": span}


if __name__ == "__main__":
    phase, url, *rest = sys.argv[1:]
    result = {"share": share, "again": again, "wrong-token": wrong_token, "keep": keep}[phase](url, *rest)
    print(json.dumps(result), flush=True)
