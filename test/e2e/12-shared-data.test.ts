/**
 * Shared data on real Spark: named maps over REST and from code, SQL views of maps, datasets
 * published by code and paged over REST, save/load with path rules, answers while a long
 * statement runs, atomic concurrent writers, and the seed's ShareableRdd still working.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { SHAREABLE_RDD_CLASS } from '../fixtures/shareable-rdd.ts';
import { api, run, sharedSession, text, waitForState } from './helpers.ts';

describe('shared data', () => {
  let s: number;
  before(async () => {
    s = await sharedSession();
    await api('DELETE', `/sessions/${s}/shared/states`);
  });

  test('a map set over REST is read over REST, from Python and from SQL', async () => {
    const put = await api('PUT', `/sessions/${s}/shared/states/ak`, '"Alaska"');
    assert.equal(put.status, 200);
    assert.deepEqual(put.body, { name: 'states', key: 'ak', value: 'Alaska' });
    await api('PUT', `/sessions/${s}/shared/states/ca`, { name: 'California', pop: 39 });
    assert.deepEqual((await api('GET', `/sessions/${s}/shared/states/ak`)).body.value, 'Alaska');
    assert.equal(text(await run(s, 'shared["states"]["ak"]')), "'Alaska'");
    assert.equal(text(await run(s, 'shared["states"]["ca"]["pop"]')), '39');
    const sql = await run(s, 'SELECT key, value FROM states ORDER BY key', 'sql');
    assert.deepEqual(sql.output.data['application/json'].data, [['ak', '"Alaska"'], ['ca', '{"name": "California", "pop": 39}']]);
  });

  test('code writes, REST reads; bulk put and get; listing shows kind and size', async () => {
    await run(s, 'shared["states"]["hi"] = "Hawaii"\nshared["states"].update({"wa": "Washington", "tx": "Texas"})');
    const bulk = await api('POST', `/sessions/${s}/shared/states/get`, { keys: ['hi', 'wa', 'nope'] });
    assert.deepEqual(bulk.body, { values: { hi: 'Hawaii', wa: 'Washington' }, missing: ['nope'] });
    const bp = await api('POST', `/sessions/${s}/shared/states/put`, { entries: { ny: 'New York', nj: 'New Jersey' } });
    assert.deepEqual(bp.body, { updated: 2, size: 7 });
    const list = await api('GET', `/sessions/${s}/shared`);
    assert.deepEqual(list.body.items.find((i: { name: string }) => i.name === 'states'), { kind: 'map', name: 'states', size: 7 });
    assert.equal(text(await run(s, 'len(shared["states"])')), '7');
  });

  test('keys page in order with prefix, limit and cursor', async () => {
    const p1 = await api('GET', `/sessions/${s}/shared/states?prefix=n&limit=1`);
    assert.deepEqual(p1.body.entries, [{ key: 'nj', value: 'New Jersey' }]);
    assert.equal(p1.body.next_cursor, 'nj');
    const p2 = await api('GET', `/sessions/${s}/shared/states?prefix=n&limit=1&cursor=${p1.body.next_cursor}`);
    assert.deepEqual(p2.body.entries, [{ key: 'ny', value: 'New York' }]);
    assert.equal(p2.body.next_cursor, null);
    const all = await api('GET', `/sessions/${s}/shared/states?limit=100`);
    assert.deepEqual(all.body.entries.map((e: { key: string }) => e.key), ['ak', 'ca', 'hi', 'nj', 'ny', 'tx', 'wa']);
  });

  test('a dataset published by code is listed with schema and count and paged over REST, and SQL sees it', async () => {
    await run(s, 'shared.publish("squares", spark.range(25).selectExpr("id AS n", "id * id AS sq"))');
    const item = (await api('GET', `/sessions/${s}/shared`)).body.items.find((i: { name: string }) => i.name === 'squares');
    assert.equal(item.kind, 'dataset');
    assert.equal(item.count, 25);
    assert.deepEqual(item.schema.fields.map((f: { name: string }) => f.name), ['n', 'sq']);
    const page = await api('GET', `/sessions/${s}/shared/squares?limit=10&cursor=20`);
    assert.deepEqual(page.body.rows.map((r: { sq: number }) => r.sq), [400, 441, 484, 529, 576]);
    assert.equal(page.body.next_cursor, null);
    const sql = await run(s, 'SELECT max(sq) FROM squares', 'sql');
    assert.deepEqual(sql.output.data['application/json'].data, [[576]]);
  });

  test('save and load through the API, inside the allowed directories only', async () => {
    const dir = path.join(process.env.E2E_SHARED_DIR ?? mkdtempSync(path.join(os.tmpdir(), 'x-')), `run-${Date.now()}`);
    const saved = await api('POST', `/sessions/${s}/shared/states/save`, { path: `${dir}/states`, format: 'json' });
    assert.equal(saved.status, 200, JSON.stringify(saved.body));
    assert.equal(saved.body.rows, 7);
    const again = await api('POST', `/sessions/${s}/shared/states/save`, { path: `${dir}/states`, format: 'json' });
    assert.equal(again.status, 422, 'an existing path is not overwritten without mode overwrite');
    const loaded = await api('POST', `/sessions/${s}/shared/copy/load`, { path: `${dir}/states`, format: 'json', as: 'map' });
    assert.deepEqual(loaded.body, { kind: 'map', name: 'copy', size: 7 });
    assert.equal((await api('GET', `/sessions/${s}/shared/copy/ca`)).body.value.pop, 39);
    await api('POST', `/sessions/${s}/shared/squares/save`, { path: `${dir}/squares` });
    const ds = await api('POST', `/sessions/${s}/shared/sq2/load`, { path: `${dir}/squares` });
    assert.equal(ds.body.kind, 'dataset');
    assert.equal(ds.body.count, 25);
    // A new session can start with saved data already loaded.
    const pre = await api('POST', '/sessions', { kind: 'sql', preload: { states: { path: `${dir}/states`, format: 'json', as: 'map' }, squares: { path: `${dir}/squares` } } });
    assert.equal(pre.status, 201, JSON.stringify(pre.body));
    await waitForState(pre.body.id, ['idle']);
    assert.equal((await api('GET', `/sessions/${pre.body.id}/shared/states/ak`)).body.value, 'Alaska');
    const preSql = await run(pre.body.id, 'SELECT count(*) FROM squares');
    assert.deepEqual(preSql.output.data['application/json'].data, [[25]]);
    await api('DELETE', `/sessions/${pre.body.id}`);
    const outside = await api('POST', `/sessions/${s}/shared/states/save`, { path: '/etc/sparkport-states' });
    assert.equal(outside.status, 403);
    assert.match(outside.body.msg, /allowed directories/);
    const climb = await api('POST', `/sessions/${s}/shared/states/save`, { path: `${dir}/../../../../etc/x` });
    assert.equal(climb.status, 403);
  });

  test('reads and writes are answered while a long statement runs', async () => {
    const long = await api('POST', `/sessions/${s}/statements`, { code: 'import time\ntime.sleep(4)' });
    await new Promise((r) => setTimeout(r, 300));
    const t0 = performance.now();
    assert.equal((await api('PUT', `/sessions/${s}/shared/states/busy`, 'true')).status, 200);
    assert.equal((await api('GET', `/sessions/${s}/shared/states/busy`)).body.value, true);
    const elapsed = performance.now() - t0;
    assert.ok(elapsed < 2000, `shared calls took ${elapsed} ms while a statement ran`);
    assert.equal((await api('GET', `/sessions/${s}/statements/${long.body.id}`)).body.state, 'running');
    await api('GET', `/sessions/${s}/statements/${long.body.id}?wait=30`);
  });

  test('concurrent writers lose nothing', async () => {
    await api('DELETE', `/sessions/${s}/shared/counts`);
    await Promise.all(Array.from({ length: 50 }, (_, i) => api('PUT', `/sessions/${s}/shared/counts/k${i}`, i)));
    await Promise.all(Array.from({ length: 5 }, (_, w) =>
      api('POST', `/sessions/${s}/shared/counts/put`, { entries: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`w${w}-${i}`, w])) })));
    assert.equal(text(await run(s, 'len(shared["counts"])')), '150');
  });

  test('bad input: unknown names 404, non-JSON 400, oversized 413, bad names 400, datasets read-only', async () => {
    assert.equal((await api('GET', `/sessions/${s}/shared/nosuchmap/k`)).status, 404);
    assert.equal((await api('GET', `/sessions/${s}/shared/nosuchmap`)).status, 404);
    assert.equal((await api('GET', '/sessions/99999/shared')).status, 404);
    const bad = await api('PUT', `/sessions/${s}/shared/states/x`, 'not json');
    assert.equal(bad.status, 400);
    assert.match(bad.body.msg, /Malformed JSON/);
    const big = await api('PUT', `/sessions/${s}/shared/states/x`, JSON.stringify('x'.repeat(1024 * 1024 + 10)));
    assert.equal(big.status, 413);
    assert.equal((await api('PUT', `/sessions/${s}/shared/bad-name/x`, '1')).status, 400);
    const ro = await api('PUT', `/sessions/${s}/shared/squares/x`, '1');
    assert.equal(ro.status, 409);
    const half = await api('POST', `/sessions/${s}/shared/states/put`, { entries: { good: 1, huge: 'y'.repeat(1024 * 1024 + 10) } });
    assert.equal(half.status, 413);
    assert.equal((await api('GET', `/sessions/${s}/shared/states/good`)).status, 404, 'nothing half-written');
    const fromCode = await run(s, 'shared["states"]["df"] = spark.range(1)');
    assert.equal(fromCode.output.status, 'error');
    assert.match(fromCode.output.evalue, /JSON/);
  });

  test('the seed\'s ShareableRdd still runs unchanged next to the real thing', async () => {
    const seed = await run(s, `${SHAREABLE_RDD_CLASS}\n\nsrdd2 = ShareableRdd()\nsrdd2.set('ak', 'Alaska')\nsrdd2.get('ak')`);
    assert.equal(text(seed), "[['ak', 'Alaska']]");
  });
});
