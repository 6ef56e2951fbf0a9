/**
 * The web UI's side of the server: / and /ui lead to the page, its files are served from the
 * build folder and nothing outside it, and GET /sessions and GET /batches long-poll on an ETag
 * so that lists stay current without polling.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeHarness } from '../support/harness.ts';

type Harness = Awaited<ReturnType<typeof makeHarness>>;

function fakeBuild(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sparkport-ui-'));
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>Sparkport</title><script type="module" src="app.0123456789ab.js"></script>');
  writeFileSync(path.join(dir, 'app.0123456789ab.js'), 'console.log(1)');
  writeFileSync(path.join(dir, '.env'), 'SECRET=1');
  mkdirSync(path.join(dir, 'sub'));
  writeFileSync(path.join(dir, 'sub', 'x.js'), '1');
  writeFileSync(path.join(path.dirname(dir), 'outside-ui.txt'), 'OUTSIDE-CONTENT');
  return dir;
}

describe('the web UI\'s files', () => {
  let h: Harness;
  before(async () => { h = await makeHarness(() => undefined, undefined, { uiDir: fakeBuild() }); });
  after(async () => { await h.close(); });

  test('/ and /ui redirect to /ui/ (relatively, for proxies that add a path), which is the page, with a strict Content-Security-Policy', async () => {
    for (const url of ['/', '/ui']) {
      const r = await h.app.inject({ method: 'GET', url });
      assert.equal(r.statusCode, 302, url);
      assert.equal(new URL(String(r.headers.location), `http://h${url}`).pathname, '/ui/');
      assert.equal(new URL(String(r.headers.location), `http://h/livy${url}`).pathname, '/livy/ui/');
    }
    const page = await h.app.inject({ method: 'GET', url: '/ui/' });
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.match(page.body, /<title>Sparkport<\/title>/);
    assert.match(String(page.headers['content-security-policy']), /script-src 'self'/);
    assert.doesNotMatch(String(page.headers['content-security-policy']), /unsafe/);
    assert.equal(page.headers['cache-control'], 'no-cache');
  });

  test('hashed assets are cached for good; a conditional request gets 304', async () => {
    const r = await h.app.inject({ method: 'GET', url: '/ui/app.0123456789ab.js' });
    assert.equal(r.statusCode, 200);
    assert.match(String(r.headers['content-type']), /javascript/);
    assert.match(String(r.headers['cache-control']), /immutable/);
    const again = await h.app.inject({ method: 'GET', url: '/ui/app.0123456789ab.js', headers: { 'if-none-match': String(r.headers.etag) } });
    assert.equal(again.statusCode, 304);
  });

  test('no path leaves the build folder or reaches a dot file: 404 with a message, never a 500', async () => {
    for (const url of [`/ui/${'a'.repeat(250)}.js`, '/ui/../outside-ui.txt', '/ui/..%2Foutside-ui.txt', '/ui/%2e%2e/outside-ui.txt', '/ui/.env', '/ui/sub/x.js',
      '/ui/sub%2Fx.js', '/ui/nope.js', '/ui/%00', '/ui/a%5C..%5Cb']) {
      const r = await h.app.inject({ method: 'GET', url });
      assert.ok(r.statusCode === 404 || r.statusCode === 400, `${url}: ${r.statusCode} ${r.body}`);
      assert.doesNotMatch(r.body, /OUTSIDE-CONTENT|SECRET=1/);
      assert.ok(JSON.parse(r.body).msg, url);
    }
  });

  test('the page is public even with authentication on; the API is not', async () => {
    const tokens = path.join(mkdtempSync(path.join(os.tmpdir(), 'sparkport-ui-auth-')), 'tokens');
    writeFileSync(tokens, `ann:${createHash('sha256').update('t'.repeat(32)).digest('hex')}\n`);
    const a = await makeHarness((c) => { c.auth.tokens.file = tokens; }, undefined, { uiDir: fakeBuild() });
    try {
      assert.equal((await a.app.inject({ method: 'GET', url: '/ui/' })).statusCode, 200);
      assert.equal((await a.app.inject({ method: 'GET', url: '/' })).statusCode, 302);
      assert.equal((await a.app.inject({ method: 'GET', url: '/sessions' })).statusCode, 401);
    } finally {
      await a.close();
    }
  });

  test('ranges and preconditions are no 500: the whole file, or its 304', async () => {
    for (const headers of [{ range: 'bytes=999999999-' }, { range: 'bytes=5-1' }, { range: 'bytes=abc' }, { 'if-match': '"nope"' },
      { 'if-unmodified-since': 'Thu, 01 Jan 1970 00:00:00 GMT' }, { 'if-range': '"x"', range: 'bytes=0-1' }]) {
      for (const url of ['/ui/', '/ui/app.0123456789ab.js']) {
        const r = await h.app.inject({ method: 'GET', url, headers });
        assert.equal(r.statusCode, 200, `${url} ${JSON.stringify(headers)}: ${r.statusCode} ${r.body.slice(0, 200)}`);
      }
    }
    assert.ok(!h.logs.some((l) => l.includes('internal error')), h.logs.join('\n'));
  });

  test('other methods on the UI\'s paths are 405, not 404', async () => {
    const r = await h.app.inject({ method: 'POST', url: '/ui/index.html' });
    assert.equal(r.statusCode, 405);
    assert.equal(r.headers.allow, 'GET, HEAD');
  });

  test('without a build, the page says how to make one', async () => {
    const empty = await makeHarness(() => undefined, undefined, { uiDir: mkdtempSync(path.join(os.tmpdir(), 'sparkport-no-ui-')) });
    try {
      const r = await empty.app.inject({ method: 'GET', url: '/ui/' });
      assert.equal(r.statusCode, 404);
      assert.match(JSON.parse(r.body).msg, /npm run setup/);
      // Public, so it does not say where the server is installed.
      assert.doesNotMatch(JSON.parse(r.body).msg, /\//);
    } finally {
      await empty.close();
    }
  });
});

describe('live lists (long polls on an ETag)', () => {
  let h: Harness;
  before(async () => { h = await makeHarness((c) => { c.sessions.max = 10; c.limits.longPolls = 2; }); });
  after(async () => { await h.close(); });

  const list = (url: string, headers: Record<string, string> = {}) => h.app.inject({ method: 'GET', url, headers });

  test('the page carries an ETag; the same ETag back is 304, without a wait too', async () => {
    const a = await list('/sessions');
    assert.equal(a.statusCode, 200);
    const etag = String(a.headers.etag);
    assert.match(etag, /^"[\w-]+"$/);
    const b = await list('/sessions', { 'if-none-match': etag });
    assert.equal(b.statusCode, 304);
    assert.equal(b.body, '');
    const stale = await list('/sessions', { 'if-none-match': '"old"' });
    assert.equal(stale.statusCode, 200);
    assert.equal(stale.headers.etag, etag);
  });

  test('a waiting request is answered as soon as a session is created, with it in the page', async () => {
    const etag = String((await list('/sessions')).headers.etag);
    const t0 = Date.now();
    const waiting = list('/sessions?wait=20', { 'if-none-match': etag });
    await new Promise((r) => setTimeout(r, 100));
    const id = (await h.json('POST', '/sessions', { kind: 'pyspark', name: 'live-one' })).body.id;
    const r = await waiting;
    assert.ok(Date.now() - t0 < 5000, 'answered at the change, not at the end of the wait');
    assert.equal(r.statusCode, 200);
    assert.notEqual(r.headers.etag, etag);
    assert.ok(JSON.parse(r.body).sessions.some((s: { id: number }) => s.id === id));
  });

  test('state changes and statements wake it too, and the page shows the count', async () => {
    const s = (await h.json('POST', '/sessions', { kind: 'pyspark' })).body;
    await h.waitState(s.id, 'idle');
    const etag = String((await list('/sessions')).headers.etag);
    const waiting = list('/sessions?wait=20', { 'if-none-match': etag });
    await new Promise((r) => setTimeout(r, 100));
    await h.json('POST', `/sessions/${s.id}/statements?wait=5`, { code: '1 + 1' });
    const r = await waiting;
    assert.equal(r.statusCode, 200);
    const mine = JSON.parse(r.body).sessions.find((x: { id: number }) => x.id === s.id);
    assert.equal(mine.statementCount, 1);
  });

  test('a deletion wakes it', async () => {
    const s = (await h.json('POST', '/sessions', { kind: 'sql' })).body;
    await h.waitState(s.id, 'idle');
    const etag = String((await list('/sessions')).headers.etag);
    const waiting = list('/sessions?wait=20', { 'if-none-match': etag });
    await new Promise((r) => setTimeout(r, 100));
    await h.json('DELETE', `/sessions/${s.id}`);
    const r = await waiting;
    assert.equal(r.statusCode, 200);
    assert.ok(!JSON.parse(r.body).sessions.some((x: { id: number }) => x.id === s.id));
  });

  test('no change within the wait: 304 when it ends', async () => {
    const etag = String((await list('/sessions')).headers.etag);
    const t0 = Date.now();
    const r = await list('/sessions?wait=1', { 'if-none-match': etag });
    assert.equal(r.statusCode, 304);
    assert.ok(Date.now() - t0 >= 900, `waited ${Date.now() - t0} ms`);
  });

  test('waiters take long-poll slots: past limits.longPolls a 429 says which setting', async () => {
    const etag = String((await list('/batches')).headers.etag);
    const held = [list('/batches?wait=3', { 'if-none-match': etag }), list('/batches?wait=3', { 'if-none-match': etag })];
    await new Promise((r) => setTimeout(r, 100));
    const third = await list('/batches?wait=3', { 'if-none-match': etag });
    assert.equal(third.statusCode, 429);
    assert.match(JSON.parse(third.body).msg, /limits\.longPolls/);
    // Without a wait nothing is held, so a plain list still answers.
    assert.equal((await list('/batches')).statusCode, 200);
    for (const r of await Promise.all(held)) assert.equal(r.statusCode, 304);
  });

  test('a batch submitted wakes a waiter of the batch list', async () => {
    mkdirSync(h.config.batches.allowedDirs[0]!, { recursive: true });
    const file = path.join(h.config.batches.allowedDirs[0]!, 'job.py');
    writeFileSync(file, 'print(1)\n');
    const etag = String((await list('/batches')).headers.etag);
    const waiting = list('/batches?wait=20', { 'if-none-match': etag });
    await new Promise((r) => setTimeout(r, 100));
    const b = (await h.json('POST', '/batches', { file })).body;
    const r = await waiting;
    assert.equal(r.statusCode, 200);
    const got = JSON.parse(r.body).sessions.find((x: { id: number }) => x.id === b.id);
    assert.equal(got.createdAt, h.clock.now());
  });

  test('If-None-Match as HTTP reads it: weak, in a list, or *; a waiter holds one slot however many changes go by', async () => {
    const etag = String((await list('/sessions')).headers.etag);
    for (const inm of [`W/${etag}`, `"other", ${etag}`, '*']) {
      assert.equal((await list('/sessions', { 'if-none-match': inm })).statusCode, 304, inm);
    }
    // Changes another user's page shows but this one's does not: the waiter keeps its one slot
    // (limits.longPolls is 2 here), so a third waiter is still refused after them.
    const h2 = await makeHarness((c) => { c.sessions.max = 10; c.limits.longPolls = 1; c.limits.longPollsPerUser = 1; }, undefined, { testUserHeader: true });
    try {
      const mine = String((await h2.app.inject({ method: 'GET', url: '/sessions', headers: { 'x-test-user': 'ann' } })).headers.etag);
      const waiting = h2.app.inject({ method: 'GET', url: '/sessions?wait=3', headers: { 'x-test-user': 'ann', 'if-none-match': mine } });
      await new Promise((r) => setTimeout(r, 100));
      await h2.json('POST', '/sessions', { kind: 'sql' }, { 'x-test-user': 'bob' });
      await new Promise((r) => setTimeout(r, 300));
      const other = await h2.app.inject({ method: 'GET', url: '/sessions?wait=3', headers: { 'x-test-user': 'cy', 'if-none-match': '*' } });
      assert.equal(other.statusCode, 429);
      assert.equal((await waiting).statusCode, 304);
    } finally {
      await h2.close();
    }
  });

  test('a bad wait is a 400 naming the parameter', async () => {
    const r = await list('/sessions?wait=-1');
    assert.equal(r.statusCode, 400);
    assert.match(JSON.parse(r.body).msg, /wait/);
  });
});
