/**
 * Spark Connect faces (connect.*, domain/spark-connect.ts) through the HTTP API on fake drivers:
 * the welcome asks for one only when the setting is on; appInfo.sparkConnectUrl has the face's
 * address without its token, and GET /sessions/{id}/spark-connect has it with, for the modify right
 * only, each answer on the audit log; the token is never stored nor shown elsewhere; a face that failed, a session still
 * starting or one that ended get a 409 that says why, a server with Spark Connect off a 404; a
 * warm driver's face becomes its session's; Connect use, as ping replies report it, keeps the
 * session from its idle timeout.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type { Config } from '../../src/config.ts';
import { auditLines, makeHarness, veraViews, type Harness } from '../support/harness.ts';

let h: Harness | undefined;
afterEach(async () => { await h?.close(); h = undefined; });

const on = (c: Config) => { c.connect = { enabled: true, portRange: '15002-15101', host: '127.0.0.1' }; };

async function idle(hh: Harness, headers: Record<string, string> = {}) {
  const r = await hh.json('POST', '/sessions', { kind: 'pyspark' }, headers);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  await hh.waitState(r.body.id, 'idle');
  return r.body.id as number;
}

describe('Spark Connect faces', () => {
  test('off (the default): no face asked for, appInfo.sparkConnectUrl null, GET /spark-connect a 404 naming the setting', async () => {
    h = await makeHarness();
    const id = await idle(h);
    const welcome = h.launcher.procs[0]!.received.find((m) => m.type === 'welcome')!;
    assert.equal(welcome.connect, undefined);
    assert.equal((await h.json('GET', `/sessions/${id}`)).body.appInfo.sparkConnectUrl, null);
    const r = await h.json('GET', `/sessions/${id}/spark-connect`);
    assert.deepEqual([r.status, r.body.code], [404, 'NOT_FOUND']);
    assert.match(r.body.msg, /connect\.enabled/);
    assert.equal((await h.json('POST', `/sessions/${id}/connect`)).status, 200, "Livy's POST /connect still re-attaches");
  });

  test('on: the welcome asks for a face; appInfo has its URL without the token, GET /spark-connect with it; the token is stored nowhere', async () => {
    h = await makeHarness((c) => { on(c); c.connect.portRange = '16000-16009'; });
    const id = await idle(h);
    const proc = h.launcher.procs[0]!;
    assert.deepEqual(proc.received.find((m) => m.type === 'welcome')!.connect, { host: '127.0.0.1', port_low: 16000, port_high: 16009 });
    const sid = `5e3b2f6a-0000-4000-8000-${String(proc.pid).padStart(12, '0')}`;
    const token = `fake-connect-token-${proc.pid}`;
    const url = `sc://127.0.0.1:16000/;session_id=${sid};user_id=sparkport`;
    const s = await h.json('GET', `/sessions/${id}`);
    assert.equal(s.body.appInfo.sparkConnectUrl, url);
    assert.equal((await h.json('GET', '/sessions')).body.sessions[0].appInfo.sparkConnectUrl, url);
    const c = await h.json('GET', `/sessions/${id}/spark-connect`);
    assert.equal(c.status, 200, JSON.stringify(c.body));
    assert.deepEqual(c.body, { url: `${url};x-sparkport-token=${token}`, token });
    assert.equal(c.headers['cache-control'], 'no-store', 'a credential: no cache keeps it');
    assert.doesNotMatch(JSON.stringify(s.body), new RegExp(token));
    assert.doesNotMatch(JSON.stringify(h.store.listSessions()), new RegExp(token), 'a secret: never in the store');
    assert.doesNotMatch(JSON.stringify((await h.json('GET', `/sessions/${id}/log?size=-1`)).body), new RegExp(token));
  });

  test('a driver that could not start its face: the session is idle without it, GET /spark-connect a 409 pointing at the log, which says why', async () => {
    h = await makeHarness(on);
    h.launcher.connectFails = true;
    const id = await idle(h);
    assert.equal((await h.json('GET', `/sessions/${id}`)).body.appInfo.sparkConnectUrl, null);
    const r = await h.json('GET', `/sessions/${id}/spark-connect`);
    assert.deepEqual([r.status, r.body.code], [409, 'SESSION_NOT_ACTIVE']);
    assert.match(r.body.msg, /could not start one \(the session's log says why\)/);
    assert.match((await h.json('GET', `/sessions/${id}/log?size=-1`)).body.log.join('\n'), /Spark Connect is off for this session: .*Failed to bind/);
  });

  test('while the session starts, and once it has ended, GET /spark-connect is a 409 that says so', async () => {
    h = await makeHarness(on);
    h.launcher.readyDelayMs = 200;
    const id = (await h.json('POST', '/sessions', { kind: 'pyspark' })).body.id as number;
    const starting = await h.json('GET', `/sessions/${id}/spark-connect`);
    assert.deepEqual([starting.status, starting.body.code], [409, 'SESSION_NOT_ACTIVE']);
    assert.match(starting.body.msg, /is (not_started|starting): its Spark Connect endpoint is known once its driver is ready/);
    await h.waitState(id, 'idle');
    assert.equal((await h.json('GET', `/sessions/${id}/spark-connect`)).status, 200);
    await h.json('POST', `/sessions/${id}/stop`);
    const ended = await h.json('GET', `/sessions/${id}/spark-connect`);
    assert.deepEqual([ended.status, ended.body.code], [409, 'SESSION_NOT_ACTIVE']);
    assert.match(ended.body.msg, /is dead: its Spark Connect endpoint has ended with its driver/);
    assert.equal((await h.json('GET', `/sessions/${id}`)).body.appInfo.sparkConnectUrl, null);
  });

  test('the token is for the modify right: a view user gets the public URL and a 403 from GET /spark-connect', async () => {
    h = await makeHarness((c) => { on(c); veraViews(c); }, undefined, { testUserHeader: true });
    const id = await idle(h, { 'x-test-user': 'alice' });
    const vera = { 'x-test-user': 'vera' };
    assert.match((await h.json('GET', `/sessions/${id}`, undefined, vera)).body.appInfo.sparkConnectUrl, /^sc:\/\/127\.0\.0\.1:15002\/;session_id=/);
    const r = await h.json('GET', `/sessions/${id}/spark-connect`, undefined, vera);
    assert.deepEqual([r.status, r.body.code], [403, 'FORBIDDEN']);
    assert.equal((await h.json('GET', `/sessions/${id}/spark-connect`, undefined, { 'x-test-user': 'alice' })).status, 200);
  });

  test('handing out the token is on the audit log, though a GET: who, which session, the outcome; a refusal too; the token is not', async () => {
    h = await makeHarness((c) => { on(c); veraViews(c); }, undefined, { testUserHeader: true });
    const id = await idle(h, { 'x-test-user': 'alice' });
    type Line = { user: string; action: string; session?: number; status: number; outcome: string };
    const lines = () => auditLines<Line>(h!.config).filter((l) => l.action === 'getSparkConnect');
    assert.equal((await h.json('GET', `/sessions/${id}`, undefined, { 'x-test-user': 'alice' })).status, 200);
    const c = await h.json('GET', `/sessions/${id}/spark-connect`, undefined, { 'x-test-user': 'alice' });
    assert.equal(c.status, 200, JSON.stringify(c.body));
    await h.json('GET', `/sessions/${id}/spark-connect`, undefined, { 'x-test-user': 'vera' });
    await h.waitFor(() => lines().length === 2, 'two lines');
    assert.deepEqual(lines().map((l) => [l.user, l.session, l.status, l.outcome]), [['alice', id, 200, 'ok'], ['vera', id, 403, 'denied']]);
    const all = auditLines<Line>(h.config);
    assert.ok(!all.some((l) => l.action === 'getSession'), 'other reads are not written');
    assert.doesNotMatch(JSON.stringify(all), new RegExp(c.body.token));
  });

  test("Connect use is the session's activity: a driver whose ping replies say its face was used lately outlives its idle timeout; one without ends", async () => {
    h = await makeHarness(on);
    const hh = h;
    const MINUTE = 60_000;
    const create = async () => {
      const r = await hh.json('POST', '/sessions', { kind: 'pyspark', idleTimeout: '10m' });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      await hh.waitState(r.body.id, 'idle');
      return r.body.id as number;
    };
    const used = await create();
    const unused = await create();
    const proc = (id: number) => hh.launcher.procs[hh.launcher.launched.findIndex((l) => l.session.id === id)]!;
    const lastActivity = (id: number) => hh.sessions.resolve(id).record.lastActivity;
    const pinged = (id: number) => proc(id).received.filter((m) => m.type === 'ping').length;
    const stored = hh.store.getSession(used)!.lastActivity;
    proc(used).connectIdleMs = 2000;

    // One ping each in these 9 minutes (the next is set once a reply is in).
    hh.clock.advance(9 * MINUTE);
    await hh.waitFor(() => lastActivity(used) === hh.clock.now() - 2000, 'the ping reply heard');
    await hh.waitFor(() => pinged(unused) === 1, 'the other session pinged');
    assert.equal(hh.store.getSession(used)!.lastActivity, stored, 'not written to the store for a ping, as no touch is');

    // Not used since: its next reply names a time before the last activity, which never goes back.
    const before = lastActivity(used);
    proc(used).connectIdleMs = 60 * MINUTE;
    const n = pinged(used);
    hh.clock.advance(2 * MINUTE);
    await hh.waitFor(() => pinged(used) > n, 'pinged again');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(lastActivity(used), before);
    assert.deepEqual((await hh.reconciler.tick()).map((d) => d.id), [unused], 'idle 11 minutes: ended; the other used 2 minutes ago');
    assert.equal((await hh.json('GET', `/sessions/${used}`)).body.state, 'idle');

    hh.clock.advance(8 * MINUTE);
    assert.deepEqual((await hh.reconciler.tick()).map((d) => d.id), [used], 'no longer used: its idle timeout ends it');
  });

  test("a warm driver's face becomes the session's that takes it", async () => {
    h = await makeHarness((c) => { on(c); c.sessions.warmDrivers = 1; });
    h.sessions.warmUp();
    await h.waitFor(() => h!.launcher.launched.length === 1, 'a warm driver launched');
    const proc = h.launcher.procs[0]!;
    await h.waitFor(() => proc.received.some((m) => m.type === 'welcome'), 'the warm driver welcomed');
    assert.ok(proc.received.find((m) => m.type === 'welcome')!.connect, 'a warm driver starts its face too');
    const id = await idle(h);
    const c = await h.json('GET', `/sessions/${id}/spark-connect`);
    assert.equal(c.status, 200, JSON.stringify(c.body));
    assert.equal(c.body.token, `fake-connect-token-${proc.pid}`);
  });
});
