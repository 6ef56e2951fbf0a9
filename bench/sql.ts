/**
 * SQL through a session beside Spark Connect, one run, one after the other (never two Spark
 * drivers at once), same pyspark, same master (local[*]) and driver memory (1g):
 *
 * - sparkport: `kind: sql` statements on a pyspark session, POST …/statements?wait=30 from this
 *   process, each answered with its rows (limits.outputRows raised to 10,000 for the big one).
 * - spark_connect: a Spark Connect server (`spark-submit --class …SparkConnectServer`, the
 *   spark-connect jar inside pyspark) and the pyspark-client from .venv-connect
 *   (bench/connect_client.py), `spark.sql(q).collect()`.
 *
 * Latency: `SELECT 1`, and a 10,000-row, three-column query, interleaved, 100 of each after 20 of
 * each to warm up. Target: sparkport's p50 ≤ 0.7 × Spark Connect's for both. Then, after 400 more
 * of each, 100 more: the same queries once both JVMs have compiled most of Spark's code ("steady").
 * Throughput: 8 clients at once for 10 s, each sending `SELECT 1` as soon as its last answered:
 * on one session (its statements run one at a time, in order, as Livy's clients expect), and
 * Spark Connect with 8 client processes (8 Connect sessions, which it runs in parallel).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { venvSparkHome } from '../packages/server/src/driver/spark-home.ts';
import { call, freePort, idleSession, record, ROOT, startServer, summarise } from './lib.ts';

const N = 100;
const WARMUP = 20;
const STEADY_AFTER = 400;
const SECONDS = 10;
const CLIENTS = 8;
const ROWS_10K = 'SELECT id, CAST(id AS STRING) AS s, id * 1.5 AS d FROM range(10000)';
const CONNECT_PY = path.join(ROOT, '.venv-connect', 'bin', 'python');

interface Latencies { select1: number[]; rows10k: number[] }

async function sparkportSide(): Promise<{ early: Latencies; steady: Latencies; qps: number }> {
  const server = await startServer({ SPARKPORT_LIMITS__OUTPUT_ROWS: '10000' });
  try {
    const { id } = await idleSession(server.url);
    const statements = `${server.url}/sessions/${id}/statements?wait=30`;
    const sql = async (code: string, rows: number) => {
      const t0 = performance.now();
      const st = await call(statements, 'POST', { code, kind: 'sql' });
      const ms = performance.now() - t0;
      const data = st.output?.data?.['application/json']?.data;
      if (st.state !== 'available' || data?.length !== rows) throw new Error(`unexpected answer to ${code}: ${JSON.stringify(st).slice(0, 300)}`);
      return ms;
    };
    const both = async (n: number, into?: Latencies) => {
      for (let i = 0; i < n; i++) {
        const a = await sql('SELECT 1', 1);
        const b = await sql(ROWS_10K, 10000);
        into?.select1.push(a);
        into?.rows10k.push(b);
      }
    };
    const early: Latencies = { select1: [], rows10k: [] };
    const steady: Latencies = { select1: [], rows10k: [] };
    await both(WARMUP);
    await both(N, early);
    await both(STEADY_AFTER);
    await both(N, steady);
    let done = 0;
    const end = performance.now() + SECONDS * 1000;
    await Promise.all(Array.from({ length: CLIENTS }, async () => {
      while (performance.now() < end) {
        await sql('SELECT 1', 1);
        done++;
      }
    }));
    return { early, steady, qps: done / SECONDS };
  } finally {
    await server.stop();
  }
}

async function untilListening(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the Spark Connect server exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error('the Spark Connect server did not listen within 120 s');
    await new Promise((r) => setTimeout(r, 200));
  }
}

function client(url: string, mode: 'latency' | 'loop', n: number, extra: string[] = []): { child: ChildProcess; result: Promise<any>; ready: Promise<void> } {
  const child = spawn(CONNECT_PY, [path.join(ROOT, 'bench', 'connect_client.py'), url, mode, String(n), ...extra], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  let readyResolve!: () => void;
  const ready = new Promise<void>((r) => { readyResolve = r; });
  child.stdout!.on('data', (d) => {
    out += d;
    if (out.includes('ready\n')) readyResolve();
  });
  const result = new Promise((resolve, reject) => child.on('exit', (code) => {
    if (code !== 0) return reject(new Error(`bench/connect_client.py ${mode} exited with ${code}`));
    resolve(JSON.parse(out.trim().split('\n').at(-1)!));
  }));
  return { child, result, ready };
}

async function connectSide(): Promise<{ early: Latencies; steady: Latencies; qps: number }> {
  const home = venvSparkHome(path.join(ROOT, '.venv', 'bin', 'python'));
  if (!home) throw new Error('no pyspark in .venv: run node scripts/setup.mjs');
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sparkport-bench-connect-'));
  const server = spawn(path.join(home, 'bin', 'spark-submit'), [
    '--master', 'local[*]', '--driver-memory', '1g',
    '--conf', `spark.connect.grpc.binding.port=${port}`, '--conf', 'spark.connect.grpc.binding.address=127.0.0.1',
    '--conf', `spark.sql.warehouse.dir=${path.join(dir, 'warehouse')}`,
    '--class', 'org.apache.spark.sql.connect.service.SparkConnectServer', 'spark-internal',
  ], { cwd: dir, env: { ...process.env, SPARK_HOME: home, SPARK_LOCAL_IP: '127.0.0.1' }, stdio: ['ignore', 'ignore', 'ignore'] });
  try {
    await untilListening(port, server);
    const url = `sc://127.0.0.1:${port}`;
    const latency = await client(url, 'latency', N, [String(WARMUP), String(STEADY_AFTER)]).result;
    const loops = Array.from({ length: CLIENTS }, () => client(url, 'loop', SECONDS));
    await Promise.all(loops.map((l) => l.ready));
    for (const l of loops) l.child.stdin!.end('\n');
    const counts = await Promise.all(loops.map((l) => l.result));
    const phase = (p: { select1_ms: number[]; rows10k_ms: number[] }): Latencies => ({ select1: p.select1_ms, rows10k: p.rows10k_ms });
    return { early: phase(latency.early), steady: phase(latency.steady), qps: counts.reduce((a, c) => a + c.queries, 0) / SECONDS };
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => (server.exitCode !== null ? r(null) : server.once('exit', r)));
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function sqlBench(): Promise<void> {
  const ours = await sparkportSide();
  const connect = await connectSide();
  const r = (x: number) => Math.round(x * 100) / 100;
  const side = (pick: (x: typeof ours) => number[]) => {
    const v = { sparkport: summarise(pick(ours)), spark_connect: summarise(pick(connect)) };
    return { ...v, ratio_p50: r(v.sparkport.p50 / v.spark_connect.p50) };
  };
  record('sql_vs_spark_connect', {
    select1_ms: side((x) => x.early.select1),
    rows10k_ms: side((x) => x.early.rows10k),
    [`select1_ms_after_${WARMUP + N + STEADY_AFTER}`]: side((x) => x.steady.select1),
    [`rows10k_ms_after_${WARMUP + N + STEADY_AFTER}`]: side((x) => x.steady.rows10k),
    select1_qps_8_clients: { sparkport_one_session: r(ours.qps), spark_connect_8_sessions: r(connect.qps) },
    target: 'ratio_p50 <= 0.7 for both',
  });
}

if (import.meta.url === `file://${process.argv[1]}`) await sqlBench();
