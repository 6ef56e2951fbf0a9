/**
 * Jobs the cluster tests submit as batches, each reporting where its tasks ran and then running a
 * streaming query: a jar built here with javac against pyspark's jars (Where: each task's
 * executor id and working directory, which on a standalone worker is <work dir>/<app>/<executor>
 * and on YARN is in the container's directory, named by its id), a Python job doing the same,
 * and a job that sleeps, to be killed.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SPARK_HOME } from './standalone.ts';

const WHERE_JAVA = `
import java.util.*;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

public class Where {
  public static void main(String[] args) throws Exception {
    SparkSession spark = SparkSession.builder().getOrCreate();
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    List<Integer> xs = new ArrayList<>();
    for (int i = 0; i < 8; i++) xs.add(i);
    List<String> where = sc.parallelize(xs, 8)
        .map(i -> SparkEnv.get().executorId() + "@" + System.getProperty("user.dir") + "@" + System.getenv("CONTAINER_ID"))
        .distinct().collect();
    for (String w : where) System.out.println("WHERE " + w);
    System.out.println("DRIVER " + SparkEnv.get().executorId() + "@" + System.getProperty("user.dir") + "@" + System.getenv("CONTAINER_ID"));
    System.out.println("APP " + sc.sc().applicationId());
    // A streaming query too, so one job shows a streaming batch on this master.
    org.apache.spark.sql.streaming.StreamingQuery q = spark.readStream().format("rate").option("rowsPerSecond", 50).load()
        .writeStream().format("memory").queryName("ticks").start();
    long n = 0, end = System.currentTimeMillis() + 60000;
    while (n < 100 && System.currentTimeMillis() < end) {
      Thread.sleep(500);
      n = spark.sql("select count(*) from ticks").first().getLong(0);
    }
    System.out.println("STREAMED " + n + " " + q.recentProgress().length);
    q.stop();
    spark.stop();
  }
}
`;

const SLEEP_JAVA = `
public class Sleep {
  public static void main(String[] args) throws Exception {
    org.apache.spark.sql.SparkSession spark = org.apache.spark.sql.SparkSession.builder().getOrCreate();
    System.out.println("SLEEPING");
    Thread.sleep(Long.parseLong(args[0]) * 1000);
    spark.stop();
  }
}
`;

const WHERE_PY = `
import os, sys
from pyspark.sql import SparkSession
spark = SparkSession.builder.getOrCreate()
sc = spark.sparkContext
where = sc.parallelize(range(8), 8).map(lambda _: os.getcwd() + "@" + str(os.environ.get("CONTAINER_ID"))).distinct().collect()
for w in where:
    print("WHERE", w)
print("DRIVER", os.getcwd() + "@" + str(os.environ.get("CONTAINER_ID")))
print("APP", sc.applicationId)
# A streaming query too, so one job shows a streaming batch on this master: micro-batches are tasks on the executors.
import time
q = (spark.readStream.format("rate").option("rowsPerSecond", 50).load()
     .writeStream.format("memory").queryName("ticks").start())
deadline = time.time() + 60
while time.time() < deadline and spark.sql("select count(*) from ticks").collect()[0][0] < 100:
    time.sleep(0.5)
print("STREAMED", spark.sql("select count(*) from ticks").collect()[0][0], len(q.recentProgress))
q.stop()
spark.stop()
`;

export interface Jobs {
  jar: string;
  /** Both print WHERE lines, then a streaming query's STREAMED <rows> <micro-batches>. */
  wherePy: string;
}

/** Writes and compiles the jobs into dir (one of the server's batches.allowedDirs). */
export function buildJobs(dir: string): Jobs {
  const src = path.join(dir, 'src');
  const classes = path.join(dir, 'classes');
  mkdirSync(src, { recursive: true });
  mkdirSync(classes, { recursive: true });
  writeFileSync(path.join(src, 'Where.java'), WHERE_JAVA);
  writeFileSync(path.join(src, 'Sleep.java'), SLEEP_JAVA);
  execFileSync('javac', ['-cp', `${SPARK_HOME}/jars/*`, '-d', classes, path.join(src, 'Where.java'), path.join(src, 'Sleep.java')], { stdio: 'pipe' });
  const jar = path.join(dir, 'jobs.jar');
  execFileSync('jar', ['cf', jar, '-C', classes, '.'], { stdio: 'pipe' });
  const wherePy = path.join(dir, 'where.py');
  writeFileSync(wherePy, WHERE_PY);
  return { jar, wherePy };
}

/** Rows and micro-batches of the Python job's streaming query, or undefined if it printed none. */
export function streamed(log: string[]): { rows: number; batches: number } | undefined {
  const m = log.map((l) => /^STREAMED (\d+) (\d+)/.exec(l)).find(Boolean);
  return m ? { rows: Number(m[1]), batches: Number(m[2]) } : undefined;
}

/** The WHERE lines of a job's output: executor (jar jobs only), working directory, container id. */
export function whereLines(log: string[]): { executor?: string; dir: string; container: string }[] {
  return log.filter((l) => l.startsWith('WHERE ')).map((l) => {
    const parts = l.slice(6).split('@');
    return parts.length === 3 ? { executor: parts[0], dir: parts[1]!, container: parts[2]! } : { dir: parts[0]!, container: parts[1]! };
  });
}
