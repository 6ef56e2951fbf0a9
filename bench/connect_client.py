"""Spark Connect's side of bench/sql.ts, run with .venv-connect's Python (pyspark-client).

usage: connect_client.py URL MODE N
  latency: N times each `spark.sql("select 1").collect()` and the 10,000-row query's collect(),
           interleaved, after a warm-up; prints {"select1_ms": [...], "rows10k_ms": [...]}.
  loop:    `spark.sql("select 1").collect()` for N seconds; prints {"queries": count}.
One client (one Connect session) per process: bench/sql.ts starts eight for the concurrent figure.
"""

import json
import sys
import time

from pyspark.sql import SparkSession

ROWS_10K = "SELECT id, CAST(id AS STRING) AS s, id * 1.5 AS d FROM range(10000)"


def main() -> None:
    url, mode, n = sys.argv[1], sys.argv[2], float(sys.argv[3])
    spark = SparkSession.builder.remote(url).getOrCreate()
    for _ in range(20):
        spark.sql("select 1").collect()
        assert len(spark.sql(ROWS_10K).collect()) == 10000
    if mode == "latency":
        out = {"select1_ms": [], "rows10k_ms": []}
        for _ in range(int(n)):
            t0 = time.perf_counter()
            rows = spark.sql("select 1").collect()
            out["select1_ms"].append((time.perf_counter() - t0) * 1000)
            assert rows[0][0] == 1
            t0 = time.perf_counter()
            rows = spark.sql(ROWS_10K).collect()
            out["rows10k_ms"].append((time.perf_counter() - t0) * 1000)
            assert len(rows) == 10000
    else:
        print("ready", flush=True)
        sys.stdin.readline()  # every client starts together
        count = 0
        end = time.perf_counter() + n
        while time.perf_counter() < end:
            spark.sql("select 1").collect()
            count += 1
        out = {"queries": count}
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
