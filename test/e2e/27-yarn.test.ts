/**
 * A real YARN cluster (Hadoop's MiniYARNCluster, ResourceManager and NodeManager in one JVM,
 * started here: test/clusters/yarn.ts) behind a server of the test's own with spark.master=yarn,
 * Spark's jars given to YARN from the local disk. Every test asserts where the work ran: YARN
 * names each container (CONTAINER_ID in its environment, its working directory under the
 * NodeManager's appcache/<application>/<container>), the application master's container is
 * ..._01_000001 (a cluster-mode driver runs there) and executors are the others.
 *
 * A pyspark session in client mode; one in cluster mode (queue `batch`) with Python, Scala and SQL
 * statements; a Python (streaming) batch and a jar batch in cluster mode; DELETE killing a batch
 * and a session on YARN; a cluster-mode session surviving a server SIGKILL (its driver keeps
 * running in YARN and calls back); a cluster-mode driver that can't reach the server failing its
 * session with the address it tried.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildJobs, streamed, whereLines, type Jobs } from '../clusters/jobs.ts';
import { yarnServerEnv } from '../clusters/server-env.ts';
import { startYarn, type YarnCluster } from '../clusters/yarn.ts';
import { clusterCalls } from './cluster-calls.ts';
import { waitForState } from './helpers.ts';
import { freePort, startOwnServer, type OwnServer } from './own-server.ts';

/** One small executor per application: a cluster-mode AM, a client-mode one and their executors fit on the node at once. */
const LEAN = { driverMemory: '512m', executorMemory: '512m', executorCores: 1, numExecutors: 1 };
const CLUSTER = { 'spark.submit.deployMode': 'cluster' };
const CONTAINER = /^container_\d+_\d+_\d+_(\d+)$/;
const containerNo = (id: string) => Number(CONTAINER.exec(id)?.[1]);

describe('a YARN cluster (MiniYARNCluster)', { timeout: 900_000 }, () => {
  let yarn: YarnCluster;
  let server: OwnServer;
  let dataDir: string;
  let files: string;
  let jobs: Jobs;
  let env: Record<string, string>;
  let port: number;
  let clientSession: number;
  let clusterSession: number;

  const { call, runIn, waitBatch, waitAppId, sqlRanOnExecutors } = clusterCalls(() => server.base);
  const appDir = (appId: string) => path.join(yarn.nodeManagerLocalDirs[0]!, 'usercache', os.userInfo().username, 'appcache', appId);
  const session = async (body: Record<string, unknown>) => {
    const r = await call('POST', '/sessions', { kind: 'pyspark', ...LEAN, ...body });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body.id as number;
  };

  before(async () => {
    yarn = await startYarn();
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'sparkport-yarn-'));
    files = path.join(dataDir, 'files');
    mkdirSync(files);
    jobs = buildJobs(files);
    port = await freePort();
    env = {
      ...yarnServerEnv(yarn, port),
      SPARKPORT_SPARK__DEFAULT_DRIVER_MEMORY: '512m',
      SPARKPORT_BATCHES__ALLOWED_DIRS: files,
    };
    server = await startOwnServer({ dataDir, env });
    // Both sessions start at once: YARN takes them side by side.
    clientSession = await session({ name: 'yarn-client' });
    clusterSession = await session({ name: 'yarn-cluster', queue: 'batch', conf: CLUSTER });
    await Promise.all([clientSession, clusterSession].map((id) => waitForState(id, ['idle'], 300_000, server.base)));
  });

  after(async () => {
    await server?.stop();
    await yarn?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('client mode: the driver here, tasks in executor containers of its YARN application', async () => {
    const s = (await call('GET', `/sessions/${clientSession}`)).body;
    assert.match(s.appId, /^application_\d+_\d+$/);
    const app = await yarn.app(s.appId);
    assert.equal(app.state, 'RUNNING');
    assert.equal(app.queue, 'root.default');
    const out = await runIn(clientSession, 'import os\nprint(os.environ.get("CONTAINER_ID"))\nprint("\\n".join(sorted(set(sc.parallelize(range(8), 8).map(lambda _: os.environ["CONTAINER_ID"] + "@" + os.getcwd()).collect()))))', 'pyspark');
    const [driver, ...tasks] = String(out['text/plain']).trim().split('\n');
    assert.equal(driver, 'None', 'a client-mode driver is in no container');
    assert.ok(tasks.length >= 1);
    for (const t of tasks) {
      const [container, cwd] = t.split('@');
      assert.ok(containerNo(container!) >= 2, `${container} is an executor container`);
      assert.equal(cwd, path.join(appDir(s.appId), container!));
    }
  });

  test('client mode: Scala and SQL statements in the same session run on the executors', async () => {
    const out = await runIn(clientSession, 'println(sc.parallelize(1 to 8, 8).map(_ => org.apache.spark.SparkEnv.get.executorId + "@" + System.getenv("CONTAINER_ID")).collect().distinct.sorted.mkString("\\n"))', 'spark');
    for (const t of String(out['text/plain']).trim().split('\n')) {
      const [executor, container] = t.split('@');
      assert.notEqual(executor, 'driver');
      assert.ok(containerNo(container!) >= 2, t);
    }
    await sqlRanOnExecutors(clientSession);
  });

  test('client mode: a Python (streaming) batch and a jar batch, side by side, their tasks in executor containers', async () => {
    const [py, jar] = await Promise.all([{ file: jobs.wherePy }, { file: jobs.jar, className: 'Where' }].map(async (job) => {
      const r = await call('POST', '/batches', { ...job, ...LEAN });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return waitBatch(r.body.id, ['success', 'dead', 'killed']);
    }));
    for (const b of [py, jar]) {
      const log = (await call('GET', `/batches/${b.id}/log?size=1000`)).body.log as string[];
      assert.equal(b.state, 'success', log.slice(-30).join('\n'));
      assert.match(b.appId, /^application_/);
      const where = whereLines(log);
      assert.ok(where.length >= 1, log.join('\n'));
      for (const w of where) assert.ok(containerNo(w.container) >= 2, w.container);
      assert.ok((streamed(log)?.rows ?? 0) >= 100, 'its streaming query ran');
      assert.equal((await yarn.app(b.appId)).finalStatus, 'SUCCEEDED');
    }
  });

  test('DELETE kills a client-mode batch: its application ends on YARN', async () => {
    const r = await call('POST', '/batches', { file: jobs.jar, className: 'Sleep', args: ['300'], ...LEAN });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const appId = await waitAppId(r.body.id);
    assert.match(appId, /^application_/);
    await yarn.waitForApp(appId, ['RUNNING'], 120_000);
    assert.equal((await call('DELETE', `/batches/${r.body.id}`)).status, 200);
    const app = await yarn.waitForApp(appId, ['FINISHED', 'KILLED', 'FAILED'], 60_000);
    assert.ok(app.finishedTime > 0, JSON.stringify(app));
  });

  test('cluster mode: the driver in the application master\'s container, its log and UI from YARN, the queue honoured', async () => {
    const s = (await call('GET', `/sessions/${clusterSession}`)).body;
    assert.match(s.appId, /^application_\d+_\d+$/);
    const app = await yarn.app(s.appId);
    assert.equal(app.state, 'RUNNING');
    assert.equal(app.queue, 'root.batch');
    assert.equal(s.appInfo.driverLogUrl, app.amContainerLogs);
    assert.equal(s.appInfo.sparkUiUrl, app.trackingUrl.replace(/\/$/, ''));
    const out = await runIn(clusterSession, 'import os\nprint(os.environ["CONTAINER_ID"] + "@" + os.getcwd())\nprint("\\n".join(sorted(set(sc.parallelize(range(8), 8).map(lambda _: os.environ["CONTAINER_ID"]).collect()))))', 'pyspark');
    const [driver, ...executors] = String(out['text/plain']).trim().split('\n');
    const [amContainer, cwd] = driver!.split('@');
    assert.equal(containerNo(amContainer!), 1, `the driver runs in the AM container: ${amContainer}`);
    assert.equal(cwd, path.join(appDir(s.appId), amContainer!));
    for (const e of executors) assert.ok(containerNo(e) >= 2, `${e} is an executor container`);
  });

  test('cluster mode: Scala statements run in the same driver, their tasks on the executors', async () => {
    const out = await runIn(clusterSession, 'println(System.getenv("CONTAINER_ID"))\nprintln(sc.parallelize(1 to 8, 8).map(_ => org.apache.spark.SparkEnv.get.executorId + "@" + System.getenv("CONTAINER_ID")).collect().distinct.sorted.mkString("\\n"))', 'spark');
    const [driver, ...tasks] = String(out['text/plain']).trim().split('\n');
    assert.equal(containerNo(driver!), 1);
    for (const t of tasks) {
      const [executor, container] = t.split('@');
      assert.notEqual(executor, 'driver');
      assert.ok(containerNo(container!) >= 2, t);
    }
  });

  test('cluster mode: SQL runs as tasks on the executors (the application\'s executors, through YARN\'s proxy)', async () => {
    await sqlRanOnExecutors(clusterSession);
  });

  test('a Python batch in cluster mode: driver in the AM container, tasks and a streaming query on the executors', async () => {
    const r = await call('POST', '/batches', { file: jobs.wherePy, ...LEAN, conf: CLUSTER });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const b = await waitBatch(r.body.id, ['success', 'dead', 'killed']);
    assert.equal(b.state, 'success', JSON.stringify(b));
    assert.match(b.appId, /^application_/);
    assert.equal((await yarn.app(b.appId)).finalStatus, 'SUCCEEDED');
    // The driver's output is the AM container's stdout, on the node.
    const stdout = readFileSync(path.join(yarn.containerLogDir(b.appId), 'stdout'), 'utf8').split('\n');
    const driver = stdout.find((l) => l.startsWith('DRIVER '))!;
    assert.ok(containerNo(driver.split('@')[1]!) === 1, driver);
    const where = whereLines(stdout);
    assert.ok(where.length >= 1, stdout.join('\n'));
    for (const w of where) assert.ok(containerNo(w.container) >= 2, w.container);
    const st = streamed(stdout);
    assert.ok(st && st.rows >= 100, `the streaming query ran: ${JSON.stringify(st)}`);
  });

  test('a jar batch in cluster mode runs to success, its tasks in executor containers', async () => {
    const r = await call('POST', '/batches', { file: jobs.jar, className: 'Where', ...LEAN, conf: CLUSTER });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const b = await waitBatch(r.body.id, ['success', 'dead', 'killed']);
    assert.equal(b.state, 'success', JSON.stringify(b));
    const stdout = readFileSync(path.join(yarn.containerLogDir(b.appId), 'stdout'), 'utf8').split('\n');
    const where = whereLines(stdout);
    assert.ok(where.length >= 1, stdout.join('\n'));
    for (const w of where) {
      assert.notEqual(w.executor, 'driver');
      assert.ok(containerNo(w.container) >= 2, w.container);
    }
  });

  test('DELETE kills a cluster-mode batch on YARN', async () => {
    const r = await call('POST', '/batches', { file: jobs.jar, className: 'Sleep', args: ['300'], ...LEAN, conf: CLUSTER });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const appId = await waitAppId(r.body.id);
    assert.match(appId, /^application_/);
    await yarn.waitForApp(appId, ['RUNNING'], 120_000);
    assert.equal((await call('DELETE', `/batches/${r.body.id}`)).status, 200);
    const app = await yarn.app(appId);
    assert.equal(app.state, 'KILLED');
    assert.equal((await call('GET', `/batches/${r.body.id}`)).status, 404);
  });

  test('sessions outlive a server SIGKILL: the cluster-mode driver keeps running in YARN and calls back over TLS, the client-mode one here too', async () => {
    const { appId } = (await call('GET', `/sessions/${clusterSession}`)).body;
    await runIn(clusterSession, 'kept = 41', 'pyspark');
    server.child.kill('SIGKILL');
    await new Promise((res) => server.child.once('exit', res));
    assert.equal((await yarn.app(appId)).state, 'RUNNING', 'the application does not depend on the server');
    server = await startOwnServer({ dataDir, env });
    const s = await waitForState(clusterSession, ['idle'], 120_000, server.base);
    assert.equal(s.appId, appId);
    const out = await runIn(clusterSession, 'import os\nprint(kept + 1, os.environ["CONTAINER_ID"])', 'pyspark');
    const [n, container] = String(out['text/plain']).trim().split(' ');
    assert.equal(n, '42');
    assert.equal(containerNo(container!), 1);
    // The client-mode session's driver, on this machine, is back too, on the same application.
    const c = await waitForState(clientSession, ['idle'], 120_000, server.base);
    assert.equal(String((await runIn(clientSession, 'print(sc.applicationId)', 'pyspark'))['text/plain']).trim(), c.appId);
  });

  test('DELETE on a cluster-mode session ends its application on YARN', async () => {
    const { appId } = (await call('GET', `/sessions/${clusterSession}`)).body;
    assert.equal((await call('DELETE', `/sessions/${clusterSession}`)).status, 200);
    const app = await yarn.waitForApp(appId, ['FINISHED', 'KILLED'], 60_000);
    assert.ok(['FINISHED', 'KILLED'].includes(app.state), JSON.stringify(app));
  });

  test('a cluster-mode driver that cannot reach the server fails its session, naming the address it tried', async () => {
    await server.stop();
    // 127.0.0.2 is loopback too, but nothing listens there: the driver's connection is refused.
    server = await startOwnServer({ dataDir, env: { ...env, SPARKPORT_DRIVER__ADVERTISE_HOST: '127.0.0.2' } });
    const id = await session({ conf: CLUSTER });
    const s = await waitForState(id, ['dead', 'error', 'idle'], 300_000, server.base);
    assert.equal(s.state, 'dead');
    const log = (await call('GET', `/sessions/${id}/log?size=1000`)).body.log.join('\n');
    assert.match(log, new RegExp(`cannot connect to 127\\.0\\.0\\.2:${port}`), log);
  });
});
