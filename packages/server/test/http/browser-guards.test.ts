/**
 * The guards that protect a user with authentication off, each attacked the way a web page
 * would: cross-site simple requests (text/plain, forms), DNS rebinding (a foreign Host), foreign
 * Origins and fetch metadata. And what must keep working: programs that send none of these
 * marks, JSON with a charset, body-less POSTs, allowed origins with CORS.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { defaultConfig, type Config } from '../../src/config.ts';
import { hostRule } from '../../src/http/guards/host.ts';
import { originRule } from '../../src/http/guards/origin.ts';
import { makeHarness } from '../support/harness.ts';

type Harness = Awaited<ReturnType<typeof makeHarness>>;

async function raw(h: Harness, method: string, url: string, headers: Record<string, string>, payload?: string) {
  const res = await h.app.inject({ method: method as 'GET', url, headers, ...(payload === undefined ? {} : { payload }) });
  return { status: res.statusCode, headers: res.headers, body: res.body ? JSON.parse(res.body) : undefined };
}

const statementCount = async (h: Harness, sid: number) => (await h.json('GET', `/sessions/${sid}/statements`)).body.total_statements as number;
const noCheckFailures = (h: Harness) => assert.deepEqual(h.logs.filter((l) => l.startsWith('response check')), []);

describe('browser guards with authentication off', () => {
  let h: Harness;
  let sid: number;
  before(async () => {
    h = await makeHarness();
    sid = (await h.json('POST', '/sessions', { kind: 'pyspark' })).body.id;
    await h.waitState(sid, 'idle');
  });
  after(async () => { noCheckFailures(h); await h.close(); });

  test('a text/plain POST from evil.example is refused and runs nothing', async () => {
    const r = await raw(h, 'POST', `/sessions/${sid}/statements`,
      { 'content-type': 'text/plain', origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' }, '{"code":"1 + 1"}');
    assert.equal(r.status, 403);
    assert.equal(r.body.code, 'FORBIDDEN_ORIGIN');
    assert.match(r.body.msg, /http\.allowedOrigins/);
    assert.equal(r.headers['access-control-allow-origin'], undefined);
    assert.equal(await statementCount(h, sid), 0);
  });

  test('bodies that are not sent as JSON are 415, whoever sends them', async () => {
    const cases: [Record<string, string>, string][] = [
      [{ 'content-type': 'text/plain' }, '{"code":"1 + 1"}'],
      [{ 'content-type': 'text/plain;charset=UTF-8' }, '{"code":"1 + 1"}'],
      [{ 'content-type': 'application/x-www-form-urlencoded' }, '{"code":"1 + 1"}'],
      [{ 'content-type': 'multipart/form-data; boundary=x' }, '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--'],
      [{ 'content-type': 'application/json, text/plain' }, '{"code":"1 + 1"}'],
      [{ 'content-type': 'text/json' }, '{"code":"1 + 1"}'],
      // A Blob body without a type is a request a page can send without a preflight.
      [{}, '{"code":"1 + 1"}'],
    ];
    for (const [headers, body] of cases) {
      const r = await raw(h, 'POST', `/sessions/${sid}/statements`, headers, body);
      assert.equal(r.status, 415, JSON.stringify(headers));
      assert.equal(r.body.code, 'UNSUPPORTED_MEDIA');
      assert.match(r.body.msg, /Content-Type: application\/json/);
    }
    const put = await raw(h, 'PUT', `/sessions/${sid}/shared/m/k`, { 'content-type': 'text/plain' }, '"v"');
    assert.equal(put.status, 415);
    assert.equal(await statementCount(h, sid), 0);
  });

  test('JSON with a charset, a +json type, and body-less requests are served', async () => {
    const a = await raw(h, 'POST', `/sessions/${sid}/statements`, { 'content-type': 'application/json; charset=utf-8' }, '{"code":"a"}');
    assert.equal(a.status, 201);
    const b = await raw(h, 'POST', `/sessions/${sid}/statements`, { 'content-type': 'Application/Vnd.Example+JSON' }, '{"code":"b"}');
    assert.equal(b.status, 201);
    // curl -X POST with no -d; sparkmagic's Content-Type on GET and DELETE; a form type on an empty POST.
    const cancel = await raw(h, 'POST', `/sessions/${sid}/statements/${b.body.id}/cancel`, {});
    assert.equal(cancel.status, 200);
    assert.equal((await raw(h, 'GET', `/sessions/${sid}`, { 'content-type': 'application/json' })).status, 200);
    const empty = await raw(h, 'POST', `/sessions/${sid}/connect`, { 'content-type': 'application/x-www-form-urlencoded', 'content-length': '0' }, '');
    assert.equal(empty.status, 200);
    const created = await raw(h, 'POST', '/sessions', {});
    assert.equal(created.status, 201);
    assert.equal((await raw(h, 'DELETE', `/sessions/${created.body.id}`, { 'content-type': 'application/json' })).status, 200);
  });

  test('a Host that does not name the server is refused (DNS rebinding)', async () => {
    for (const host of ['evil.example', 'evil.example:8998', 'localhost.evil.example', 'user@localhost', 'localhost/x']) {
      const r = await raw(h, 'GET', '/sessions', { host });
      assert.equal(r.status, 403, host);
      assert.equal(r.body.code, 'FORBIDDEN_HOST');
      assert.match(r.body.msg, /http\.allowedHosts/);
      assert.equal(r.headers['x-content-type-options'], 'nosniff');
    }
    const post = await raw(h, 'POST', `/sessions/${sid}/statements`, { host: 'evil.example', 'content-type': 'application/json' }, '{"code":"x"}');
    assert.equal(post.status, 403);
  });

  test('loopback names and addresses pass, whatever the port', async () => {
    for (const host of ['localhost', 'localhost:8998', 'LOCALHOST.:1234', '127.0.0.1', '127.0.0.1:9', '[::1]:8998', '10.0.0.7:8998']) {
      assert.equal((await raw(h, 'GET', '/version', { host })).status, 200, host);
    }
  });

  test('an Origin other than the server\'s own is refused, on reads too', async () => {
    for (const origin of ['http://evil.example', 'null', 'http://localhost:3000', 'https://localhost:80', 'file://']) {
      const r = await raw(h, 'GET', '/sessions', { host: 'localhost:80', origin });
      assert.equal(r.status, 403, origin);
      assert.equal(r.body.code, 'FORBIDDEN_ORIGIN');
    }
    // The server's own page (same origin) is served, with no CORS headers.
    const own = await raw(h, 'POST', `/sessions/${sid}/statements`,
      { host: 'localhost:8998', origin: 'http://localhost:8998', 'content-type': 'application/json' }, '{"code":"own"}');
    assert.equal(own.status, 201);
    assert.equal(own.headers['access-control-allow-origin'], undefined);
  });

  test('Sec-Fetch-Site cross-site or same-site without an allowed Origin is refused; same-origin and none pass', async () => {
    for (const site of ['cross-site', 'same-site']) {
      const r = await raw(h, 'GET', `/sessions/${sid}/statements`, { 'sec-fetch-site': site });
      assert.equal(r.status, 403, site);
      assert.equal(r.body.code, 'FORBIDDEN_ORIGIN');
      assert.match(r.body.msg, new RegExp(`Sec-Fetch-Site: ${site}`));
    }
    for (const site of ['same-origin', 'none']) assert.equal((await raw(h, 'GET', '/version', { 'sec-fetch-site': site })).status, 200);
  });

  test('a CORS preflight from a page that is not allowed is refused', async () => {
    const r = await raw(h, 'OPTIONS', `/sessions/${sid}/statements`,
      { origin: 'http://evil.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' });
    assert.equal(r.status, 403);
    assert.equal(r.body.code, 'FORBIDDEN_ORIGIN');
    assert.equal(r.headers['access-control-allow-origin'], undefined);
  });
});

describe('browser guards as configured', () => {
  let h: Harness;
  const page = 'https://notebook.example.com';
  before(async () => {
    h = await makeHarness((c) => {
      c.http.allowedOrigins = [`${page}/`];
      c.http.allowedHosts = ['sparkport.internal', '.corp.example'];
      c.csrfProtection = true;
    });
  });
  after(async () => { noCheckFailures(h); await h.close(); });

  test('an allowed origin gets its preflight answered and its requests served with CORS headers', async () => {
    const pre = await raw(h, 'OPTIONS', '/sessions',
      { origin: page, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-requested-by', 'sec-fetch-site': 'cross-site' });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers['access-control-allow-origin'], page);
    assert.match(String(pre.headers['access-control-allow-methods']), /POST/);
    assert.match(String(pre.headers['access-control-allow-headers']), /Content-Type/);
    assert.match(String(pre.headers['access-control-allow-headers']), /X-Requested-By/);
    const r = await raw(h, 'POST', '/sessions',
      { origin: page, 'sec-fetch-site': 'cross-site', 'content-type': 'application/json', 'x-requested-by': 'page' }, '{"kind":"pyspark"}');
    assert.equal(r.status, 201);
    assert.equal(r.headers['access-control-allow-origin'], page);
    assert.equal(r.headers['access-control-allow-credentials'], 'true');
    assert.match(String(r.headers['access-control-expose-headers']), /Location/);
    assert.match(String(r.headers.vary), /Origin/);
    // Errors reach the page too, so it can show them.
    const missing = await raw(h, 'GET', '/sessions/999', { origin: page });
    assert.equal(missing.status, 404);
    assert.equal(missing.headers['access-control-allow-origin'], page);
    // Event streams write their own head; the CORS headers are in it.
    await h.waitState(r.body.id, 'idle');
    const st = await h.json('POST', `/sessions/${r.body.id}/statements?wait=5`, { code: '1' }, { 'x-requested-by': 't' });
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (h.app.server.address() as { port: number }).port;
    const sse = await new Promise<http.IncomingMessage>((resolve, reject) => {
      http.get(`http://127.0.0.1:${port}/sessions/${r.body.id}/statements/${st.body.id}/events`, { headers: { origin: page } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res));
      }).on('error', reject);
    });
    assert.equal(sse.statusCode, 200);
    assert.equal(sse.headers['content-type'], 'text/event-stream; charset=utf-8');
    assert.equal(sse.headers['access-control-allow-origin'], page);
  });

  test('configured host names pass; others still do not', async () => {
    for (const host of ['sparkport.internal:8998', 'corp.example', 'spark.corp.example']) {
      assert.equal((await raw(h, 'GET', '/version', { host })).status, 200, host);
    }
    assert.equal((await raw(h, 'GET', '/version', { host: 'evilcorp.example' })).status, 403);
  });

  test('CSRF protection (X-Requested-By) still applies when switched on', async () => {
    const r = await raw(h, 'POST', '/sessions', { 'content-type': 'application/json' }, '{}');
    assert.equal(r.status, 400);
    assert.equal(r.body.code, 'CSRF');
    // From an allowed page, the refusal is readable by the page.
    const p = await raw(h, 'POST', '/sessions', { origin: page, 'content-type': 'application/json' }, '{}');
    assert.equal(p.body.code, 'CSRF');
    assert.equal(p.headers['access-control-allow-origin'], page);
  });
});

describe('host rule by where the server listens', () => {
  test('on a non-loopback address, localhost is not a name of the server unless listed; "*" allows any', async () => {
    const h = await makeHarness((c) => { c.host = 'sparkbox.lan'; });
    try {
      assert.equal((await raw(h, 'GET', '/version', { host: 'sparkbox.lan:8998' })).status, 200);
      assert.equal((await raw(h, 'GET', '/version', { host: 'localhost:8998' })).status, 403);
      assert.equal((await raw(h, 'GET', '/version', { host: '127.0.0.1:8998' })).status, 200);
    } finally { await h.close(); }
    const any = await makeHarness((c) => { c.http.allowedHosts = ['*']; });
    try {
      assert.equal((await raw(any, 'GET', '/version', { host: 'whatever.example' })).status, 200);
    } finally { await any.close(); }
  });

  test('settings that cannot be right stop the server at start', () => {
    // buildHttp builds these rules first thing; a throw there stops the server with this message.
    const with_ = (f: (c: Config) => void) => { const c = defaultConfig(); f(c); return c; };
    assert.throws(() => originRule(with_((c) => { c.http.allowedOrigins = ['null']; }), 'http'), /http\.allowedOrigins: 'null'/);
    assert.throws(() => originRule(with_((c) => { c.http.allowedOrigins = ['https://a.example/path']; }), 'http'), /http\.allowedOrigins/);
    assert.throws(() => hostRule(with_((c) => { c.http.allowedHosts = ['a b']; })), /http\.allowedHosts/);
  });
});
