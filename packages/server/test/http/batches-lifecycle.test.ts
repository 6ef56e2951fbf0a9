/**
 * The Livy batch API through HTTP (app.inject), on a fake spark-submit: shapes, codes, the
 * launch command, exit codes, log paging, app info, kills and stops, ids, the list and
 * batches.max. Request rules are in batches-request-rules.test.ts; states and restarts in
 * batches-states.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeHarness } from '../support/harness.ts';

type Harness = Awaited<ReturnType<typeof makeHarness>>;

/** Livy's, and Sparkport's createdAt. */
const LIVY_BATCH_KEYS = ['id', 'name', 'owner', 'proxyUser', 'state', 'appId', 'appInfo', 'log', 'createdAt'].sort();

describe('batches over HTTP', () => {
  let h: Harness;
  let files: string;
  let job: string;
  before(async () => {
    h = await makeHarness((c) => { c.batches.max = 50; c.batches.killTimeoutMs = 10_000; });
    files = h.config.batches.allowedDirs[0]!;
    mkdirSync(files, { recursive: true });
    job = path.join(files, 'job.py');
    writeFileSync(job, 'print("hi")\n');
  });
  after(async () => { await h.close(); });

  const create = (body: Record<string, unknown> = {}) => h.json('POST', '/batches', { file: job, ...body });
  const state = async (id: number) => (await h.json('GET', `/batches/${id}/state`)).body.state;

  test('create answers 201 with Location and exactly Livy\'s keys; running at once', async () => {
    const r = await create({ name: 'first' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.headers.location, `/batches/${r.body.id}`);
    assert.deepEqual(Object.keys(r.body).sort(), LIVY_BATCH_KEYS);
    assert.deepEqual(Object.keys(r.body.appInfo).sort(), ['driverLogUrl', 'executorLogUrls', 'sparkUiUrl']);
    assert.equal(r.body.state, 'running');
    assert.equal(r.body.name, 'first');
    assert.equal(r.body.appId, null);
    assert.ok(Array.isArray(r.body.log));
    for (const url of [`/batches/${r.body.id}`, '/batches/first']) {
      const g = await h.json('GET', url);
      assert.equal(g.status, 200, url);
      assert.equal(g.body.id, r.body.id);
    }
    assert.deepEqual((await h.json('GET', '/batches/first/state')).body, { id: r.body.id, state: 'running' });
    h.batchLauncher.last().exit(0);
  });

  test('the launch is spark-submit in client mode with the request\'s flags, conf, file and args last', async () => {
    const jar = path.join(files, 'app.jar');
    const dep = path.join(files, 'dep.jar');
    const r = await create({
      file: jar, className: 'com.example.Main', args: ['--in', 'x y', '--flag'], jars: [dep], pyFiles: [path.join(files, 'lib.zip')],
      files: [path.join(files, 'data.csv')], archives: [path.join(files, 'env.tgz#env')], driverMemory: '512m', executorMemory: '1g',
      executorCores: 2, numExecutors: 3, queue: 'q1', conf: { 'spark.sql.shuffle.partitions': '2' },
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const spec = h.batchLauncher.launched.at(-1)!;
    assert.equal(spec.batchId, r.body.id);
    assert.equal(spec.workDir, path.join(h.config.dataDir, 'batches', String(r.body.id)));
    const a = spec.submitArgs;
    const flag = (f: string) => a[a.indexOf(f) + 1];
    assert.equal(flag('--master'), h.config.spark.master);
    assert.equal(flag('--deploy-mode'), 'client');
    assert.equal(flag('--name'), `sparkport-batch-${r.body.id}`);
    assert.equal(flag('--class'), 'com.example.Main');
    assert.equal(flag('--jars'), dep);
    assert.equal(flag('--py-files'), path.join(files, 'lib.zip'));
    assert.equal(flag('--files'), path.join(files, 'data.csv'));
    assert.equal(flag('--archives'), path.join(files, 'env.tgz#env'));
    assert.equal(flag('--driver-memory'), '512m');
    const conf = a.flatMap((x, i) => (a[i - 1] === '--conf' ? [x] : []));
    for (const c of ['spark.sql.shuffle.partitions=2', 'spark.executor.memory=1g', 'spark.executor.cores=2', 'spark.executor.instances=3', 'spark.yarn.queue=q1']) {
      assert.ok(conf.includes(c), `${c} in ${conf.join(' ')}`);
    }
    assert.deepEqual(a.slice(-4), [jar, '--in', 'x y', '--flag'], 'the file, then its arguments, end the command');
    h.batchLauncher.last().exit(0);
  });

  test('exit code 0 is success, non-zero is dead with the code as reason; output is in the log', async () => {
    const ok = await create();
    const p = h.batchLauncher.last();
    p.print('starting');
    p.print('WARN something', 'stderr');
    p.print('RESULT 42');
    p.exit(0);
    assert.equal(await state(ok.body.id), 'success');
    const log = (await h.json('GET', `/batches/${ok.body.id}/log`)).body;
    // Livy merges stderr into stdout for batches: one ordered stream, an empty stderr part.
    assert.deepEqual(log.log, ['stdout: ', 'starting', 'WARN something', 'RESULT 42', 'batch success: spark-submit exited with code 0', '\nstderr: ']);

    const bad = await create();
    const q = h.batchLauncher.last();
    q.print('Traceback (most recent call last):', 'stderr');
    q.print('ValueError: boom', 'stderr');
    q.exit(1);
    const g = (await h.json('GET', `/batches/${bad.body.id}`)).body;
    assert.equal(g.state, 'dead');
    assert.ok(g.log.includes('ValueError: boom'), JSON.stringify(g.log));
    assert.ok(g.log.includes('batch dead: spark-submit exited with code 1'), JSON.stringify(g.log));
    const rec = h.store.getBatch(bad.body.id)!;
    assert.equal(rec.exitCode, 1);
    assert.equal(rec.pid, null);
    assert.ok(rec.logTail.includes('ValueError: boom'), 'the log is stored when the batch ends');

    const signalled = await create();
    h.batchLauncher.last().exit(null, 'SIGKILL');
    assert.equal(await state(signalled.body.id), 'dead');
    assert.equal(h.store.getBatch(signalled.body.id)!.stateReason, 'spark-submit was killed by SIGKILL');
  });

  test('the batch object carries the last 10 log lines; the log pages with from/size/total', async () => {
    const r = await create();
    const p = h.batchLauncher.last();
    for (let i = 0; i < 30; i++) p.print(`line ${i}`);
    const g = (await h.json('GET', `/batches/${r.body.id}`)).body;
    assert.equal(g.log.length, 10);
    assert.deepEqual(g.log.slice(-2), ['line 29', '\nstderr: ']);
    const all = (await h.json('GET', `/batches/${r.body.id}/log?size=-1`)).body;
    assert.deepEqual(Object.keys(all).sort(), ['from', 'id', 'log', 'total']);
    assert.equal(all.total, 32);
    assert.equal(all.log.length, 32);
    const pg = (await h.json('GET', `/batches/${r.body.id}/log?from=1&size=3`)).body;
    assert.deepEqual(pg, { id: r.body.id, from: 1, total: 32, log: ['line 0', 'line 1', 'line 2'] });
    const tail = (await h.json('GET', `/batches/${r.body.id}/log?size=5`)).body;
    assert.equal(tail.from, 27);
    assert.equal(tail.log.length, 5);
    for (const q of ['from=-1', 'size=abc', 'from=x']) assert.equal((await h.json('GET', `/batches/${r.body.id}/log?${q}`)).status, 400, q);
    p.exit(0);
  });

  test('a runaway line is cut rather than stored whole', async () => {
    const r = await create();
    const p = h.batchLauncher.last();
    p.print('x'.repeat(100_000));
    const log = (await h.json('GET', `/batches/${r.body.id}/log?size=-1`)).body.log as string[];
    const line = log.find((l) => l.startsWith('xxx'))!;
    assert.ok(line.length < 20_000);
    assert.match(line, /more characters\]$/);
    p.exit(0);
  });

  test('app id and UI address reported by the launcher appear in the batch', async () => {
    const r = await create();
    const p = h.batchLauncher.last();
    p.appInfo({ sparkUiUrl: 'http://127.0.0.1:4041' });
    p.appInfo({ appId: 'local-1700000000000' });
    const g = (await h.json('GET', `/batches/${r.body.id}`)).body;
    assert.equal(g.appId, 'local-1700000000000');
    assert.equal(g.appInfo.sparkUiUrl, 'http://127.0.0.1:4041');
    assert.equal(h.store.getBatch(r.body.id)!.appId, 'local-1700000000000', 'persisted');
    p.exit(0);
  });

  test('DELETE kills a running batch (SIGTERM), records it killed, answers {"msg":"deleted"}, then 404 everywhere', async () => {
    const r = await create({ name: 'doomed' });
    const p = h.batchLauncher.last();
    const seen: string[] = [];
    const off = h.batches.onStateChange((ev) => { if (ev.id === r.body.id) seen.push(ev.state); });
    const onBus: { state: string; reason: string }[] = [];
    const offBus = h.bus.onBatch(r.body.id, (ev) => onBus.push({ state: ev.state, reason: ev.reason }));
    const d = await h.json('DELETE', '/batches/doomed', undefined, { 'content-type': 'application/json' });
    off();
    offBus();
    assert.equal(d.status, 200);
    assert.deepEqual(d.body, { msg: 'deleted' });
    assert.deepEqual(p.signals, ['SIGTERM']);
    assert.deepEqual(seen, ['killed'], 'a kill we asked for is killed, not dead, whatever the exit code');
    assert.deepEqual(onBus, [{ state: 'killed', reason: 'deleted by user' }], 'batch events go through the EventBus, once each');
    assert.equal(h.store.getBatch(r.body.id), undefined, 'forgotten, and purged from the store');
    for (const [m, u] of [['GET', `/batches/${r.body.id}`], ['GET', `/batches/${r.body.id}/state`], ['GET', `/batches/${r.body.id}/log`], ['DELETE', `/batches/${r.body.id}`], ['GET', '/batches/doomed']] as const) {
      const x = await h.json(m, u);
      assert.equal(x.status, 404, `${m} ${u}`);
      assert.equal(x.body.code, 'BATCH_NOT_FOUND');
      assert.match(x.body.msg, /Batch '.*' not found/);
    }
    assert.ok(!(await h.json('GET', '/batches')).body.sessions.some((b: { id: number }) => b.id === r.body.id));
    // The name is free again.
    const again = await create({ name: 'doomed' });
    assert.equal(again.status, 201);
    h.batchLauncher.last().exit(0);
  });

  test('stop kills but keeps the batch listed as killed; a finished batch is left as it ended', async () => {
    const r = await create();
    const s = await h.json('POST', `/batches/${r.body.id}/stop`);
    assert.equal(s.status, 200);
    assert.deepEqual(s.body, { msg: 'stopped' });
    const g = (await h.json('GET', `/batches/${r.body.id}`)).body;
    assert.equal(g.state, 'killed');
    assert.ok(g.log.includes('batch killed: stopped by user'), JSON.stringify(g.log));
    assert.equal(h.store.getBatch(r.body.id)!.exitCode, 143);

    const done = await create();
    h.batchLauncher.last().exit(0);
    assert.equal((await h.json('POST', `/batches/${done.body.id}/stop`)).status, 200);
    assert.equal(await state(done.body.id), 'success');
    assert.deepEqual(h.batchLauncher.last().signals, []);
    assert.equal((await h.json('DELETE', `/batches/${done.body.id}`)).status, 200);
  });

  test('a process that ignores SIGTERM gets SIGKILL after batches.killTimeoutMs, and is still killed', async () => {
    const r = await create();
    const p = h.batchLauncher.last();
    p.ignoreTerm = true;
    const seen: string[] = [];
    const off = h.batches.onStateChange((ev) => { if (ev.id === r.body.id) seen.push(ev.state); });
    const pending = h.json('DELETE', `/batches/${r.body.id}`);
    await h.waitFor(() => p.signals.length === 1, 'SIGTERM sent');
    h.clock.advance(h.config.batches.killTimeoutMs - 1);
    await new Promise((res) => setImmediate(res));
    assert.deepEqual(p.signals, ['SIGTERM'], 'no SIGKILL before the grace period is over');
    h.clock.advance(1);
    const d = await pending;
    assert.equal(d.status, 200);
    off();
    assert.deepEqual(p.signals, ['SIGTERM', 'SIGKILL']);
    assert.deepEqual(seen, ['killed']);
  });

  test('a spark-submit that cannot be launched leaves the batch dead with the reason in its log', async () => {
    h.batchLauncher.failWith = 'spark-submit not found at /nowhere/bin/spark-submit';
    try {
      const r = await create();
      assert.equal(r.status, 201);
      assert.equal(r.body.state, 'dead');
      assert.ok(r.body.log.some((l: string) => /could not be launched: spark-submit not found/.test(l)), JSON.stringify(r.body.log));
    } finally {
      h.batchLauncher.failWith = undefined;
    }
  });

  test('ids count up from 0, apart from session ids; the list pages and its key is "sessions"', async () => {
    const hh = await makeHarness((c) => { c.sessions.max = 5; });
    try {
      mkdirSync(hh.config.batches.allowedDirs[0]!, { recursive: true });
      const f = path.join(hh.config.batches.allowedDirs[0]!, 'a.py');
      await hh.json('POST', '/sessions', { kind: 'pyspark' });
      const ids = [];
      for (let i = 0; i < 3; i++) ids.push((await hh.json('POST', '/batches', { file: f })).body.id);
      assert.deepEqual(ids, [0, 1, 2]);
      const all = (await hh.json('GET', '/batches')).body;
      assert.deepEqual(Object.keys(all).sort(), ['from', 'sessions', 'total']);
      assert.equal(all.total, 3);
      assert.deepEqual(all.sessions.map((b: { id: number }) => b.id), [0, 1, 2]);
      assert.deepEqual(Object.keys(all.sessions[0]).sort(), LIVY_BATCH_KEYS);
      const p = (await hh.json('GET', '/batches?from=1&size=1')).body;
      assert.deepEqual({ from: p.from, total: p.total, ids: p.sessions.map((b: { id: number }) => b.id) }, { from: 1, total: 3, ids: [1] });
      assert.equal((await hh.json('GET', '/batches?size=-1')).status, 400);
    } finally {
      await hh.close();
    }
  });

  test('batches.max: one more running batch is 429 with Retry-After; an ended batch frees its slot', async () => {
    const hh = await makeHarness((c) => { c.batches.max = 2; });
    try {
      const f = path.join(hh.config.batches.allowedDirs[0]!, 'a.py');
      assert.equal((await hh.json('POST', '/batches', { file: f })).status, 201);
      assert.equal((await hh.json('POST', '/batches', { file: f })).status, 201);
      const r = await hh.json('POST', '/batches', { file: f });
      assert.equal(r.status, 429);
      assert.equal(r.body.code, 'TOO_MANY_BATCHES');
      assert.match(r.body.msg, /batches\.max/);
      assert.ok(r.headers['retry-after']);
      hh.batchLauncher.procs[0]!.exit(0);
      assert.equal((await hh.json('POST', '/batches', { file: f })).status, 201);
    } finally {
      await hh.close();
    }
  });
});
