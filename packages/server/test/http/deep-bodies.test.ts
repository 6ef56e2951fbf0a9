/**
 * A body nested absurdly deep (a 2 KB PUT of 1,100 levels, or 500,000) is a 400 that says what to
 * fix, never a 500 or a driver that stops answering; brackets inside strings do not count.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MAX_BODY_DEPTH } from '../../src/http/json-body.ts';
import { nestsDeeperThan } from '../../src/json-depth.ts';
import { harnessPerTest } from '../support/harness.ts';

const nested = (n: number) => '['.repeat(n) + ']'.repeat(n);

describe('deeply nested bodies', () => {
  const { harness, idleSession } = harnessPerTest();

  test('1,100 and 500,000 levels are refused with 400 naming the limit; a value at the limit is taken', async () => {
    const h = await harness(() => undefined);
    const id = await idleSession(h);
    for (const n of [1100, 500_000]) {
      const r = await h.app.inject({
        method: 'PUT', url: `/sessions/${id}/shared/m/k`, payload: nested(n), headers: { 'content-type': 'application/json' },
      });
      assert.equal(r.statusCode, 400, `${n} levels`);
      assert.match(JSON.parse(r.body).msg, new RegExp(`more than ${MAX_BODY_DEPTH} levels deep`));
    }
    const ok = await h.app.inject({
      method: 'PUT', url: `/sessions/${id}/shared/m/k`, payload: nested(MAX_BODY_DEPTH), headers: { 'content-type': 'application/json' },
    });
    assert.equal(ok.statusCode, 200, ok.body.slice(0, 200));
    const after = await h.json('POST', `/sessions/${id}/statements`, { code: '1 + 1' });
    assert.equal(after.status, 201, 'the session still takes statements');
  });

  test('depth is counted outside strings only, escapes included', () => {
    assert.equal(nestsDeeperThan(JSON.stringify({ s: '[[[[[[' }), 2), false);
    assert.equal(nestsDeeperThan(JSON.stringify({ s: 'a\\"[[[[' }), 2), false);
    assert.equal(nestsDeeperThan('{"a":{"b":[1]}}', 3), false);
    assert.equal(nestsDeeperThan('{"a":{"b":[1]}}', 2), true);
    assert.equal(nestsDeeperThan('['.repeat(200_000) + ']'.repeat(200_000), 512), true);
    const wide = JSON.stringify({ data: Array.from({ length: 10_000 }, (_, i) => [i, String(i), i * 1.5]) });
    assert.equal(nestsDeeperThan(wide, 3), false, 'width is not depth');
  });
});
