/**
 * Shared bench plumbing: a private server on a free port, percentiles, and the results file
 * (bench/results.json, committed; each run replaces its benchmark's entry).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { sessionMachine } from '@sparkport/protocol';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS = path.join(ROOT, 'bench', 'results.json');

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function summarise(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const r = (x: number) => Math.round(x * 1000) / 1000;
  return { n: s.length, p50: r(percentile(s, 50)), p90: r(percentile(s, 90)), p99: r(percentile(s, 99)), max: r(s.at(-1) ?? NaN), min: r(s[0] ?? NaN) };
}

export function record(name: string, result: Record<string, unknown>): void {
  const all = existsSync(RESULTS) ? JSON.parse(readFileSync(RESULTS, 'utf8')) : {};
  all[name] = { ...result, at: new Date().toISOString(), machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}` };
  writeFileSync(RESULTS, JSON.stringify(all, null, 2) + '\n');
  process.stdout.write(`${name}: ${JSON.stringify(result)}\n`);
}

export const freePort = () => new Promise<number>((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => {
    const p = (s.address() as net.AddressInfo).port;
    s.close(() => resolve(p));
  });
});

export interface BenchServer { url: string; child: ChildProcess; dataDir: string; port: number; stop(): Promise<void> }

/** A server on a fresh data directory and port, or on given ones (a restart). */
export async function startServer(env: Record<string, string> = {}, at: { dataDir?: string; port?: number } = {}): Promise<BenchServer> {
  const dataDir = at.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'sparkport-bench-'));
  const port = at.port ?? await freePort();
  const child = spawn(path.join(ROOT, 'bin/sparkport'), ['serve', '--port', String(port), '--data-dir', dataDir], {
    // Cold starts unless a bench asks for warm drivers (warm-start.ts): each measures one thing.
    // Drivers end with the server (SIGTERM), so no bench leaves one running into the next.
    env: { ...process.env, SPARK_LOCAL_IP: '127.0.0.1', SPARKPORT_SESSIONS__WARM_DRIVERS: '0', SPARKPORT_SHUTDOWN__STOP_DRIVERS: 'true', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}/version`)).ok) break;
    } catch { /* not yet */ }
    if (i > 600) throw new Error('server did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    child,
    dataDir,
    port,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function call(url: string, method: string, body?: unknown): Promise<any> {
  const res = await fetch(url, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 400) throw new Error(`${method} ${url} → ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

export async function idleSession(url: string, body: Record<string, unknown> = { kind: 'pyspark' }, pollMs = 20): Promise<{ id: number; ms: number }> {
  const t0 = performance.now();
  const s = await call(`${url}/sessions`, 'POST', body);
  for (;;) {
    const st = await call(`${url}/sessions/${s.id}/state`, 'GET');
    if (st.state === 'idle') return { id: s.id, ms: performance.now() - t0 };
    if (!sessionMachine.is(st.state, 'live')) throw new Error(`session ${s.id} ${st.state}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
