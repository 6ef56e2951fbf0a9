/**
 * A real Spark standalone cluster (a master and two workers from the pyspark package, started
 * here on loopback: test/clusters/standalone.ts) behind a server of the test's own whose
 * spark.master is that cluster. Every test asserts where the work ran, not only that an answer
 * came: a task's working directory is inside one worker's work directory
 * (<work dir>/<app-id>/<executor-id>), and the application's executors' task counts say which
 * executors ran a SQL query.
 *
 * Client mode: Python, Scala and SQL statements in one session, a Python batch, a session that
 * survives a server SIGKILL. Cluster mode: a jar batch through the master's REST submission
 * server, killed through it too; Python in cluster mode is a 400 (Spark standalone can't).
 *
 * The server is configured as for masters in HA, the first of the list down: applications,
 * submissions, state polls and kills must all find the master that answers.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildJobs, streamed, whereLines, type Jobs } from '../clusters/jobs.ts';
import { standaloneServerEnv } from '../clusters/server-env.ts';
import { startStandalone, type StandaloneCluster } from '../clusters/standalone.ts';
import { clusterCalls } from './cluster-calls.ts';
import { waitForState } from './helpers.ts';
import { freePort, startOwnServer, type OwnServer } from './own-server.ts';

/** Small executors, at most two cores per application: the session and a batch's driver and executors fit at once. */
const LEAN = { executorMemory: '512m', executorCores: 1, conf: { 'spark.cores.max': '2' } };

describe('a Spark standalone cluster', { timeout: 600_000 }, () => {
  let cluster: StandaloneCluster;
  let server: OwnServer;
  let dataDir: string;
  let files: string;
  let jobs: Jobs;
  let session: number;
  let serverEnv: Record<string, string>;
  let serverPort: number;

  const { call, runIn: runInSession, waitBatch, waitAppId, sqlRanOnExecutors } = clusterCalls(() => server.base);
  const runIn = (code: string, kind: string) => runInSession(session, code, kind);
  const inWorker = (dir: string) => cluster.workers.findIndex((w) => dir.startsWith(`${w.workDir}/`));

  before(async () => {
    cluster = await startStandalone({ workers: 2, workerCores: 3, workerMemory: '2g' });
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'sparkport-standalone-'));
    files = path.join(dataDir, 'files');
    mkdirSync(files);
    jobs = buildJobs(files);
    serverPort = await freePort();
    const down = await freePort(); // a master that is down, listed first
    const real = standaloneServerEnv(cluster);
    serverEnv = {
      ...real,
      SPARKPORT_SPARK__MASTER: `spark://127.0.0.1:${down},${real.SPARKPORT_SPARK__MASTER!.replace(/^spark:\/\//, '')}`,
      SPARKPORT_CLUSTER__STANDALONE__REST_URL: `http://127.0.0.1:${down},${real.SPARKPORT_CLUSTER__STANDALONE__REST_URL}`,
      SPARKPORT_BATCHES__ALLOWED_DIRS: files,
      SPARKPORT_SPARK__DEFAULT_DRIVER_MEMORY: '768m',
    };
    server = await startOwnServer({ dataDir, port: serverPort, env: serverEnv });
    const r = await call('POST', '/sessions', { kind: 'pyspark', name: 'on-standalone', ...LEAN });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    session = r.body.id;
    await waitForState(session, ['idle'], 240_000, server.base);
  });

  after(async () => {
    await server?.stop();
    await cluster?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('the session is an application of the master, with its id', async () => {
    const s = (await call('GET', `/sessions/${session}`)).body;
    assert.match(s.appId, /^app-\d{14}-\d{4}$/);
    const state = await cluster.state();
    assert.ok(state.activeapps.some((a: any) => a.id === s.appId && a.name === 'on-standalone'), JSON.stringify(state.activeapps));
  });

  test('Python statements run their tasks on the workers\' executors', async () => {
    const out = await runIn(
      'import os\nprint("\\n".join(sorted(set(sc.parallelize(range(16), 16).map(lambda _: os.getcwd()).collect()))))', 'pyspark');
    const dirs = String(out['text/plain']).trim().split('\n');
    const { appId } = (await call('GET', `/sessions/${session}`)).body;
    for (const d of dirs) {
      assert.ok(inWorker(d) >= 0, `${d} is in no worker's work directory`);
      assert.ok(d.includes(`/${appId}/`), `${d} is an executor directory of ${appId}`);
    }
    assert.equal(new Set(dirs.map(inWorker)).size, 2, `both workers ran tasks: ${dirs.join(', ')}`);
  });

  test('Scala statements in the same session run on the executors too', async () => {
    const out = await runIn(
      'println(sc.parallelize(1 to 16, 16).map(_ => org.apache.spark.SparkEnv.get.executorId + "@" + System.getProperty("user.dir")).collect().distinct.sorted.mkString("\\n"))',
      'spark');
    const where = String(out['text/plain']).trim().split('\n').map((l) => l.split('@'));
    assert.ok(where.length >= 1);
    for (const [executor, dir] of where) {
      assert.notEqual(executor, 'driver');
      assert.ok(inWorker(dir!) >= 0, `${dir} is in no worker's work directory`);
    }
  });

  test('SQL statements run as tasks on the executors (the application\'s own executor counts)', async () => {
    await sqlRanOnExecutors(session);
  });

  test('a cluster-mode Python session or batch is a 400 that says Spark standalone can\'t', async () => {
    const s = await call('POST', '/sessions', { kind: 'pyspark', conf: { 'spark.submit.deployMode': 'cluster' } });
    assert.equal(s.status, 400);
    assert.match(s.body.msg, /standalone does not run Python applications in cluster deploy mode/);
    const b = await call('POST', '/batches', { file: jobs.wherePy, conf: { 'spark.submit.deployMode': 'cluster' } });
    assert.equal(b.status, 400);
    assert.match(b.body.msg, /use client mode/);
  });

  test('a Python batch in client mode runs its tasks, and a streaming query\'s, on the workers', async () => {
    const r = await call('POST', '/batches', { file: jobs.wherePy, ...LEAN });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const b = await waitBatch(r.body.id, ['success', 'dead']);
    const log = (await call('GET', `/batches/${r.body.id}/log?size=1000`)).body.log as string[];
    assert.equal(b.state, 'success', log.slice(-30).join('\n'));
    assert.match(b.appId, /^app-/);
    const where = whereLines(log);
    assert.ok(where.length >= 1, log.join('\n'));
    for (const w of where) assert.ok(inWorker(w.dir) >= 0, `${w.dir} is in no worker's work directory`);
    const s = streamed(log);
    assert.ok(s && s.rows >= 100 && s.batches >= 1, `the streaming query ran: ${JSON.stringify(s)}`);
  });

  test('a jar batch in client mode runs to success, its tasks on the workers; another, killed with DELETE, ends on the master', async () => {
    const r = await call('POST', '/batches', { file: jobs.jar, className: 'Where', ...LEAN });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const b = await waitBatch(r.body.id, ['success', 'dead']);
    const log = (await call('GET', `/batches/${r.body.id}/log?size=1000`)).body.log as string[];
    assert.equal(b.state, 'success', log.slice(-30).join('\n'));
    const where = whereLines(log);
    assert.ok(where.length >= 1, log.join('\n'));
    for (const w of where) {
      assert.notEqual(w.executor, 'driver');
      assert.ok(inWorker(w.dir) >= 0, `${w.dir} is in no worker's work directory`);
    }
    assert.ok((streamed(log)?.rows ?? 0) >= 100, 'its streaming query ran');
    const k = await call('POST', '/batches', { file: jobs.jar, className: 'Sleep', args: ['300'], ...LEAN });
    const appId = await waitAppId(k.body.id);
    assert.match(appId, /^app-/);
    assert.equal((await call('DELETE', `/batches/${k.body.id}`)).status, 200);
    // The master hears of the end from the application's driver a moment after spark-submit is gone.
    let state = await cluster.state();
    for (let i = 0; i < 120 && !state.completedapps.some((a: any) => a.id === appId); i++) {
      await new Promise((res) => setTimeout(res, 250));
      state = await cluster.state();
    }
    assert.ok(state.completedapps.some((a: any) => a.id === appId && ['KILLED', 'FINISHED'].includes(a.state)), JSON.stringify(state.completedapps.map((a: any) => [a.id, a.state])));
    assert.ok(!state.activeapps.some((a: any) => a.id === appId), 'no longer running');
  });

  test('a jar batch in cluster mode (with a streaming query): its driver runs on a worker, submitted and followed through the REST server', async () => {
    const r = await call('POST', '/batches', { file: jobs.jar, className: 'Where', ...LEAN, driverMemory: '512m', conf: { ...LEAN.conf, 'spark.submit.deployMode': 'cluster' } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const b = await waitBatch(r.body.id, ['success', 'dead', 'killed']);
    const log = (await call('GET', `/batches/${r.body.id}/log?size=1000`)).body.log as string[];
    assert.equal(b.state, 'success', log.slice(-30).join('\n'));
    assert.match(b.appId, /^driver-\d{14}-\d{4}$/, 'the id the master knows the driver by');
    assert.ok(log.some((l) => l.includes(`${b.appId} is RUNNING on the standalone master`)), log.join('\n'));
    const state = await cluster.state();
    const done = state.completeddrivers.find((d: any) => d.id === b.appId);
    assert.equal(done?.state, 'FINISHED', JSON.stringify(state.completeddrivers));
    // The driver ran in a worker's directory: its output is there, tasks on executors.
    const worker = cluster.workers.find((w) => existsSync(path.join(w.workDir, b.appId)));
    assert.ok(worker, 'a worker holds the driver\'s directory');
    const stdout = readFileSync(path.join(worker!.workDir, b.appId, 'stdout'), 'utf8').split('\n');
    const driverLine = stdout.find((l) => l.startsWith('DRIVER '))!;
    assert.ok(driverLine.includes(`driver@${worker!.workDir}/${b.appId}`), driverLine);
    const where = whereLines(stdout);
    assert.ok(where.length >= 1);
    for (const w of where) {
      assert.notEqual(w.executor, 'driver');
      assert.ok(inWorker(w.dir) >= 0, `${w.dir} is an executor directory on a worker`);
    }
    assert.ok((streamed(stdout)?.rows ?? 0) >= 100, 'its streaming query ran, in cluster mode');
  });

  test('DELETE kills a cluster-mode batch on the master', async () => {
    const r = await call('POST', '/batches', { file: jobs.jar, className: 'Sleep', args: ['300'], ...LEAN, driverMemory: '512m', conf: { ...LEAN.conf, 'spark.submit.deployMode': 'cluster' } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const id = r.body.id;
    let appId: string | null = null;
    for (let i = 0; i < 240 && !appId; i++) {
      const b = (await call('GET', `/batches/${id}`)).body;
      const log = (await call('GET', `/batches/${id}/log?size=1000`)).body.log as string[];
      if (b.appId && log.some((l) => l.includes('is RUNNING'))) appId = b.appId;
      else await new Promise((res) => setTimeout(res, 500));
    }
    assert.ok(appId, 'the driver is running');
    const del = await call('DELETE', `/batches/${id}`);
    assert.equal(del.status, 200);
    const status = await (await fetch(`${cluster.restUrl}/v1/submissions/status/${appId}`)).json() as { driverState: string };
    assert.equal(status.driverState, 'KILLED');
  });

  test('a session and a cluster-mode batch outlive a server SIGKILL: the restarted server finds the driver, and the batch by its id', async () => {
    const { appId } = (await call('GET', `/sessions/${session}`)).body;
    await runIn('kept = 41', 'pyspark');
    const r = await call('POST', '/batches', { file: jobs.jar, className: 'Sleep', args: ['12'], ...LEAN, driverMemory: '512m', conf: { ...LEAN.conf, 'spark.submit.deployMode': 'cluster' } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const driverId = await waitAppId(r.body.id);
    server.child.kill('SIGKILL');
    await new Promise((res) => server.child.once('exit', res));
    server = await startOwnServer({ dataDir, port: serverPort, env: serverEnv });
    const s = await waitForState(session, ['idle'], 120_000, server.base);
    assert.equal(s.appId, appId);
    const out = await runIn('print(kept + 1, sc.applicationId)', 'pyspark');
    assert.equal(String(out['text/plain']).trim(), `42 ${appId}`);
    const b = await waitBatch(r.body.id, ['success', 'dead', 'killed']);
    assert.equal(b.state, 'success', JSON.stringify(b));
    assert.equal(b.appId, driverId);
    const state = await cluster.state();
    assert.equal(state.completeddrivers.find((d: any) => d.id === driverId)?.state, 'FINISHED');
  });
});
