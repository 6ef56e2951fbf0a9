/**
 * `1 + 1` on an idle session through the whole stack (HTTP → server → driver → Python → back),
 * one request each thanks to ?wait. Target on the 2-core machine: p50 ≤ 2 ms, p99 ≤ 8 ms.
 *
 * Then where the time goes, each layer measured on its own in the same run, interleaved so
 * that machine noise hits all of them alike:
 * - http: GET /sessions/{id}/state, a route that touches neither the store nor the driver
 *   (fetch on the client, Fastify, validation and serialisation on the server);
 * - store: the writes one statement makes (insert, then running, then available), on a
 *   SQLite file configured as the server's;
 * - link: GET of one shared-map key, answered by the driver's control thread: http plus one
 *   request/reply over the driver connection and its JSON on both sides;
 * - the rest, by difference: handing the statement to Python's main thread, executing it,
 *   formatting the output, and the server's dispatch and bookkeeping.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SqliteStore } from '../packages/server/src/store/sqlite-store.ts';
import { call, idleSession, record, startServer, summarise } from './lib.ts';

async function time(fn: () => Promise<unknown> | unknown): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

function storeWrites(): { run: () => void; close: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sparkport-bench-store-'));
  const store = new SqliteStore(path.join(dir, 'sparkport.db'));
  let id = 0;
  return {
    run() {
      const s = {
        sessionId: 0, id: id++, code: '1 + 1', kind: 'pyspark', state: 'waiting', output: null, progress: 0, started: 0, completed: 0,
      } as Parameters<SqliteStore['insertStatement']>[0];
      store.insertStatement(s);
      store.updateStatement({ ...s, state: 'running', started: Date.now() });
      store.updateStatement({
        ...s, state: 'available', progress: 1, completed: Date.now(),
        output: { status: 'ok', execution_count: s.id, data: { 'text/plain': '2' } },
      });
    },
    close() {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function roundtrip(n = 1000): Promise<void> {
  const server = await startServer();
  const store = storeWrites();
  try {
    const { id } = await idleSession(server.url);
    const base = `${server.url}/sessions/${id}`;
    await call(`${base}/shared/bench/k`, 'PUT', 1);
    const layers = {
      total: async () => {
        const st = await call(`${base}/statements?wait=30`, 'POST', { code: '1 + 1' });
        if (st.output?.data?.['text/plain'] !== '2') throw new Error(`unexpected result ${JSON.stringify(st)}`);
      },
      http: () => call(`${base}/state`, 'GET'),
      store: () => store.run(),
      link: () => call(`${base}/shared/bench/k`, 'GET'),
    };
    const samples: Record<keyof typeof layers, number[]> = { total: [], http: [], store: [], link: [] };
    for (let i = 0; i < 50; i++) for (const fn of Object.values(layers)) await fn();
    for (let i = 0; i < n; i++) {
      for (const [name, fn] of Object.entries(layers)) samples[name as keyof typeof layers].push(await time(fn));
    }
    const total = summarise(samples.total);
    record('roundtrip_1plus1_ms', { ...total, target: 'p50 <= 2, p99 <= 8' });
    const http = summarise(samples.http).p50;
    const storeMs = summarise(samples.store).p50;
    const link = summarise(samples.link).p50 - http;
    const r = (x: number) => Math.round(x * 1000) / 1000;
    record('roundtrip_breakdown_p50_ms', {
      total: total.p50,
      http: r(http),
      store: r(storeMs),
      driver_link: r(link),
      python_and_dispatch: r(total.p50 - http - storeMs - link),
      how: 'http = GET /state; store = the 3 writes of one statement on SQLite; driver_link = GET of a shared key minus http; the rest by difference',
    });
  } finally {
    store.close();
    await server.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await roundtrip(Number(process.argv[2] ?? 1000));
