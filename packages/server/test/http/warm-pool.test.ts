/**
 * Warm drivers (sessions.warmDrivers, domain/warm-pool.ts) through the HTTP API on fake drivers:
 * a session takes a warm driver and keeps its id, the pool refills, a request the rule refuses
 * starts cold, runtime conf is applied before the session is idle (and a driver that refuses it
 * is replaced), warm drivers give way under sessions.max, fail and are retried, and stop with the
 * server.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { defaultConfig } from '../../src/config.ts';
import { validateSessionRequest } from '../../src/domain/validate-session.ts';
import { isRuntimeConf, warmMisfit, warmPoolSize } from '../../src/domain/warm-pool.ts';
import { makeHarness, type Harness } from '../support/harness.ts';

let h: Harness | undefined;
afterEach(async () => { await h?.close(); h = undefined; });

async function warm(size = 1, tweak: (c: ReturnType<typeof defaultConfig>) => void = () => undefined) {
  h = await makeHarness((c) => { c.sessions.warmDrivers = size; tweak(c); });
  h.sessions.warmUp();
  await h.waitFor(() => h!.launcher.launched.length === size, `${size} warm drivers launched`);
  return h;
}

const conf = async (hh: Harness, id: number) => {
  const r = await hh.json('POST', `/sessions/${id}/statements?wait=5`, { code: '__conf__', kind: 'pyspark' });
  const s = r.body.state === 'available' ? r.body : (await hh.json('GET', `/sessions/${id}/statements/${r.body.id}?wait=5`)).body;
  return JSON.parse(s.output.data['text/plain']);
};

describe('warm drivers', () => {
  test('a session takes the warm driver: its id is the first, it is idle without a new launch, the pool refills', async () => {
    const hh = await warm();
    const warmId = hh.launcher.launched[0]!.session.id;
    assert.equal((await hh.json('GET', '/sessions')).body.total, 0, 'a warm driver is no session');
    const r = await hh.json('POST', '/sessions', { kind: 'pyspark', name: 'quick', heartbeatTimeoutInSecond: 60 });
    assert.equal(r.status, 201);
    assert.equal(r.body.id, warmId, 'the first session of a fresh server is still 0');
    assert.equal(r.body.id, 0);
    await hh.waitState(0, 'idle');
    assert.equal(r.body.name, 'quick');
    await hh.waitFor(() => hh.launcher.launched.length === 2, 'the pool refilled');
    assert.equal(hh.launcher.launched[1]!.session.id, 1);
    const listed = (await hh.json('GET', '/sessions')).body;
    assert.deepEqual(listed.sessions.map((s: { id: number; kind: string }) => [s.id, s.kind]), [[0, 'pyspark']]);
    const next = await hh.json('POST', '/sessions', { kind: 'spark' });
    assert.equal(next.body.id, 1, 'the next one takes the refilled driver');
    await hh.waitState(1, 'idle');
  });

  test('a request a warm driver can\'t serve starts cold; the warm driver stays for the next', async () => {
    const hh = await warm();
    const r = await hh.json('POST', '/sessions', { kind: 'pyspark', driverMemory: '2g' });
    assert.equal(r.body.id, 1, 'a new id: the warm driver keeps 0');
    assert.equal(hh.launcher.launched.length, 2);
    assert.equal(hh.launcher.launched[1]!.session.driverMemory, '2g');
    await hh.waitState(1, 'idle');
    const w = await hh.json('POST', '/sessions', { kind: 'pyspark' });
    assert.equal(w.body.id, 0);
  });

  test('runtime conf is set on the warm driver before the session is idle', async () => {
    const hh = await warm();
    const r = await hh.json('POST', '/sessions', { kind: 'pyspark', conf: { 'spark.sql.shuffle.partitions': '3', 'spark.sql.session.timeZone': 'UTC' } });
    assert.equal(r.body.id, 0);
    await hh.waitState(0, 'idle');
    assert.deepEqual(await conf(hh, 0), { 'spark.sql.shuffle.partitions': '3', 'spark.sql.session.timeZone': 'UTC' });
    assert.deepEqual(r.body.conf, { 'spark.sql.shuffle.partitions': '3', 'spark.sql.session.timeZone': 'UTC' });
  });

  test('a warm driver that refuses the conf is stopped and the session starts on a new one, same id', async () => {
    const hh = await warm();
    const first = hh.launcher.procs[0]!;
    const r = await hh.json('POST', '/sessions', { kind: 'pyspark', conf: { 'spark.sql.fake.staticOnly': 'x' } });
    assert.equal(r.body.id, 0);
    await hh.waitState(0, 'idle');
    assert.ok(first.exited, 'the refusing driver is gone');
    const relaunched = hh.launcher.launched.filter((l) => l.session.id === 0);
    assert.equal(relaunched.length, 2, 'a cold driver for session 0');
    const log = (await hh.json('GET', '/sessions/0/log?size=100')).body.log.join('\n');
    assert.match(log, /could not take the session's conf.*not settable in a running session: spark\.sql\.fake\.staticOnly/);
  });

  test('warm drivers count against sessions.max and give way to a session that needs the room', async () => {
    const hh = await warm(1, (c) => { c.sessions.max = 2; });
    await hh.waitFor(() => hh.launcher.procs.length === 1, 'one warm');
    const a = await hh.json('POST', '/sessions', { kind: 'pyspark', driverMemory: '1g' });
    assert.equal(a.status, 201);
    const b = await hh.json('POST', '/sessions', { kind: 'pyspark', driverMemory: '1g' });
    assert.equal(b.status, 201, 'the warm driver gave way');
    await hh.waitFor(() => hh.launcher.procs[0]!.exited, 'the warm driver stopped');
    assert.equal((await hh.json('POST', '/sessions', { kind: 'pyspark' })).status, 429);
  });

  test('a launch that fails at once is tried again later, not at once in a loop (ids are not burnt)', async () => {
    h = await makeHarness((c) => { c.sessions.warmDrivers = 2; });
    const hh = h;
    hh.launcher.behaviour = 'cannot-spawn';
    hh.sessions.warmUp();
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(hh.launcher.launched.length, 1, 'one attempt, then the back-off');
    hh.launcher.behaviour = 'ok';
    hh.clock.advance(5_000);
    await hh.waitFor(() => hh.launcher.launched.length === 3, 'both started after the back-off');
  });

  test('a session that ends makes room, and the pool refills', async () => {
    const hh = await warm(1, (c) => { c.sessions.max = 1; });
    const r = await hh.json('POST', '/sessions', { kind: 'pyspark' });
    await hh.waitState(r.body.id, 'idle');
    await new Promise((res) => setTimeout(res, 20));
    assert.equal(hh.launcher.launched.length, 1, 'no room for a warm driver beside the session');
    await hh.json('DELETE', `/sessions/${r.body.id}`);
    await hh.waitFor(() => hh.launcher.launched.length === 2, 'refilled once the session was gone');
  });

  test('a warm driver that fails is retried later, less often each time; they stop with the server', async () => {
    h = await makeHarness((c) => { c.sessions.warmDrivers = 1; });
    const hh = h;
    hh.launcher.behaviour = 'crash-start';
    hh.sessions.warmUp();
    await hh.waitFor(() => hh.logs.some((l) => /a warm driver \(session id 0\) failed: .*starting another in 5 s/.test(l)), 'the failure logged');
    hh.launcher.behaviour = 'ok';
    hh.clock.advance(5_000);
    await hh.waitFor(() => hh.launcher.launched.length === 2, 'tried again');
    await hh.waitFor(() => hh.launcher.procs[1]!.exited === false, 'running');
    await hh.close();
    h = undefined;
    assert.ok(hh.launcher.procs.every((p) => p.exited), 'no warm driver outlives the server');
  });
});

describe('the rule: what a warm driver can serve', () => {
  const cfg = defaultConfig();
  const misfit = (req: object) => warmMisfit(validateSessionRequest(req, cfg), cfg);

  test('kind, name, timeouts, heartbeat and runtime SQL conf are fine', () => {
    assert.equal(misfit({ kind: 'spark', name: 'x', ttl: '1h', idleTimeout: '10m', heartbeatTimeoutInSecond: 5, conf: { 'spark.sql.shuffle.partitions': '4' } }), undefined);
  });

  test('anything a driver starts with needs a new one', () => {
    assert.match(misfit({ driverMemory: '2g' })!, /memory/);
    assert.match(misfit({ numExecutors: 2 })!, /executors/);
    assert.match(misfit({ proxyUser: 'bob' })!, /proxyUser/);
    assert.match(misfit({ conf: { 'spark.executor.memory': '1g' } })!, /spark\.executor\.memory/);
    assert.match(misfit({ conf: { 'spark.sql.ui.retainedExecutions': '5' } })!, /spark\.sql\.ui\.retainedExecutions/);
    assert.match(misfit({ conf: { 'spark.sql.hive.metastorePartitionPruning': 'true' } })!, /spark\.sql\.hive\./);
    assert.equal(isRuntimeConf('spark.sql.adaptive.enabled'), true);
    assert.equal(isRuntimeConf('spark.sql.warehouse.dir'), false);
  });

  test('the pool\'s size: the setting, or one on a local master and none on a cluster, nor when sessions run as their owners', () => {
    const c = defaultConfig();
    assert.equal(warmPoolSize(c), 1);
    c.access.runAsOwner = true;
    assert.equal(warmPoolSize(c), 0, 'a warm driver runs as the server\'s user: no owner\'s session could take it');
    c.access.runAsOwner = false;
    c.spark.master = 'yarn';
    assert.equal(warmPoolSize(c), 0);
    c.sessions.warmDrivers = 3;
    assert.equal(warmPoolSize(c), 3);
  });
});
