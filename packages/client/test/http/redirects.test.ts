/**
 * Redirects and credentials: Node's fetch (undici, Node 20+) follows redirects and, as the Fetch
 * standard says, drops Authorization when the redirect leaves the origin (scheme, host, port).
 * These tests hold the client to that, with two servers on loopback.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, test } from 'node:test';
import { makeSettings, request } from '../../src/http.ts';

function server(seen: [string, string | undefined][], target: () => string) {
  return http.createServer((req, res) => {
    seen.push([req.url!, req.headers.authorization]);
    if (req.url!.startsWith('/go')) {
      res.writeHead(req.url === '/go-307' ? 307 : 302, { location: target() });
      return res.end();
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
  });
}

describe('credentials and redirects', () => {
  const a: [string, string | undefined][] = [];
  const b: [string, string | undefined][] = [];
  let to = '';
  const sa = server(a, () => to);
  const sb = server(b, () => to);
  const port = (s: http.Server) => (s.address() as AddressInfo).port;
  before(async () => {
    await new Promise<void>((r) => sa.listen(0, '127.0.0.1', r));
    await new Promise<void>((r) => sb.listen(0, '127.0.0.1', r));
  });
  after(() => { sa.close(); sb.close(); });
  beforeEach(() => { a.length = 0; b.length = 0; });

  for (const [what, auth] of [['Basic', { user: 'alice', password: 's3cret' }], ['a token', { token: 't0k' }]] as const) {
    test(`${what}: not sent on to another port`, async () => {
      to = `http://127.0.0.1:${port(sb)}/landed`;
      const s = makeSettings({ baseUrl: `http://127.0.0.1:${port(sa)}`, auth });
      assert.deepEqual(await request(s, 'GET', '/go'), { ok: true });
      assert.ok(a[0]![1], 'the server asked for got them');
      assert.deepEqual(b, [['/landed', undefined]]);
    });
  }

  test('not sent on to another host (a 307 too), even when given as a plain header', async () => {
    to = `http://localhost:${port(sb)}/landed`;
    await request(makeSettings({ baseUrl: `http://127.0.0.1:${port(sa)}`, headers: { Authorization: 'Negotiate abc' } }), 'GET', '/go-307');
    assert.equal(a[0]![1], 'Negotiate abc');
    assert.deepEqual(b, [['/landed', undefined]]);
  });

  test('kept on a redirect within the same server', async () => {
    to = `http://127.0.0.1:${port(sa)}/landed`;
    await request(makeSettings({ baseUrl: `http://127.0.0.1:${port(sa)}`, auth: { token: 't0k' } }), 'GET', '/go');
    assert.deepEqual(a, [['/go', 'Bearer t0k'], ['/landed', 'Bearer t0k']]);
  });
});
