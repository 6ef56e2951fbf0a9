/**
 * The real server's log: JSON lines (pino, through Fastify's logger), a request id on every line
 * a request writes and in its `x-request-id` answer header, and never a secret: not the
 * Authorization header, not a Cookie, not a token or password in the query string.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { redactUrl } from '../../src/log/logger.ts';
import { startTestServer, testConfig } from '../support/real-server.ts';

const TOKEN = 'tok-SECRET-4d7a9c';
const WRONG = 'tok-WRONG-8e1f02';
const QUERY_SECRET = 'q-SECRET-77aa31';
const COOKIE = 'c-SECRET-5b5b5b';

describe('request logs', () => {
  let s: Awaited<ReturnType<typeof startTestServer>>;
  let url: string;
  before(async () => {
    const config = testConfig((c) => { c.auth.tokens.file = path.join(c.dataDir, 'tokens'); });
    writeFileSync(config.auth.tokens.file!, `ops:${createHash('sha256').update(TOKEN).digest('hex')}\n`);
    s = await startTestServer(config);
    url = s.server.url;
  });
  after(async () => { await s.server.close(); });

  const get = (p: string, headers: Record<string, string> = {}) => fetch(`${url}${p}`, { headers });
  const linesOf = (id: string) => s.log().filter((l) => l.reqId === id);

  test('every answer carries x-request-id, and every line its request writes carries it as reqId', async () => {
    const r = await get('/sessions', { authorization: `Bearer ${TOKEN}` });
    assert.equal(r.status, 200);
    const id = r.headers.get('x-request-id')!;
    assert.match(id, /^[0-9a-f-]{36}$/);
    const mine = linesOf(id);
    assert.deepEqual(mine.map((l) => l.msg), ['incoming request', 'request completed']);
    assert.deepEqual(mine[0]!.req, { method: 'GET', url: '/sessions', remoteAddress: '127.0.0.1' });
    assert.deepEqual(mine[1]!.res, { statusCode: 200 });
    assert.equal(mine[0]!.level, 'info');
    assert.ok(typeof mine[0]!.time === 'string');
    const err = await get('/sessions/999', { authorization: `Bearer ${TOKEN}` });
    assert.ok(err.headers.get('x-request-id'), 'errors carry it too');
  });

  test("the caller's x-request-id is kept when short and plain, replaced otherwise", async () => {
    const mine = await get('/version', { 'x-request-id': 'lb-1234.abc:def_9' });
    assert.equal(mine.headers.get('x-request-id'), 'lb-1234.abc:def_9');
    for (const bad of ['a'.repeat(65), 'has space', 'quote"s', '{"json":1}']) {
      const r = await get('/version', { 'x-request-id': bad });
      assert.notEqual(r.headers.get('x-request-id'), bad);
      assert.match(r.headers.get('x-request-id')!, /^[0-9a-f-]{36}$/);
    }
  });

  test("the app's own lines written during a request (a failed login) carry its reqId", async () => {
    const r = await get('/sessions', { authorization: `Bearer ${WRONG}` });
    assert.equal(r.status, 401);
    const lines = linesOf(r.headers.get('x-request-id')!);
    assert.ok(lines.some((l) => /^auth: failed login/.test(String(l.msg))), JSON.stringify(lines));
  });

  test('no Authorization header, cookie, or token or password in the query ever reaches the log', async () => {
    await get(`/sessions?access_token=${QUERY_SECRET}&token=${QUERY_SECRET}&size=5`, { authorization: `Bearer ${TOKEN}`, cookie: `sid=${COOKIE}` });
    await get(`/sessions?password=${QUERY_SECRET}`, { authorization: `Bearer ${WRONG}` });
    await get(`/metrics?apikey=${QUERY_SECRET}`, { authorization: `Basic ${Buffer.from(`ops:${TOKEN}`).toString('base64')}` });
    await fetch(`${url}/sessions`, {
      method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'sql', conf: { 'spark.x.password': QUERY_SECRET } }),
    });
    const all = s.lines.join('');
    for (const secret of [TOKEN, WRONG, QUERY_SECRET, COOKIE, Buffer.from(`ops:${TOKEN}`).toString('base64')]) {
      assert.ok(!all.includes(secret), `${secret} is in the log`);
    }
    assert.ok(s.log().some((l) => (l.req as { url?: string } | undefined)?.url === '/sessions?access_token=[REDACTED]&token=[REDACTED]&size=5'));
  });

  test('redactUrl keeps the declared query parameters and replaces every other value', () => {
    assert.equal(redactUrl('/sessions/1/statements?from=2&size=3&order=desc'), '/sessions/1/statements?from=2&size=3&order=desc');
    assert.equal(redactUrl('/x?wait=5&Token=abc&%74oken=abc&flag'), '/x?wait=5&Token=[REDACTED]&%74oken=[REDACTED]&[REDACTED]');
    assert.equal(redactUrl('/plain'), '/plain');
  });
});
