/**
 * Path and query parameters are checked by their declared schemas: numbers read strictly from
 * text, defaults filled in, and a message that names the parameter, what it must be and what
 * was sent.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeHarness } from '../support/harness.ts';

describe('path and query parameters', () => {
  let h: Awaited<ReturnType<typeof makeHarness>>;
  let sid: number;
  before(async () => {
    h = await makeHarness((c) => { c.limits.maxWaitSeconds = 1; });
    sid = (await h.json('POST', '/sessions', { kind: 'pyspark' })).body.id;
    await h.waitState(sid, 'idle');
    for (const code of ['a', 'b', 'c']) await h.json('POST', `/sessions/${sid}/statements?wait=5`, { code });
  });
  after(async () => { await h.close(); });

  test('a bad value is a 400 naming the parameter, what it must be and what was sent', async () => {
    const cases: [string, string][] = [
      ['/sessions?from=x', "Query parameter 'from' must be an integer ≥ 0, got 'x'"],
      ['/sessions?size=-1', "Query parameter 'size' must be an integer ≥ 0, got '-1'"],
      ['/sessions?from=1.5', "Query parameter 'from' must be an integer ≥ 0, got '1.5'"],
      [`/sessions/${sid}/log?size=lots`, "Query parameter 'size' must be an integer, got 'lots'"],
      [`/sessions/${sid}/statements?order=sideways`, "Query parameter 'order' must be asc or desc, got 'sideways'"],
      [`/sessions/${sid}/statements/0?wait=soon`, "Query parameter 'wait' must be a number ≥ 0, got 'soon'"],
      [`/sessions/${sid}/statements/x`, "Path parameter 'sid' must be an integer ≥ 0, got 'x'"],
      [`/sessions/${sid}/shared/m?limit=0`, "Query parameter 'limit' must be an integer ≥ 1, got '0'"],
    ];
    for (const [url, msg] of cases) {
      const r = await h.json('GET', url);
      assert.equal(r.status, 400, url);
      assert.deepEqual(r.body, { msg, code: 'VALIDATION' }, url);
    }
    const two = await h.json('GET', '/sessions?from=x&size=y');
    assert.match(two.body.msg, /'from'.*; .*'size'/, 'every bad parameter is named');
  });

  test('defaults: lists from 0, 100 at most; statements all, ascending; an empty value is no value', async () => {
    const all = await h.json('GET', '/sessions?from=&size=');
    assert.equal(all.status, 200);
    assert.equal(all.body.from, 0);
    const st = (await h.json('GET', `/sessions/${sid}/statements`)).body;
    assert.deepEqual(st.statements.map((s: { id: number }) => s.id), [0, 1, 2]);
    const desc = (await h.json('GET', `/sessions/${sid}/statements?order=DESC&from=1`)).body;
    assert.deepEqual(desc.statements.map((s: { id: number }) => s.id), [1, 0], 'order in either case, then paged');
  });

  test('log: the last `size` lines by default, from wherever `from` says, all of them with a negative size', async () => {
    const all = (await h.json('GET', `/sessions/${sid}/log?size=-1`)).body;
    assert.equal(all.from, 0);
    assert.equal(all.log.length, all.total);
    const tail = (await h.json('GET', `/sessions/${sid}/log?size=1`)).body;
    assert.deepEqual(tail, { id: sid, from: all.total - 1, total: all.total, log: all.log.slice(-1) });
    const head = (await h.json('GET', `/sessions/${sid}/log?from=0&size=1`)).body;
    assert.deepEqual(head.log, all.log.slice(0, 1));
  });

  test('wait takes fractions of a second and is capped by limits.maxWaitSeconds', { timeout: 5000 }, async () => {
    const r = await h.json('POST', `/sessions/${sid}/statements`, { code: 'sleep:100000' });
    const pending = h.json('GET', `/sessions/${sid}/statements/${r.body.id}?wait=30`);
    await new Promise((res) => setTimeout(res, 20));
    h.clock.advance(1000);
    assert.equal((await pending).body.state, 'running', 'answered at the 1 s cap, not after 30 s');
    const quick = h.json('GET', `/sessions/${sid}/statements/${r.body.id}?wait=0.5`);
    await new Promise((res) => setTimeout(res, 20));
    h.clock.advance(500);
    assert.equal((await quick).status, 200);
    await h.json('POST', `/sessions/${sid}/statements/${r.body.id}/cancel`);
  });
});
