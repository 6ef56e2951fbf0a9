/**
 * Batches on real Spark through the Livy batch API: a jar built here with javac, a Python job
 * with a helper module, a failing job, a streaming job that runs until it is stopped, and a
 * DELETE that takes the whole process tree down. Jobs are written to the directory the e2e
 * server allows (SPARKPORT_BATCHES__ALLOWED_DIRS in scripts/test.mjs).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { api } from './helpers.ts';
import { alive, processesNaming } from './proc-find.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SPARK_JARS = path.join(ROOT, '.venv/lib/python3.11/site-packages/pyspark/jars');
const ALLOWED = path.join(os.tmpdir(), 'sparkport-e2e-batch-files');
/** Small drivers: other Spark tests share the machine. */
const LEAN = { driverMemory: '512m', conf: { 'spark.sql.shuffle.partitions': '1', 'spark.ui.showConsoleProgress': 'false' } };

const JAVA_COUNT = `
import org.apache.spark.sql.SparkSession;
public class CountJob {
  public static void main(String[] args) {
    SparkSession spark = SparkSession.builder().getOrCreate();
    long n = spark.range(0, Long.parseLong(args[0])).filter("id % 3 = 0").count();
    System.out.println("SPARKPORT_JAR_COUNT=" + n);
    spark.stop();
  }
}`;

const JAVA_FAIL = `
public class FailJob {
  public static void main(String[] args) {
    throw new IllegalStateException("sparkport deliberate failure: " + String.join(",", args));
  }
}`;

const PY_JOB = `
import sys
from pyspark.sql import SparkSession
import helper
spark = SparkSession.builder.getOrCreate()
total = spark.range(int(sys.argv[1])).selectExpr("sum(id) AS s").first()["s"]
print(f"SPARKPORT_PY_RESULT={helper.double(total)}")
spark.stop()
`;

const PY_STREAM = `
import os, sys
from pyspark.sql import SparkSession
spark = SparkSession.builder.getOrCreate()
with open(sys.argv[1], "w") as f:
    f.write(f"{os.getpid()} {os.getppid()}")
q = (spark.readStream.format("rate").option("rowsPerSecond", 5).load()
     .writeStream.format("console").option("numRows", 2).trigger(processingTime="1 second").start())
print("SPARKPORT_STREAM_STARTED", flush=True)
q.awaitTermination()
`;

/** No Spark at all: spark-submit's JVM runs the Python process, which just waits to be killed. */
const PY_SLEEPER = `
import os, sys, time
with open(sys.argv[1], "w") as f:
    f.write(f"{os.getpid()} {os.getppid()}")
print("SPARKPORT_SLEEPING", flush=True)
time.sleep(600)
`;

async function waitForBatch(id: number, states: string[], ms = 180_000): Promise<any> {
  const end = Date.now() + ms;
  for (;;) {
    const r = await api('GET', `/batches/${id}`);
    if (states.includes(r.body?.state)) return r.body;
    if (Date.now() > end) throw new Error(`batch ${id} did not reach ${states.join('/')} (is ${r.body?.state}): ${JSON.stringify(r.body?.log)}`);
    await new Promise((res) => setTimeout(res, 300));
  }
}

async function fullLog(id: number): Promise<string[]> {
  const r = await api('GET', `/batches/${id}/log?size=-1`);
  assert.equal(r.status, 200);
  return r.body.log;
}

async function waitForLog(id: number, re: RegExp, ms = 120_000): Promise<string[]> {
  const end = Date.now() + ms;
  for (;;) {
    const log = await fullLog(id);
    if (log.some((l) => re.test(l))) return log;
    const state = (await api('GET', `/batches/${id}/state`)).body.state;
    if (state !== 'running' || Date.now() > end) throw new Error(`no ${re} in the log of batch ${id} (${state}): ${log.slice(-30).join('\n')}`);
    await new Promise((res) => setTimeout(res, 300));
  }
}

async function waitGone(pids: number[], ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (pids.some(alive)) {
    if (Date.now() > end) throw new Error(`still running: ${pids.filter(alive).join(', ')}`);
    await new Promise((res) => setTimeout(res, 200));
  }
}


describe('batches on real Spark', () => {
  let dir: string;
  let jar: string;
  const created: number[] = [];

  before(() => {
    mkdirSync(ALLOWED, { recursive: true });
    dir = mkdtempSync(path.join(ALLOWED, 'run-'));
    const src = path.join(dir, 'src');
    const classes = path.join(dir, 'classes');
    mkdirSync(src);
    mkdirSync(classes);
    writeFileSync(path.join(src, 'CountJob.java'), JAVA_COUNT);
    writeFileSync(path.join(src, 'FailJob.java'), JAVA_FAIL);
    execFileSync('javac', ['-cp', `${SPARK_JARS}/*`, '-d', classes, path.join(src, 'CountJob.java'), path.join(src, 'FailJob.java')], { stdio: 'pipe' });
    jar = path.join(dir, 'jobs.jar');
    execFileSync('jar', ['cf', jar, '-C', classes, '.'], { stdio: 'pipe' });
    writeFileSync(path.join(dir, 'job.py'), PY_JOB);
    writeFileSync(path.join(dir, 'helper.py'), 'def double(x):\n    return 2 * x\n');
    writeFileSync(path.join(dir, 'stream.py'), PY_STREAM);
    writeFileSync(path.join(dir, 'sleeper.py'), PY_SLEEPER);
  });

  after(async () => {
    for (const id of created) await api('DELETE', `/batches/${id}`);
    rmSync(dir, { recursive: true, force: true });
  });

  const submit = async (body: Record<string, unknown>) => {
    const r = await api('POST', '/batches', { ...LEAN, ...body });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.headers.get('location'), `/batches/${r.body.id}`);
    created.push(r.body.id);
    return r.body;
  };

  test('a jar built with javac runs to success with its output in the log', async () => {
    const b = await submit({ file: jar, className: 'CountJob', args: ['3000'], name: `e2e-jar-${Date.now()}` });
    assert.ok(['starting', 'running'].includes(b.state));
    const done = await waitForBatch(b.id, ['success', 'dead', 'killed']);
    const log = await fullLog(b.id);
    assert.equal(done.state, 'success', log.slice(-40).join('\n'));
    assert.ok(log.includes('SPARKPORT_JAR_COUNT=1000'), log.slice(-40).join('\n'));
    assert.equal(log[0], 'stdout: ');
    assert.equal(log.at(-1), '\nstderr: ');
    assert.ok(log.some((l) => /INFO SparkContext: Running Spark version 4\./.test(l)), 'stderr is merged into the log');
    assert.deepEqual((await api('GET', `/batches/${done.name}/state`)).body, { id: b.id, state: 'success' });
  });

  test('a Python job with a pyFiles helper and arguments runs to success', async () => {
    const b = await submit({ file: path.join(dir, 'job.py'), pyFiles: [path.join(dir, 'helper.py')], args: ['100'] });
    const done = await waitForBatch(b.id, ['success', 'dead', 'killed']);
    const log = await fullLog(b.id);
    assert.equal(done.state, 'success', log.slice(-40).join('\n'));
    assert.ok(log.includes('SPARKPORT_PY_RESULT=9900'), log.slice(-40).join('\n'));
  });

  test('a job that throws ends dead, with its exception in the log', async () => {
    const b = await submit({ file: jar, className: 'FailJob', args: ['a', 'b'] });
    const done = await waitForBatch(b.id, ['success', 'dead', 'killed']);
    const log = await fullLog(b.id);
    assert.equal(done.state, 'dead', log.join('\n'));
    assert.ok(log.some((l) => /IllegalStateException: sparkport deliberate failure: a,b/.test(l)), log.join('\n'));
    assert.ok(log.some((l) => /^batch dead: spark-submit exited with code [1-9]/.test(l)), log.slice(-5).join('\n'));
  });

  test('a streaming job runs until stopped, then is killed (not dead) with its processes gone', async () => {
    const pidFile = path.join(dir, 'stream.pids');
    const b = await submit({ file: path.join(dir, 'stream.py'), args: [pidFile] });
    await waitForLog(b.id, /^Batch: [2-9]/);
    const running = (await api('GET', `/batches/${b.id}`)).body;
    assert.equal(running.state, 'running');
    assert.match(running.appId ?? '', /^local-\d+$/, 'the application id, read from the driver\'s UI');
    assert.match(running.appInfo.sparkUiUrl ?? '', /^http:\/\/[\w.]+:\d+$/);
    const pids = processesNaming(pidFile);
    assert.ok(pids.length >= 2 && pids.every(alive), 'the Python process and its JVM run');

    const stop = await api('POST', `/batches/${b.id}/stop`);
    assert.equal(stop.status, 200);
    assert.deepEqual(stop.body, { msg: 'stopped' });
    const ended = (await api('GET', `/batches/${b.id}`)).body;
    assert.equal(ended.state, 'killed');
    assert.ok(ended.log.includes('batch killed: stopped by user'), JSON.stringify(ended.log));
    await waitGone(pids);

    const del = await api('DELETE', `/batches/${b.id}`);
    assert.equal(del.status, 200);
    assert.deepEqual(del.body, { msg: 'deleted' });
    assert.equal((await api('GET', `/batches/${b.id}`)).status, 404);
  });

  test('DELETE of a running batch kills spark-submit and its Python process, and the batch is then 404', async () => {
    const pidFile = path.join(dir, 'sleeper.pids');
    const b = await submit({ file: path.join(dir, 'sleeper.py'), args: [pidFile] });
    await waitForLog(b.id, /SPARKPORT_SLEEPING/);
    const pids = processesNaming(pidFile);
    assert.ok(pids.length >= 2 && pids.every(alive));
    const del = await api('DELETE', `/batches/${b.id}`);
    assert.equal(del.status, 200);
    assert.deepEqual(del.body, { msg: 'deleted' });
    for (const u of [`/batches/${b.id}`, `/batches/${b.id}/state`, `/batches/${b.id}/log`]) {
      const r = await api('GET', u);
      assert.equal(r.status, 404, u);
      assert.equal(r.body.code, 'BATCH_NOT_FOUND');
    }
    await waitGone(pids);
    assert.ok(!(await api('GET', '/batches')).body.sessions.some((x: { id: number }) => x.id === b.id));
  });

  test('bad requests: no file is 400, a file outside the allowed directories is 403', async () => {
    const none = await api('POST', '/batches', { className: 'CountJob' });
    assert.equal(none.status, 400);
    assert.match(none.body.msg, /file/);
    const outside = await api('POST', '/batches', { file: '/etc/hostname' });
    assert.equal(outside.status, 403);
    assert.equal(outside.body.code, 'FORBIDDEN_PATH');
    assert.match(outside.body.msg, /batches\.allowedDirs/);
    const escape = await api('POST', '/batches', { file: `${dir}/../../../etc/hostname` });
    assert.equal(escape.status, 403);
  });
});
