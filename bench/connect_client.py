"""Spark Connect's side of bench/sql.ts, run with .venv-connect's Python (pyspark-client).

usage: connect_client.py URL MODE N [WARMUP STEADY_AFTER]
  latency: N times each `spark.sql("select 1").collect()` and the 10,000-row query's collect(),
           interleaved, after WARMUP of each (20); then again after STEADY_AFTER more (400);
           prints {"early": {"select1_ms": [...], "rows10k_ms": [...]}, "steady": {...}}.
  loop:    `spark.sql("select 1").collect()` for N seconds; prints {"queries": count}.
One client (one Connect session) per process: bench/sql.ts starts eight for the concurrent figure.
"""

import json
import sys
import time
from typing import Optional

from pyspark.sql import SparkSession

ROWS_10K = "SELECT id, CAST(id AS STRING) AS s, id * 1.5 AS d FROM range(10000)"


def main() -> None:
    url, mode, n = sys.argv[1], sys.argv[2], float(sys.argv[3])
    warmup, steady_after = (int(a) for a in (sys.argv[4:6] if len(sys.argv) > 5 else (20, 400)))
    spark = SparkSession.builder.remote(url).getOrCreate()

    def both(count: int, into: Optional[dict] = None) -> None:
        for _ in range(count):
            t0 = time.perf_counter()
            rows = spark.sql("select 1").collect()
            a = (time.perf_counter() - t0) * 1000
            assert rows[0][0] == 1
            t0 = time.perf_counter()
            rows = spark.sql(ROWS_10K).collect()
            b = (time.perf_counter() - t0) * 1000
            assert len(rows) == 10000
            if into is not None:
                into["select1_ms"].append(a)
                into["rows10k_ms"].append(b)

    both(warmup)
    if mode == "latency":
        out = {"early": {"select1_ms": [], "rows10k_ms": []}, "steady": {"select1_ms": [], "rows10k_ms": []}}
        both(int(n), out["early"])
        both(steady_after)
        both(int(n), out["steady"])
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
