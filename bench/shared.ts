/**
 * Shared key/value data through REST at 1k, 10k and 100k keys: our maps (PUT/GET one key) against
 * the seed's ShareableRdd driven through statements (`srdd.set`/`srdd.get`), which grows its RDD
 * lineage by one union per key. Target: our GET p50 ≤ 2 ms at 100k keys, flat as keys grow.
 * Writes bench/results.json and plots bench/shared-latency.png.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { SHAREABLE_RDD_CLASS } from '../test/fixtures/shareable-rdd.ts';
import { ROOT, call, idleSession, record, startServer, summarise } from './lib.ts';

const SIZES = [1_000, 10_000, 100_000];
/** The seed's class is tried at smaller sizes too, to show where it stops working. */
const SEED_SIZES = [10, 100, 300, 1_000, 10_000, 100_000];
const SAMPLES = 500;
/** The seed's class is given this long per get before we call its size broken. */
const SEED_GET_LIMIT_MS = 60_000;

const SEED_CLASS = `${SHAREABLE_RDD_CLASS}

srdd = ShareableRdd()`;

const rand = (n: number) => Math.floor(Math.random() * n);

async function ours(url: string, session: number): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  let filled = 0;
  for (const n of SIZES) {
    while (filled < n) {
      const batch = Object.fromEntries(Array.from({ length: Math.min(5000, n - filled) }, (_, i) => [`key${filled + i}`, { v: filled + i }]));
      await call(`${url}/sessions/${session}/shared/bench/put`, 'POST', { entries: batch });
      filled += Object.keys(batch).length;
    }
    const gets: number[] = [];
    const puts: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      let t0 = performance.now();
      await call(`${url}/sessions/${session}/shared/bench/key${rand(n)}`, 'GET');
      gets.push(performance.now() - t0);
      t0 = performance.now();
      await call(`${url}/sessions/${session}/shared/bench/key${rand(n)}`, 'PUT', { v: i });
      puts.push(performance.now() - t0);
    }
    rows.push({ keys: n, get: summarise(gets), set: summarise(puts) });
    process.stdout.write(`ours @${n}: get p50 ${summarise(gets).p50} ms, set p50 ${summarise(puts).p50} ms\n`);
  }
  return rows;
}

async function stmt(url: string, session: number, code: string): Promise<{ ms: number; ok: boolean; error?: string }> {
  const t0 = performance.now();
  let st = await call(`${url}/sessions/${session}/statements?wait=${SEED_GET_LIMIT_MS / 1000}`, 'POST', { code });
  const ms = performance.now() - t0;
  if (st.state !== 'available') {
    await call(`${url}/sessions/${session}/statements/${st.id}/cancel`, 'POST');
    st = await call(`${url}/sessions/${session}/statements/${st.id}?wait=60`, 'GET');
    return { ms, ok: false, error: `no answer within ${SEED_GET_LIMIT_MS / 1000} s` };
  }
  if (st.output.status !== 'ok') return { ms, ok: false, error: `${st.output.ename}: ${String(st.output.evalue).slice(0, 200)}` };
  return { ms, ok: true };
}

async function seed(url: string, session: number): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  await stmt(url, session, SEED_CLASS);
  let filled = 0;
  for (const n of SEED_SIZES) {
    // Filling runs inside one statement; each set() is one union, as the seed's users would do it.
    const fill = await stmt(url, session, `for i in range(${filled}, ${n}):\n    srdd.set('key%d' % i, i)`);
    filled = n;
    if (!fill.ok) {
      rows.push({ keys: n, broken: `filling failed: ${fill.error}` });
      process.stdout.write(`seed @${n}: broken (${fill.error})\n`);
      break;
    }
    const gets: number[] = [];
    let broken: string | undefined;
    for (let i = 0; i < 10 && !broken; i++) {
      const r = await stmt(url, session, `srdd.get('key${rand(n)}')`);
      if (!r.ok) broken = r.error;
      else gets.push(r.ms);
    }
    const sets: number[] = [];
    for (let i = 0; i < 10 && !broken; i++) {
      const r = await stmt(url, session, `srdd.set('extra${i}', ${i})`);
      if (!r.ok) broken = r.error;
      else sets.push(r.ms);
    }
    rows.push({ keys: n, get: summarise(gets), set: summarise(sets), ...(broken ? { broken } : {}) });
    process.stdout.write(`seed @${n}: get p50 ${summarise(gets).p50} ms${broken ? ` — broken: ${broken}` : ''}\n`);
    if (broken) break;
  }
  return rows;
}

export async function sharedBench(): Promise<void> {
  const server = await startServer();
  try {
    const { id } = await idleSession(server.url, { kind: 'pyspark', driverMemory: '2g' });
    const oursRows = await ours(server.url, id);
    const seedRows = await seed(server.url, id);
    record('shared_kv_rest_ms', { ours: oursRows, seed_shareable_rdd: seedRows, target: 'ours get p50 <= 2 ms at 100k, flat' });
    const plot = spawnSync(path.join(ROOT, '.venv/bin/python'), [path.join(ROOT, 'bench/plot_shared.py')], { stdio: 'inherit' });
    if (plot.status !== 0) process.stderr.write('plotting failed\n');
  } finally {
    await server.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await sharedBench();
