/**
 * The shared-data endpoints' own checks, on a fake driver: names, JSON values, size limits,
 * path rules, and sessions that are not running.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeHarness } from '../support/harness.ts';

describe('shared data over HTTP', () => {
  let h: Awaited<ReturnType<typeof makeHarness>>;
  let sid: number;
  before(async () => {
    h = await makeHarness((c) => { c.limits.sharedValueBytes = 100; });
    sid = (await h.json('POST', '/sessions', { kind: 'pyspark' })).body.id;
    await h.waitState(sid, 'idle');
  });
  after(async () => { await h.close(); });

  test('put then get one key; the driver receives the value as JSON', async () => {
    const put = await h.json('PUT', `/sessions/${sid}/shared/states/ak`, '"Alaska"');
    assert.deepEqual(put.body, { name: 'states', key: 'ak', value: 'Alaska' });
    const get = await h.json('GET', `/sessions/${sid}/shared/states/ak`);
    assert.deepEqual(get.body, { name: 'states', key: 'ak', value: 'Alaska' });
    assert.equal((await h.json('GET', `/sessions/${sid}/shared/states/zz`)).body.code, 'KEY_NOT_FOUND');
    assert.equal((await h.json('GET', `/sessions/${sid}/shared/nomap/zz`)).status, 404);
  });

  test('any key is kept in answers, line breaks and all (keys are data, not names)', async () => {
    const keys = ['a\nb', 'tab\there', 'line\u2028sep', ''];
    const entries = Object.fromEntries(keys.map((k, i) => [k, i]));
    assert.deepEqual((await h.json('POST', `/sessions/${sid}/shared/odd/put`, { entries })).body, { updated: 4, size: 4 });
    const got = await h.json('POST', `/sessions/${sid}/shared/odd/get`, { keys: [...keys, 'missing\n'] });
    assert.deepEqual(got.body, { values: entries, missing: ['missing\n'] });
    // Conf keys are different: spark-submit echoes them into the output the server reads application ids from.
    const refused = await h.json('POST', '/sessions', { kind: 'pyspark', conf: { 'spark.x\ny': 'v' } });
    assert.equal(refused.status, 400);
    assert.match(refused.body.msg, /can't contain spaces or control characters/);
  });

  test('values over the limit are 413, whole bulk puts included, and nothing reaches the driver', async () => {
    const before = h.launcher.procs.at(-1)!.received.length;
    const one = await h.json('PUT', `/sessions/${sid}/shared/states/big`, JSON.stringify('x'.repeat(200)));
    assert.equal(one.status, 413);
    assert.equal(one.body.code, 'VALUE_TOO_LARGE');
    const bulk = await h.json('POST', `/sessions/${sid}/shared/states/put`, { entries: { ok: 1, big: 'x'.repeat(200) } });
    assert.equal(bulk.status, 413);
    assert.equal(h.launcher.procs.at(-1)!.received.length, before);
  });

  test('bad names, bodies and paths are refused before the driver is asked', async () => {
    assert.equal((await h.json('PUT', `/sessions/${sid}/shared/9lives/k`, '1')).status, 400);
    assert.equal((await h.json('PUT', `/sessions/${sid}/shared/states/k`, '')).status, 400);
    assert.equal((await h.json('POST', `/sessions/${sid}/shared/states/get`, { keys: 'ak' })).status, 400);
    assert.equal((await h.json('POST', `/sessions/${sid}/shared/states/put`, { entries: {}, extra: 1 })).status, 400);
    const out = await h.json('POST', `/sessions/${sid}/shared/states/save`, { path: '/etc/passwd-copy' });
    assert.equal(out.status, 403);
    assert.equal(out.body.code, 'FORBIDDEN_PATH');
    const rel = await h.json('POST', `/sessions/${sid}/shared/states/save`, { path: 'relative/dir' });
    assert.equal(rel.status, 400);
    const ok = await h.json('POST', `/sessions/${sid}/shared/states/save`, { path: path.join(h.config.shared.allowedDirs[0]!, 's') });
    assert.equal(ok.status, 200);
    const remote = await h.json('POST', `/sessions/${sid}/shared/states/save`, { path: 'hdfs://nn:8020/data/states' });
    assert.equal(remote.status, 200, 'Hadoop URIs pass through to Spark');
  });

  test('a preload path outside the allowed directories is refused at create time', async () => {
    const r = await h.json('POST', '/sessions', { kind: 'pyspark', preload: { states: { path: '/etc/x' } } });
    assert.equal(r.status, 403);
  });

  test('save, load and preload take only URI schemes in spark.allowedSchemes: 400 naming the scheme and the setting', async () => {
    const before = h.launcher.procs.at(-1)!.received.length;
    const meta = 'http://169.254.169.254/latest/meta-data/iam/security-credentials/';
    for (const [op, p] of [['load', meta], ['load', 'ftp://evil/x'], ['save', 'https://evil/upload'], ['load', 'local:/etc/passwd']] as const) {
      const r = await h.json('POST', `/sessions/${sid}/shared/states/${op}`, { path: p });
      assert.equal(r.status, 400, `${op} ${p}`);
      assert.equal(r.body.code, 'VALIDATION');
      assert.match(r.body.msg, new RegExp(`scheme '${p.split(':')[0]}:' is not allowed.*spark\.allowedSchemes`));
    }
    assert.equal(h.launcher.procs.at(-1)!.received.length, before, 'nothing reached the driver');
    const launched = h.launcher.procs.length;
    const pre = await h.json('POST', '/sessions', { kind: 'pyspark', preload: { creds: { path: meta } } });
    assert.equal(pre.status, 400);
    assert.match(pre.body.msg, /'http:' is not allowed.*spark\.allowedSchemes/);
    assert.equal(h.launcher.procs.length, launched, 'no driver launched');
    assert.equal((await h.json('POST', `/sessions/${sid}/shared/states/save`, { path: 's3a://bucket/states' })).status, 200, 'an allowed scheme passes');
  });

  test('shared data of a session that is not running is 409, of an unknown session 404', async () => {
    h.launcher.behaviour = 'hang';
    const starting = (await h.json('POST', '/sessions', { kind: 'pyspark' })).body.id;
    h.launcher.behaviour = 'ok';
    const r = await h.json('GET', `/sessions/${starting}/shared`);
    assert.equal(r.status, 409);
    assert.equal(r.body.code, 'SESSION_NOT_ACTIVE');
    assert.equal((await h.json('GET', '/sessions/4242/shared')).status, 404);
  });
});
