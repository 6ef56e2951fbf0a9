/**
 * The Livy session API through HTTP (app.inject), on fake drivers: shapes, codes, states and
 * every kind of bad input a client can send.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeHarness } from '../support/harness.ts';

const LIVY_SESSION_KEYS = [
  'id', 'name', 'appId', 'owner', 'proxyUser', 'state', 'kind', 'appInfo', 'log', 'ttl', 'idleTimeout',
  'driverMemory', 'driverCores', 'executorMemory', 'executorCores', 'conf', 'archives', 'files', 'jars',
  'pyFiles', 'heartbeatTimeoutInSecond', 'numExecutors', 'queue',
].sort();
/** Livy's, and Sparkport's three for lists that show age, idle time and work done (the web UI's). */
const SESSION_KEYS = [...LIVY_SESSION_KEYS, 'createdAt', 'lastActivity', 'statementCount'].sort();

describe('sessions over HTTP', () => {
  let h: Awaited<ReturnType<typeof makeHarness>>;
  before(async () => { h = await makeHarness((c) => { c.sessions.max = 20; c.limits.bodyBytes = 4096; }); });
  after(async () => { await h.close(); });

  test('create answers 201 with Location and Livy\'s keys (and Sparkport\'s three), then becomes idle', async () => {
    const r = await h.json('POST', '/sessions', { kind: 'pyspark', heartbeatTimeoutInSecond: 60 });
    assert.equal(r.status, 201);
    assert.equal(r.headers.location, `/sessions/${r.body.id}`);
    assert.deepEqual(Object.keys(r.body).sort(), SESSION_KEYS);
    assert.equal(r.body.createdAt, h.clock.now());
    assert.equal(r.body.statementCount, 0);
    assert.equal(r.body.state, 'starting');
    assert.equal(r.body.kind, 'pyspark');
    assert.equal(typeof r.body.id, 'number');
    // Livy's appInfo is a map of strings: one more key, Sparkport's Spark Connect address, is null when off.
    assert.deepEqual(Object.keys(r.body.appInfo).sort(), ['driverLogUrl', 'executorLogUrls', 'sparkConnectUrl', 'sparkUiUrl']);
    assert.equal(r.body.appInfo.sparkConnectUrl, null);
    await h.waitState(r.body.id, 'idle');
    const g = await h.json('GET', `/sessions/${r.body.id}`);
    assert.equal(g.body.appId, 'local-fake');
    assert.equal(g.body.appInfo.sparkUiUrl, 'http://127.0.0.1:4040');
  });

  test('ids count up from 0 and list pages with from/size/total', async () => {
    const a = await h.json('POST', '/sessions', { kind: 'sql' });
    const b = await h.json('POST', '/sessions', {});
    assert.equal(b.body.id, a.body.id + 1);
    assert.equal(b.body.kind, 'shared');
    const all = await h.json('GET', '/sessions');
    assert.equal(all.body.from, 0);
    assert.equal(all.body.total, all.body.sessions.length);
    const p = await h.json('GET', '/sessions?from=1&size=1');
    assert.equal(p.body.sessions.length, 1);
    assert.equal(p.body.sessions[0].id, all.body.sessions[1].id);
    assert.equal(p.body.total, all.body.total);
  });

  test('kind aliases are normalised; R and unknown kinds are refused with a reason', async () => {
    const py = await h.json('POST', '/sessions', { kind: 'python' });
    assert.equal(py.body.kind, 'pyspark');
    for (const kind of ['spark', 'scala']) {
      const sc = await h.json('POST', '/sessions', { kind });
      assert.equal(sc.status, 201, kind);
      assert.equal(sc.body.kind, 'spark', `${kind} is Scala, canonically 'spark'`);
    }
    for (const [kind, re] of [['sparkr', /R .*not supported/], ['r', /not supported/], ['cobol', /Unknown session kind 'cobol'/], ['pyspark3', /Unknown/]] as const) {
      const r = await h.json('POST', '/sessions', { kind });
      assert.equal(r.status, 400, kind);
      assert.match(r.body.msg, re);
      assert.equal(r.body.code, 'UNSUPPORTED_KIND');
    }
  });

  test('unknown fields, wrong types, malformed JSON and bad values are 400 with a message', async () => {
    const cases: [unknown, RegExp][] = [
      [{ kind: 'pyspark', colour: 'red' }, /unknown field 'colour'/],
      [{ kind: 5 }, /kind.*string/],
      [{ driverCores: '2' }, /driverCores.*integer/],
      [{ conf: { a: 1 } }, /conf/],
      [{ ttl: 'soon' }, /Invalid ttl 'soon'/],
      [{ driverMemory: 'lots' }, /Invalid driverMemory/],
      [{ name: '123' }, /all digits/],
      [{ conf: { 'spark.master': 'yarn' } }, /spark.master/],
      ['{"kind": ', /Malformed JSON/],
      ['[1,2]', /must be a JSON object|body/],
    ];
    for (const [body, re] of cases) {
      const r = await h.json('POST', '/sessions', body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.match(r.body.msg, re, JSON.stringify(body));
      assert.ok(r.body.code);
    }
  });

  test('a body naming more files or conf keys than any spark-submit needs is 400, and a huge wrong one is answered at once with its first mistake', async () => {
    const many = (n: number) => Array.from({ length: n }, (_, i) => `hdfs:///jars/f${i}.jar`);
    const conf = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`spark.x.k${i}`, 'v']));
    const big = await makeHarness(); // the default body limit
    for (const [body, re] of [
      [{ kind: 'pyspark', jars: many(1001) }, /field 'jars' must NOT have more than 1000 items/],
      [{ kind: 'pyspark', pyFiles: many(1001) }, /field 'pyFiles' must NOT have more than 1000 items/],
      [{ kind: 'pyspark', conf: conf(1001) }, /field 'conf' must NOT have more than 1000 properties/],
      // A million wrong items once made a million error objects: seconds of the event loop.
      [{ kind: 'pyspark', files: Array(1_000_000).fill(1) }, /^Invalid request body: field 'files(\.0)?' must/],
    ] as const) {
      const r = await big.json('POST', '/sessions', body);
      assert.equal(r.status, 400, JSON.stringify(body).slice(0, 80));
      assert.match(r.body.msg, re);
      assert.ok(r.body.msg.length < 300, r.body.msg.slice(0, 300));
    }
    const fine = await big.json('POST', '/sessions', { kind: 'pyspark', conf: conf(1000), jars: many(3) });
    assert.equal(fine.status, 201, JSON.stringify(fine.body).slice(0, 300));
    await big.close();
  });

  test('a body over the configured limit is 413', async () => {
    const r = await h.json('POST', '/sessions', { kind: 'pyspark', conf: { big: 'x'.repeat(5000) } });
    assert.equal(r.status, 413);
    assert.equal(r.body.code, 'BODY_TOO_LARGE');
    assert.match(r.body.msg, /limit/);
  });

  test('names: lookup by name on every route, duplicates refused', async () => {
    const r = await h.json('POST', '/sessions', { kind: 'pyspark', name: 'analytics' });
    assert.equal(r.body.name, 'analytics');
    const dup = await h.json('POST', '/sessions', { kind: 'pyspark', name: 'analytics' });
    assert.equal(dup.status, 409);
    assert.match(dup.body.msg, /Duplicate session name 'analytics'/);
    const byName = await h.json('GET', '/sessions/analytics');
    assert.equal(byName.body.id, r.body.id);
    const st = await h.json('GET', '/sessions/analytics/state');
    assert.equal(st.body.id, r.body.id);
  });

  test('unknown sessions are 404 with Livy\'s message; GET with a JSON content type and no body is fine', async () => {
    const r = await h.json('GET', '/sessions/9999', undefined, { 'content-type': 'application/json' });
    assert.equal(r.status, 404);
    assert.equal(r.body.msg, "Session '9999' not found.");
    assert.equal(r.body.code, 'SESSION_NOT_FOUND');
    const n = await h.json('GET', '/sessions/nobody/statements');
    assert.equal(n.status, 404);
    const bad = await h.json('GET', '/sessions?from=abc');
    assert.equal(bad.status, 400);
    assert.match(bad.body.msg, /'from' must be an integer/);
    const route = await h.json('GET', '/nope');
    assert.equal(route.status, 404);
  });

  test('delete answers {"msg":"deleted"} (with a JSON content type and no body) and the session is then 404', async () => {
    const r = await h.json('POST', '/sessions', { kind: 'pyspark' });
    await h.waitState(r.body.id, 'idle');
    const d = await h.json('DELETE', `/sessions/${r.body.id}`, undefined, { 'content-type': 'application/json' });
    assert.equal(d.status, 200);
    assert.deepEqual(d.body, { msg: 'deleted' });
    assert.equal((await h.json('GET', `/sessions/${r.body.id}`)).status, 404);
    assert.ok(!(await h.json('GET', '/sessions')).body.sessions.some((s: { id: number }) => s.id === r.body.id));
    const proc = h.launcher.procs.at(-1)!;
    assert.ok(proc.exited, 'driver process is gone');
    assert.ok(proc.received.some((m) => m.type === 'shutdown'), 'driver was asked to shut down');
  });

  test('a driver killed from outside leaves its session killed, with the reason in the log', async () => {
    const r = await h.json('POST', '/sessions', { kind: 'pyspark' });
    await h.waitState(r.body.id, 'idle');
    h.launcher.procs.at(-1)!.kill('SIGKILL');
    await h.waitState(r.body.id, 'killed');
    const log = await h.json('GET', `/sessions/${r.body.id}/log`);
    assert.ok(log.body.log.some((l: string) => /killed by SIGKILL/.test(l)), JSON.stringify(log.body.log));
    const st = await h.json('POST', `/sessions/${r.body.id}/statements`, { code: '1' });
    assert.equal(st.status, 409);
  });

  test('log answers {id, from, total, log} in Livy\'s stdout/stderr layout', async () => {
    h.launcher.behaviour = 'crash-start';
    const r = await h.json('POST', '/sessions', { kind: 'pyspark' });
    h.launcher.behaviour = 'ok';
    await h.waitState(r.body.id, 'dead');
    const log = await h.json('GET', `/sessions/${r.body.id}/log`);
    assert.deepEqual(Object.keys(log.body).sort(), ['from', 'id', 'log', 'total']);
    assert.equal(log.body.log[0], 'stdout: ');
    assert.ok(log.body.log.includes('\nstderr: '));
    assert.ok(log.body.log.some((l: string) => l.includes('OutOfMemoryError')));
    const tail = await h.json('GET', `/sessions/${r.body.id}/log?size=2`);
    assert.equal(tail.body.log.length, 2);
    assert.equal(tail.body.from, tail.body.total - 2);
  });

  test('URLs the router cannot take still get {msg, code}: a long name is looked up, a broken escape is 400', async () => {
    const long = await h.json('GET', `/sessions/${'n'.repeat(200)}`);
    assert.equal(long.status, 404);
    assert.equal(long.body.code, 'SESSION_NOT_FOUND');
    const broken = await h.json('GET', '/sessions/%E0%A4%A');
    assert.equal(broken.status, 400);
    assert.equal(broken.body.code, 'VALIDATION');
    assert.match(broken.body.msg, /Bad request URL/);
  });
});
