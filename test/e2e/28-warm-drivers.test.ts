/**
 * Warm drivers on real Spark (sessions.warmDrivers, domain/warm-pool.ts), on a server of the
 * test's own: a session that takes one is idle in well under a second and runs code at once,
 * with its runtime SQL conf already set; the pool refills with a driver of the next id; a
 * request with settings only a new driver can take starts cold; after a server SIGKILL the
 * warm driver no session took is killed, not left running.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { api, waitForState } from './helpers.ts';
import { freePort, startOwnServer, type OwnServer } from './own-server.ts';
import { alive, jvmOf } from './proc-find.ts';

describe('warm drivers on real Spark', { timeout: 300_000 }, () => {
  let server: OwnServer;
  let dataDir: string;
  let port: number;
  const env = { SPARKPORT_SESSIONS__WARM_DRIVERS: '1' };
  const call = (method: string, p: string, body?: unknown) => api(method, p, body, server.base);
  const workDir = (id: number) => path.join(dataDir, 'sessions', String(id));
  const untilJvm = async (id: number) => {
    for (let i = 0; i < 600; i++) {
      try {
        return jvmOf(workDir(id));
      } catch { await new Promise((r) => setTimeout(r, 100)); }
    }
    throw new Error(`no JVM for ${workDir(id)}`);
  };

  /** Until GET /metrics counts a warm driver ready. */
  const warmReady = async () => {
    for (let i = 0; i < 1200; i++) {
      const m = await (await fetch(`${server.base}/metrics`)).text();
      if (/^sparkport_warm_drivers\{state="ready"\} 1$/m.test(m)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('no warm driver became ready');
  };

  before(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'sparkport-warm-'));
    port = await freePort();
    server = await startOwnServer({ dataDir, port, env });
  });

  after(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('a session on a warm driver is idle at once, runs code, and has its runtime conf; the pool refills', async () => {
    await warmReady();
    const r = await call('POST', '/sessions', { kind: 'pyspark', name: 'warm', conf: { 'spark.sql.shuffle.partitions': '3' } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.id, 0);
    await waitForState(0, ['idle'], 120_000, server.base);
    const s = await call('POST', '/sessions/0/statements?wait=60', { code: 'print(spark.conf.get("spark.sql.shuffle.partitions"), sc.parallelize(range(10)).sum())' });
    assert.equal(s.body.output?.data?.['text/plain']?.trim(), '3 45', JSON.stringify(s.body));
    // The refill: a driver for the next id, started in the background.
    assert.ok(alive(await untilJvm(1)));
    const listed = (await call('GET', '/sessions')).body;
    assert.deepEqual(listed.sessions.map((x: { id: number }) => x.id), [0], 'the warm driver is no session');
  });

  test('once warm, a session starts in under a second', async () => {
    await warmReady();
    const t0 = performance.now();
    const r = await call('POST', '/sessions', { kind: 'pyspark' });
    assert.equal(r.body.id, 1);
    await waitForState(1, ['idle'], 60_000, server.base);
    const ms = performance.now() - t0;
    assert.ok(ms < 1000, `POST to idle took ${Math.round(ms)} ms`);
  });

  test('a request only a new driver can serve starts cold, with a new id', async () => {
    const r = await call('POST', '/sessions', { kind: 'pyspark', conf: { 'spark.executor.memory': '600m' } });
    assert.equal(r.status, 201);
    assert.equal(r.body.id, 3, 'the warm driver keeps id 2');
    const s = await waitForState(3, ['idle'], 180_000, server.base);
    assert.equal(s.state, 'idle');
    const got = await call('POST', '/sessions/3/statements?wait=60', { code: 'print(sc.getConf().get("spark.executor.memory"))' });
    assert.equal(got.body.output?.data?.['text/plain']?.trim(), '600m');
  });

  test('after a server SIGKILL, the warm driver no session took is killed by the next server', async () => {
    const warmJvm = await untilJvm(2);
    server.child.kill('SIGKILL');
    await new Promise((r) => server.child.once('exit', r));
    assert.ok(alive(warmJvm), 'it outlived the server');
    server = await startOwnServer({ dataDir, port, env: { SPARKPORT_SESSIONS__WARM_DRIVERS: '0' } });
    for (let i = 0; i < 200 && alive(warmJvm); i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(!alive(warmJvm), 'reaped');
    assert.equal((await call('GET', '/sessions/2')).status, 404);
  });
});
