/**
 * Names with line breaks or control characters are refused with 400 by the declared patterns,
 * which are anchored at both ends and list the characters they allow: `{"preload":{"a\nb":{}}}`
 * once answered 500, because a pattern built on `.` never saw the line break.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { NAME_PATTERN, SHARED_NAME_PATTERN } from '@sparkport/protocol';
import { batchJob, makeHarness } from '../support/harness.ts';

type Harness = Awaited<ReturnType<typeof makeHarness>>;

describe('names', () => {
  let h: Harness;
  let shared: string;
  before(async () => {
    h = await makeHarness((c) => { c.sessions.max = 50; });
    shared = path.join(h.config.shared.allowedDirs[0]!, 'data');
  });
  after(async () => { await h.close(); });

  test('the patterns are anchored and refuse every line break', () => {
    for (const p of [NAME_PATTERN, SHARED_NAME_PATTERN]) {
      assert.ok(p.startsWith('^') && p.endsWith('$'), p);
      const re = new RegExp(p, 'u');
      for (const bad of ['a\nb', 'a\rb', 'ab\n', '\nab', 'a\u0000b', 'a\tb']) assert.ok(!re.test(bad), `${p} refuses ${JSON.stringify(bad)}`);
    }
  });

  test('a preload name that is not a shared name is 400, never 500, whatever else is wrong', async () => {
    for (const preload of [{ 'a\nb': {} }, { 'a\nb': { path: shared } }, { 'ab\n': { path: shared } }, { '1abc': { path: shared } }, { '': { path: shared } }]) {
      const r = await h.json('POST', '/sessions', { kind: 'pyspark', preload });
      assert.equal(r.status, 400, `${JSON.stringify(preload)}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.code, 'VALIDATION');
    }
    const named = await h.json('POST', '/sessions', { kind: 'pyspark', preload: { 'a\nb': { path: shared } } });
    assert.match(named.body.msg, /preload/);
    const ok = await h.json('POST', '/sessions', { kind: 'pyspark', preload: { good_name: { path: shared } } });
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
  });

  test('a session or batch name with a control character is 400; spaces and other scripts are fine', async () => {
    for (const name of ['a\nb', 'tab\there', 'bell\u0007', 'del\u007f']) {
      const s = await h.json('POST', '/sessions', { kind: 'pyspark', name });
      assert.deepEqual([s.status, s.body.code], [400, 'VALIDATION'], JSON.stringify(name));
      const b = await h.json('POST', '/batches', { file: batchJob(h.config), name });
      assert.deepEqual([b.status, b.body.code], [400, 'VALIDATION'], JSON.stringify(name));
    }
    for (const name of ['my session', 'Übung 1', 'データ']) {
      assert.equal((await h.json('POST', '/sessions', { kind: 'pyspark', name })).status, 201, name);
    }
  });
});
