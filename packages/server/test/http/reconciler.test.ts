/**
 * Background upkeep, driven by the fake clock: idle timeout, per-session ttl, heartbeat expiry,
 * retention of finished sessions, and the cap on live sessions. Time only moves when a test
 * calls `clock.advance`; the reconciler only acts when a test calls `reconciler.tick()`.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { afterEach, describe, test } from 'node:test';
import type { Config } from '../../src/config.ts';
import { MemoryStore } from '../../src/store/memory-store.ts';
import { makeHarness } from '../support/harness.ts';

type Harness = Awaited<ReturnType<typeof makeHarness>>;

const SECOND = 1000;
const MINUTE = 60 * SECOND;

describe('reconciler', () => {
  let h: Harness | undefined;
  const harness = async (tweak: (c: Config) => void = () => undefined) => {
    h = await makeHarness((c) => { c.sessions.max = 20; tweak(c); });
    return h;
  };
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  const create = async (hh: Harness, body: Record<string, unknown>) => {
    const r = await hh.json('POST', '/sessions', { kind: 'pyspark', ...body });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body.id as number;
  };
  const exists = async (hh: Harness, id: number) => (await hh.json('GET', `/sessions/${id}`)).status === 200;
  const listed = async (hh: Harness) => (await hh.json('GET', '/sessions')).body.sessions.map((s: { id: number }) => s.id);

  test('an idle session past its idleTimeout is deleted; before that it stays', async () => {
    const hh = await harness();
    const id = await create(hh, { idleTimeout: '10m' });
    await hh.waitState(id, 'idle');

    hh.clock.advance(10 * MINUTE - SECOND);
    assert.deepEqual(await hh.reconciler.tick(), []);
    assert.ok(await exists(hh, id));

    hh.clock.advance(2 * SECOND);
    const deleted = await hh.reconciler.tick();
    assert.deepEqual(deleted.map((d) => d.id), [id]);
    assert.match(deleted[0]!.reason, /idle for longer than 10m/);
    const r = await hh.json('GET', `/sessions/${id}`);
    assert.equal(r.status, 404);
    assert.equal(r.body.code, 'SESSION_NOT_FOUND');
    assert.ok(!(await listed(hh)).includes(id));
    assert.ok(hh.launcher.procs.at(-1)!.exited, 'its driver was stopped');
  });

  test('running a statement resets the idle clock', async () => {
    const hh = await harness();
    const id = await create(hh, { idleTimeout: '10m' });
    await hh.waitState(id, 'idle');
    hh.clock.advance(8 * MINUTE);
    const r = await hh.json('POST', `/sessions/${id}/statements?wait=5`, { code: '1' });
    assert.equal(r.body.state, 'available');
    await hh.waitState(id, 'idle');
    hh.clock.advance(8 * MINUTE);
    assert.deepEqual(await hh.reconciler.tick(), [], '8 minutes after the statement, not 16 after start');
    hh.clock.advance(3 * MINUTE);
    assert.deepEqual((await hh.reconciler.tick()).map((d) => d.id), [id]);
  });

  test('a busy session is not deleted for being idle, however long its statement runs', async () => {
    const hh = await harness();
    const id = await create(hh, { idleTimeout: '1m' });
    await hh.waitState(id, 'idle');
    const st = await hh.json('POST', `/sessions/${id}/statements`, { code: 'sleep:100000' });
    await hh.waitState(id, 'busy');
    hh.clock.advance(30 * MINUTE);
    assert.deepEqual(await hh.reconciler.tick(), []);
    const s = await hh.json('GET', `/sessions/${id}`);
    assert.equal(s.status, 200);
    assert.equal(s.body.state, 'busy');
    assert.equal((await hh.json('GET', `/sessions/${id}/statements/${st.body.id}`)).body.state, 'running');
  });

  test('the server-wide idle timeout applies to sessions that set none, and timeoutCheck=false turns it off', async () => {
    const hh = await harness((c) => { c.sessions.idleTimeout = '5m'; });
    const id = await create(hh, {});
    await hh.waitState(id, 'idle');
    hh.clock.advance(5 * MINUTE + SECOND);
    assert.deepEqual((await hh.reconciler.tick()).map((d) => d.id), [id]);
    await hh.close();

    const off = await harness((c) => { c.sessions.idleTimeout = '5m'; c.sessions.timeoutCheck = false; });
    const id2 = await create(off, {});
    await off.waitState(id2, 'idle');
    off.clock.advance(60 * MINUTE);
    assert.deepEqual(await off.reconciler.tick(), []);
    assert.ok(await exists(off, id2));
  });

  test('a per-session ttl deletes the session even though it was used, with no global ttl switch', async () => {
    const hh = await harness((c) => {
      assert.equal(c.sessions.ttlCheck, false, 'the global ttl check is off by default');
      c.sessions.timeoutCheck = false;
    });
    const withTtl = await create(hh, { ttl: '5m' });
    const without = await create(hh, {});
    await hh.waitState(withTtl, 'idle');
    await hh.waitState(without, 'idle');

    hh.clock.advance(4 * MINUTE);
    assert.equal((await hh.json('POST', `/sessions/${withTtl}/statements?wait=5`, { code: 'x' })).body.state, 'available');
    await hh.waitState(withTtl, 'idle');
    assert.deepEqual(await hh.reconciler.tick(), []);

    hh.clock.advance(MINUTE + SECOND);
    const deleted = await hh.reconciler.tick();
    assert.deepEqual(deleted.map((d) => d.id), [withTtl]);
    assert.match(deleted[0]!.reason, /time to live 5m/);
    assert.equal((await hh.json('GET', `/sessions/${withTtl}`)).status, 404);

    hh.clock.advance(24 * 60 * MINUTE);
    assert.deepEqual(await hh.reconciler.tick(), [], 'without its own ttl and with ttlCheck off, a session lives on');
    assert.ok(await exists(hh, without));
  });

  test('a ttl also ends a busy session', async () => {
    const hh = await harness();
    const id = await create(hh, { ttl: '2m' });
    await hh.waitState(id, 'idle');
    await hh.json('POST', `/sessions/${id}/statements`, { code: 'sleep:100000' });
    await hh.waitState(id, 'busy');
    hh.clock.advance(2 * MINUTE + SECOND);
    assert.deepEqual((await hh.reconciler.tick()).map((d) => d.id), [id]);
    assert.equal((await hh.json('GET', `/sessions/${id}`)).status, 404);
  });

  test('ttlCheck applies the server-wide ttl to sessions that set none', async () => {
    const hh = await harness((c) => { c.sessions.ttlCheck = true; c.sessions.ttl = '30m'; c.sessions.timeoutCheck = false; });
    const id = await create(hh, {});
    await hh.waitState(id, 'idle');
    hh.clock.advance(29 * MINUTE);
    assert.deepEqual(await hh.reconciler.tick(), []);
    hh.clock.advance(2 * MINUTE);
    assert.deepEqual((await hh.reconciler.tick()).map((d) => d.id), [id]);
  });

  test('heartbeatTimeoutInSecond: a session nobody polls expires; GETs keep a polled one alive', async () => {
    const hh = await harness();
    const polled = await create(hh, { heartbeatTimeoutInSecond: 60 });
    const forgotten = await create(hh, { heartbeatTimeoutInSecond: 60 });
    const noHeartbeat = await create(hh, {});
    for (const id of [polled, forgotten, noHeartbeat]) await hh.waitState(id, 'idle');

    // Poll `polled` every 30 s of server time, through different read routes.
    const reads = [`/sessions/${polled}`, `/sessions/${polled}/state`, `/sessions/${polled}/statements`, `/sessions/${polled}/log`];
    const seen: number[][] = [];
    for (let i = 0; i < 4; i++) {
      hh.clock.advance(30 * SECOND);
      assert.equal((await hh.json('GET', reads[i]!)).status, 200);
      seen.push((await hh.reconciler.tick()).map((d) => d.id));
    }
    // At 30 s and 60 s nothing is due (60 s is not *past* 60 s); at 90 s `forgotten` goes.
    assert.deepEqual(seen, [[], [], [forgotten], []]);
    assert.equal((await hh.json('GET', `/sessions/${forgotten}`)).status, 404);
    assert.ok(await exists(hh, polled));
    assert.ok(await exists(hh, noHeartbeat), 'heartbeatTimeoutInSecond 0 means no heartbeat check');
  });

  test('listing all sessions is not a heartbeat for each of them', async () => {
    const hh = await harness();
    const id = await create(hh, { heartbeatTimeoutInSecond: 10 });
    await hh.waitState(id, 'idle');
    hh.clock.advance(6 * SECOND);
    await hh.json('GET', '/sessions');
    hh.clock.advance(6 * SECOND);
    assert.deepEqual((await hh.reconciler.tick()).map((d) => d.id), [id]);
  });

  test('a finished (dead) session stays listed for sessions.stateRetainMs, then disappears', async () => {
    const hh = await harness((c) => { c.sessions.stateRetainMs = 10 * MINUTE; });
    // One stopped by the user, one whose driver failed to start.
    const stopped = await create(hh, {});
    await hh.waitState(stopped, 'idle');
    assert.deepEqual((await hh.json('POST', `/sessions/${stopped}/stop`)).body, { msg: 'stopped' });
    hh.launcher.behaviour = 'crash-start';
    const crashed = await create(hh, {});
    hh.launcher.behaviour = 'ok';
    await hh.waitState(crashed, 'dead');
    await hh.waitState(stopped, 'dead');

    hh.clock.advance(10 * MINUTE);
    assert.deepEqual(await hh.reconciler.tick(), []);
    const still = await hh.json('GET', `/sessions/${stopped}`);
    assert.equal(still.status, 200);
    assert.equal(still.body.state, 'dead');
    assert.ok((await listed(hh)).includes(crashed));

    hh.clock.advance(SECOND);
    const deleted = await hh.reconciler.tick();
    assert.deepEqual(deleted.map((d) => d.id).sort(), [stopped, crashed].sort());
    assert.match(deleted[0]!.reason, /retention/);
    assert.equal((await hh.json('GET', `/sessions/${stopped}`)).status, 404);
    assert.equal((await hh.json('GET', `/sessions/${crashed}`)).status, 404);
    assert.deepEqual(await listed(hh), []);
  });

  test('a finished batch stays listed for sessions.stateRetainMs, then disappears; a running one stays', async () => {
    const hh = await harness((c) => { c.sessions.stateRetainMs = 10 * MINUTE; });
    const file = path.join(hh.config.batches.allowedDirs[0]!, 'job.py');
    const done = (await hh.json('POST', '/batches', { file })).body.id;
    hh.batchLauncher.last().exit(0);
    const running = (await hh.json('POST', '/batches', { file })).body.id;
    await hh.waitFor(async () => (await hh.json('GET', `/batches/${done}`)).body.state === 'success', 'batch success');
    hh.clock.advance(10 * MINUTE + SECOND);
    await hh.reconciler.tick();
    assert.equal((await hh.json('GET', `/batches/${done}`)).status, 404);
    assert.equal((await hh.json('GET', `/batches/${running}`)).body.state, 'running');
  });

  test('sessions.max: one more create is 429 with Retry-After and TOO_MANY_SESSIONS; finished sessions free a slot', async () => {
    const hh = await harness((c) => { c.sessions.max = 2; });
    const a = await create(hh, {});
    await create(hh, {});
    const r = await hh.json('POST', '/sessions', { kind: 'pyspark' });
    assert.equal(r.status, 429);
    assert.equal(r.body.code, 'TOO_MANY_SESSIONS');
    assert.match(r.body.msg, /too many sessions/i);
    assert.ok(Number(r.headers['retry-after']) > 0, `Retry-After: ${String(r.headers['retry-after'])}`);
    assert.equal((await listed(hh)).length, 2, 'the refused session was not created');

    await hh.waitState(a, 'idle');
    await hh.json('POST', `/sessions/${a}/stop`);
    await hh.waitState(a, 'dead');
    const c = await hh.json('POST', '/sessions', { kind: 'pyspark' });
    assert.equal(c.status, 201, 'a dead session does not count against the limit');
    assert.equal(c.headers['retry-after'], undefined);
    await hh.waitState(c.body.id, 'idle');
  });

  test('a store that refuses to write does not break upkeep: the session stays, and goes on the next pass', async () => {
    const store = new MemoryStore();
    let refuse = false;
    const purge = store.purgeSession.bind(store);
    store.purgeSession = (id) => {
      if (refuse) throw new Error('disk full');
      purge(id);
    };
    h = await makeHarness((c) => { c.sessions.stateRetainMs = MINUTE; }, store);
    const hh = h;
    const id = await create(hh, {});
    await hh.waitState(id, 'idle');
    await hh.json('POST', `/sessions/${id}/stop`);
    await hh.waitState(id, 'dead');
    hh.clock.advance(2 * MINUTE);

    refuse = true;
    assert.deepEqual(await hh.reconciler.tick(), [], 'nothing was forgotten, and the pass did not throw');
    assert.ok(await exists(hh, id), 'still listed: it was not purged from the store');
    assert.ok(hh.logs.some((l) => /could not forget session .*disk full/.test(l)), hh.logs.join('\n'));

    refuse = false;
    assert.deepEqual((await hh.reconciler.tick()).map((d) => d.id), [id]);
    assert.ok(!(await exists(hh, id)));
  });
});
