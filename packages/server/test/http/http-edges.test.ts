/**
 * Answers that come before any route: a method the path does not have (405 with Allow), a URL
 * or headers too large (414, 431), and a request that trickles in (408 within bounded time).
 * All of them are `{msg, code}` JSON like every other error. The parser's answers are read over
 * a raw socket: `inject` never goes through Node's HTTP parser.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { makeHarness } from '../support/harness.ts';

type Harness = Awaited<ReturnType<typeof makeHarness>>;

interface RawAnswer { status: number; headers: Record<string, string>; body: string; ms: number }

/** Writes `head` (and then `trickle`, one byte every `everyMs`) and reads until the server closes. */
function raw(port: number, head: string, trickle = '', everyMs = 1000): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const s = net.connect(port, '127.0.0.1');
    let text = '';
    let timer: NodeJS.Timeout | undefined;
    s.setEncoding('latin1');
    s.on('connect', () => {
      s.write(head);
      let i = 0;
      if (trickle) timer = setInterval(() => { if (i < trickle.length && !s.destroyed) s.write(trickle[i++]!); }, everyMs);
    });
    s.on('data', (c: string) => { text += c; });
    s.on('error', (e: NodeJS.ErrnoException) => { if (!text) reject(e); });
    s.on('close', () => {
      clearInterval(timer);
      const [headText = '', body = ''] = text.split('\r\n\r\n');
      const [statusLine = '', ...lines] = headText.split('\r\n');
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body, ms: Date.now() - t0 });
    });
  });
}

describe('answers before the routes', () => {
  let h: Harness;
  let port: number;

  before(async () => {
    h = await makeHarness((c) => {
      c.http.requestTimeoutMs = 1500;
      c.http.headersTimeoutMs = 1000;
      c.http.timeoutCheckIntervalMs = 100;
      c.http.maxHeaderBytes = 16 * 1024;
      c.http.maxUrlBytes = 4 * 1024;
    });
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    port = (h.app.server.address() as net.AddressInfo).port;
  });
  after(async () => { await h.close(); });

  test('a method the path does not have is 405 with Allow; a path no endpoint has stays 404', async () => {
    const r = await h.json('DELETE', '/sessions/0/statements');
    assert.equal(r.status, 405);
    assert.equal(r.body.code, 'METHOD_NOT_ALLOWED');
    assert.equal(r.headers.allow, 'GET, HEAD, POST');
    assert.match(r.body.msg, /DELETE is not allowed on \/sessions\/0\/statements/);
    const put = await h.json('PUT', '/version');
    assert.deepEqual([put.status, put.headers.allow], [405, 'GET, HEAD']);
    const shared = await h.json('POST', '/sessions/x/shared/m/k');
    assert.deepEqual([shared.status, shared.headers.allow], [405, 'GET, HEAD, PUT, DELETE']);
    const none = await h.json('GET', '/nowhere/at/all');
    assert.deepEqual([none.status, none.body.code, none.headers.allow], [404, 'NOT_FOUND', undefined]);
  });

  test('a URL over http.maxUrlBytes is 414 {msg, code} naming the setting, under the parser limit and over it', async () => {
    const mid = await raw(port, `GET /sessions/${'a'.repeat(6000)} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
    assert.equal(mid.status, 414);
    assert.deepEqual(JSON.parse(mid.body).code, 'URI_TOO_LONG');
    assert.match(JSON.parse(mid.body).msg, /http\.maxUrlBytes/);
    const huge = await raw(port, `GET /sessions/${'a'.repeat(40_000)} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    assert.equal(huge.status, 414);
    assert.match(huge.headers['content-type']!, /^application\/json/);
    assert.equal(JSON.parse(huge.body).code, 'URI_TOO_LONG');
  });

  test('headers over http.maxHeaderBytes are 431 {msg, code} naming the setting', async () => {
    const r = await raw(port, `GET /version HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`);
    assert.equal(r.status, 431);
    const body = JSON.parse(r.body);
    assert.equal(body.code, 'HEADERS_TOO_LARGE');
    assert.match(body.msg, /http\.maxHeaderBytes/);
  });

  test('a body sent one byte a second is cut off with 408 {msg, code} soon after http.requestTimeoutMs', async () => {
    const head = 'POST /sessions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n';
    const r = await raw(port, head, '{"kind":"pyspark"'.padEnd(100, ' '), 1000);
    assert.equal(r.status, 408);
    const body = JSON.parse(r.body);
    assert.equal(body.code, 'REQUEST_TIMEOUT');
    assert.match(body.msg, /http\.requestTimeoutMs/);
    assert.ok(r.ms >= 1400 && r.ms < 4000, `closed after ${r.ms} ms`);
    assert.equal((await h.json('GET', '/sessions')).body.total, 0, 'the trickled request created nothing');
  });

  test('headers that trickle in are cut off too', async () => {
    const r = await raw(port, 'GET /version HTTP/1.1\r\nHost: 127.0.0.1\r\n', 'X-Slow: 1234567890', 300);
    assert.equal(r.status, 408);
    assert.ok(r.ms < 3000, `closed after ${r.ms} ms`);
  });

  test('a request that arrives in time is not affected, and bytes that are not HTTP get 400 {msg, code}', async () => {
    const ok = await raw(port, 'GET /version HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    assert.equal(ok.status, 200);
    const bad = await raw(port, 'NOT HTTP AT ALL\r\n\r\n');
    assert.equal(bad.status, 400);
    assert.equal(JSON.parse(bad.body).code, 'MALFORMED_REQUEST');
  });
});

describe('http.maxConnections and http.maxConnectionsPerAddress', () => {
  let h: Harness;
  let port: number;
  const open: net.Socket[] = [];

  /** A connection the server has accepted (from `localAddress`): it answers a request on it. */
  async function accepted(localAddress = '127.0.0.1'): Promise<net.Socket> {
    const s = net.connect({ port, host: '127.0.0.1', localAddress });
    await new Promise<void>((resolve, reject) => { s.once('connect', resolve); s.once('error', reject); });
    open.push(s);
    return s;
  }

  const connections = () => new Promise<number>((r) => h.app.server.getConnections((_e, n) => r(n)));

  /** What a request on `s` gets: its status, or null when the server closed the socket instead. */
  function ask(s: net.Socket): Promise<number | null> {
    return new Promise((resolve) => {
      let text = '';
      s.setEncoding('latin1');
      s.on('data', (c: string) => {
        text += c;
        if (text.includes('\r\n\r\n')) resolve(Number(text.split(' ')[1]));
      });
      s.on('close', () => resolve(text ? Number(text.split(' ')[1]) : null));
      s.on('error', () => undefined);
      s.write('GET /version HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    });
  }

  // Through the proxy: configuring one turns authentication on.
  const metrics = () => h.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '127.0.0.6', headers: { 'x-remote-user': 'ops' } });

  async function closeAll(): Promise<void> {
    for (const s of open.splice(0)) s.destroy();
    await h.waitFor(async () => (await connections()) === 0, 'every connection closed');
  }

  before(async () => {
    h = await makeHarness((c) => {
      c.http.maxConnections = 4;
      c.http.maxConnectionsPerAddress = 3;
      c.auth.proxy = { header: 'X-Remote-User', trustedAddresses: ['127.0.0.6'] };
    });
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    port = (h.app.server.address() as net.AddressInfo).port;
  });
  after(async () => {
    for (const s of open) s.destroy();
    await h.close();
  });

  test('a limit below the held requests\' is allowed, and the log says what it means', () => {
    assert.ok(h.logs.some((l) => /limits\.longPolls \+ limits\.eventStreams \(640\) reach http\.maxConnections \(4\)/.test(l)), h.logs.join('\n'));
  });

  test('one address holds at most its share: the next from it is closed unread while another address still gets in', async () => {
    // Three idle sockets from one client: the slow-loris way to use up a server.
    const idle = [await accepted(), await accepted(), await accepted()];
    await h.waitFor(async () => (await connections()) === 3, 'three connections');
    for (let i = 0; i < 2; i++) assert.equal(await ask(await accepted()), null, 'a fourth from the same address is closed without an answer');
    const lines = () => h.logs.filter((l) => /\(setting http\.maxConnectionsPerAddress\)/.test(l));
    assert.equal(lines().length, 1, 'two refusals, one log line');
    assert.match(lines()[0]!, /refused 1 connection\(s\) from addresses that had 3 open each, the last from 127\.0\.0\.1 /);
    // Linux routes all of 127/8 to loopback: a second client address.
    assert.equal(await ask(await accepted('127.0.0.2')), 200, 'another client is not locked out');
    assert.equal(await ask(idle[0]!), 200, 'the held ones are still served');
    idle[1]!.destroy();
    await h.waitFor(async () => (await connections()) === 3, 'a connection closed');
    assert.equal(await ask(await accepted()), 200, 'a place freed is taken by the next connection from that address');
    await closeAll();
  });

  test('a trusted proxy\'s address is held only to the total; past the total, any connection is closed unread and counted', async () => {
    const before = await metrics();
    assert.match(before.body, /sparkport_http_connections_refused_total\{reason="max_connections"\} 0/, 'the series starts at 0');
    // The proxy carries every user's connections: four, past the per-address three.
    for (let i = 0; i < 4; i++) await accepted('127.0.0.6');
    await h.waitFor(async () => (await connections()) === 4, 'four connections');
    assert.equal(await ask(await accepted('127.0.0.5')), null, 'a fifth is closed without an answer');
    assert.match(h.logs.find((l) => /\(setting http\.maxConnections\)/.test(l))!, /refused 1 connection\(s\): 4 were open/);
    await closeAll();
    const after = await metrics();
    assert.match(after.body, /sparkport_http_connections_refused_total\{reason="per_address"\} 2/);
    assert.match(after.body, /sparkport_http_connections_refused_total\{reason="max_connections"\} 1/);
    assert.equal(await ask(await accepted()), 200, 'with the others gone, connections are served again');
  });
});
