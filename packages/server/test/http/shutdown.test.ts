/**
 * Shutting down as SIGTERM does (RunningServer.shutdown): requests in flight finish, new ones
 * are refused 503 SHUTTING_DOWN, long polls answer at once and event streams end, all within
 * shutdown.drainMs; session drivers keep running unless shutdown.stopDrivers. And one server per
 * data directory: a second one refuses to start, naming the directory and the first one's pid.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { afterEach, describe, test } from 'node:test';
import type { Config } from '../../src/config.ts';
import { DataDirLockedError } from '../../src/data-dir-lock.ts';
import { startTestServer, testConfig } from '../support/real-server.ts';

type Started = Awaited<ReturnType<typeof startTestServer>>;

function portOf(url: string): number { return Number(new URL(url).port); }

/** A raw connection, to send a request in pieces and read whatever comes back until it closes. */
function connection(port: number) {
  const s = net.connect(port, '127.0.0.1');
  let text = '';
  s.setEncoding('latin1');
  s.on('data', (c: string) => { text += c; });
  s.on('error', () => undefined);
  const closed = new Promise<void>((r) => s.on('close', () => r()));
  return { write: (t: string) => s.write(t), text: () => text, closed, destroy: () => s.destroy() };
}

const status = (raw: string) => Number(raw.split(' ')[1]);
const bodyOf = (raw: string) => JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)) as { msg: string; code: string; state?: string };

describe('shutdown', () => {
  const running: Started[] = [];
  const start = async (tweak: (c: Config) => void = () => undefined, dataDir?: string) => {
    const s = await startTestServer(testConfig(tweak, dataDir));
    running.push(s);
    return s;
  };
  afterEach(async () => {
    const all = running.splice(0);
    await Promise.all(all.map((s) => s.server.close().catch(() => undefined)));
    // The "drivers" live in this process: they end with the test, whether or not the server stopped them.
    for (const s of all) for (const p of s.launcher.procs) p.exit(0);
  });
  const api = async (s: Started, method: string, p: string, body?: unknown) => {
    const r = await fetch(`${s.server.url}${p}`, {
      method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    return { status: r.status, body: await r.json() as Record<string, unknown> & { id: number; state: string } };
  };
  const idleSession = async (s: Started) => {
    const id = (await api(s, 'POST', '/sessions', { kind: 'pyspark' })).body.id;
    for (let i = 0; i < 300 && (await api(s, 'GET', `/sessions/${id}/state`)).body.state !== 'idle'; i++) await new Promise((r) => setTimeout(r, 10));
    return id;
  };

  test('a second server on the same data directory refuses to start, naming it and the pid; once the first has closed, one starts', async () => {
    const first = await start();
    const dir = first.config.dataDir;
    await assert.rejects(start(() => undefined, dir), (e: Error) => {
      assert.ok(e instanceof DataDirLockedError, String(e));
      assert.ok(e.message.includes(dir), e.message);
      assert.ok(e.message.includes(`pid ${process.pid}`), e.message);
      return true;
    });
    assert.equal((await api(first, 'GET', '/version')).status, 200, 'the first one is unharmed');
    await first.server.close();
    const next = await start(() => undefined, dir);
    assert.equal((await api(next, 'GET', '/health')).status, 200);
  });

  test('in flight finishes, new requests get 503 SHUTTING_DOWN, long polls answer at once, streams end; drivers keep running', async () => {
    const s = await start((c) => { c.shutdown.drainMs = 5000; c.shutdown.stopDrivers = false; });
    const port = portOf(s.server.url);
    const id = await idleSession(s);
    const slow = (await api(s, 'POST', `/sessions/${id}/statements`, { code: 'sleep:60000' })).body.id;
    const poll = api(s, 'GET', `/sessions/${id}/statements/${slow}?wait=60`);
    const stream = connection(port);
    stream.write(`GET /sessions/${id}/statements/${slow}/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    // A request whose body is on its way when the shutdown starts, and one whose headers are.
    const body = JSON.stringify({ code: '1 + 1' });
    const inFlight = connection(port);
    inFlight.write(`POST /sessions/${id}/statements HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 5)}`);
    const late = connection(port);
    late.write('GET /version HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    await new Promise((r) => setTimeout(r, 200));

    const t0 = Date.now();
    const done = s.server.shutdown();
    const polled = await poll;
    assert.deepEqual([polled.status, polled.body.state], [200, 'running'], 'the long poll is answered at once, with the statement as it is');
    await stream.closed;
    assert.match(stream.text(), /event: statement/);
    late.write('\r\n');
    inFlight.write(body.slice(5));
    await Promise.all([late.closed, inFlight.closed]);
    assert.equal(status(late.text()), 503);
    assert.equal(bodyOf(late.text()).code, 'SHUTTING_DOWN');
    assert.match(late.text(), /\r\nconnection: close\r\n/i);
    assert.equal(status(inFlight.text()), 201, inFlight.text());
    await done;
    assert.ok(Date.now() - t0 < 3000, `shut down in ${Date.now() - t0} ms`);
    assert.ok(s.launcher.procs.every((p) => !p.exited), 'shutdown.stopDrivers is off: the driver keeps running');
    await assert.rejects(fetch(`${s.server.url}/health`), 'the port is closed');
  });

  test('shutdown.stopDrivers stops every driver; a request that never ends is cut off after shutdown.drainMs', async () => {
    const s = await start((c) => { c.shutdown.drainMs = 700; c.shutdown.stopDrivers = true; c.http.requestTimeoutMs = 60_000; });
    await idleSession(s);
    const stuck = connection(portOf(s.server.url));
    stuck.write('POST /sessions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{');
    await new Promise((r) => setTimeout(r, 100));
    const t0 = Date.now();
    await s.server.shutdown();
    const took = Date.now() - t0;
    assert.ok(took >= 600 && took < 3000, `shut down in ${took} ms`);
    await stuck.closed;
    assert.ok(s.launcher.procs.length > 0 && s.launcher.procs.every((p) => p.exited), 'every driver was stopped');
  });
});

