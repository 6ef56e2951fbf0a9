/**
 * A session's start with a warm driver, beside the cold start and a Jupyter kernel's start, in one
 * run, one after another (never two servers at once):
 *
 * 1. warm: a server on local[1] with sessions.warmDrivers=1. Before each POST, wait (untimed) for
 *    GET /metrics to show a ready warm driver; then time POST /sessions {kind: pyspark} to
 *    GET /sessions/{id}/state == idle, polled every 10 ms; then DELETE the session. Each sample
 *    then also checks that the pool is refilling (no driver ready just after the claim), i.e. the
 *    session did take the warm driver. Target: p50 ≤ 0.5 s, p95 ≤ 1 s.
 * 2. cold: the same server with sessions.warmDrivers=0 (a new Spark driver for every session).
 * 3. jupyter_kernel: jupyter_server with ipykernel, from .venv-bench (bench/requirements.txt,
 *    `node scripts/setup.mjs --bench`), on a free loopback port: POST /api/kernels (python3) to the
 *    kernel's kernel_info_reply over its websocket channel, the kernel answering requests, which is
 *    what "idle" means for a session (ready for code). Over REST alone a kernel's execution_state
 *    stays "starting" until some client talks to it, so it is not polled; bench/jupyter_kernel.py
 *    does the kernels and says more (why its p95 is half a second above its p50). Its first
 *    `1 + 1` round trip is recorded beside.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { call, freePort, idleSession, percentile, record, ROOT, startServer, summarise } from './lib.ts';

const POLL_MS = 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** summarise, with the p95 the target is stated in. */
function stats(samples: number[]) {
  const p95 = percentile([...samples].sort((a, b) => a - b), 95);
  return { ...summarise(samples), p95: Math.round(p95 * 1000) / 1000 };
}

async function warmDrivers(url: string): Promise<{ ready: number; starting: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const gauge = (state: string) => Number(new RegExp(`^sparkport_warm_drivers\\{state="${state}"\\} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return { ready: gauge('ready'), starting: gauge('starting') };
}

async function untilWarmReady(url: string): Promise<void> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    const w = await warmDrivers(url);
    if (Number.isNaN(w.ready)) throw new Error('GET /metrics has no sparkport_warm_drivers gauge');
    if (w.ready >= 1) return;
    if (Date.now() > deadline) throw new Error(`no warm driver ready within 180 s (${JSON.stringify(w)})`);
    await sleep(100);
  }
}

/** POST /sessions to idle, n times, seconds; with `warm`, each POST only once a warm driver is ready. */
async function sessionStarts(n: number, warm: boolean): Promise<{ samples: number[]; tookWarm: number }> {
  const server = await startServer({ SPARKPORT_SPARK__MASTER: 'local[1]', SPARKPORT_SESSIONS__WARM_DRIVERS: warm ? '1' : '0' });
  try {
    const samples: number[] = [];
    let tookWarm = 0;
    for (let i = 0; i < n; i++) {
      if (warm) await untilWarmReady(server.url);
      const { id, ms } = await idleSession(server.url, { kind: 'pyspark' }, POLL_MS);
      samples.push(ms / 1000);
      // A refill takes seconds, so a pool of one that shows no ready driver now gave its driver away.
      if (warm && (await warmDrivers(server.url)).ready === 0) tookWarm++;
      await call(`${server.url}/sessions/${id}`, 'DELETE');
    }
    return { samples, tookWarm };
  } finally {
    await server.stop();
  }
}

interface KernelTimes { post_s: number[]; ready_s: number[]; execute_s: number[]; rest_state_after_ready: string[] }

/** n python3 kernels started on a private jupyter_server, one after another (bench/jupyter_kernel.py). */
async function jupyterKernels(n: number): Promise<KernelTimes> {
  const py = path.join(ROOT, '.venv-bench', 'bin', 'python');
  if (!existsSync(py)) throw new Error('.venv-bench is missing: run node scripts/setup.mjs --bench (npm run bench does)');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sparkport-bench-jupyter-'));
  const port = await freePort();
  const token = randomBytes(16).toString('hex');
  const url = `http://127.0.0.1:${port}`;
  // Jupyter's and IPython's config, data and runtime files in the temp dir: nobody's profile or
  // startup files in the measurement, and nothing left in ~.
  const env: Record<string, string> = {};
  for (const [k, d] of [['JUPYTER_CONFIG_DIR', 'config'], ['JUPYTER_DATA_DIR', 'data'], ['JUPYTER_RUNTIME_DIR', 'runtime'], ['IPYTHONDIR', 'ipython']] as const) {
    env[k] = path.join(dir, d);
    mkdirSync(env[k]!);
  }
  mkdirSync(path.join(dir, 'root'));
  const logFile = path.join(dir, 'jupyter.log');
  const log = openSync(logFile, 'w');
  const server = spawn(py, ['-m', 'jupyter_server', '--no-browser', `--ServerApp.ip=127.0.0.1`, `--ServerApp.port=${port}`,
    '--ServerApp.port_retries=0', `--IdentityProvider.token=${token}`, `--ServerApp.root_dir=${path.join(dir, 'root')}`,
    '--ServerApp.allow_root=True'], { cwd: dir, env: { ...process.env, ...env }, stdio: ['ignore', log, log] });
  const exited = new Promise((r) => server.once('exit', r));
  try {
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`${url}/api/status`, { headers: { Authorization: `token ${token}` } })).ok) break;
      } catch { /* not yet */ }
      if (server.exitCode !== null || i > 600) throw new Error(`jupyter_server did not start:\n${readFileSync(logFile, 'utf8')}`);
      await sleep(100);
    }
    const child = spawn(py, [path.join(ROOT, 'bench', 'jupyter_kernel.py'), url, token, String(n)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    if (code !== 0) throw new Error(`bench/jupyter_kernel.py exited with ${code}; jupyter_server's log:\n${readFileSync(logFile, 'utf8')}`);
    return JSON.parse(out) as KernelTimes;
  } finally {
    server.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function warmStart(n = 20, nCold = 5): Promise<void> {
  const warm = await sessionStarts(n, true);
  const cold = await sessionStarts(nCold, false);
  const kernels = await jupyterKernels(n);

  const w = stats(warm.samples);
  const c = stats(cold.samples);
  const k = stats(kernels.ready_s);
  const kx = stats(kernels.execute_s);
  const idleAfter = kernels.rest_state_after_ready.filter((s) => s === 'idle').length;
  const row = (what: string, s: ReturnType<typeof stats>) =>
    `${what.padEnd(44)}${String(s.n).padStart(4)}${[s.p50, s.p95, s.max].map((x) => x.toFixed(3).padStart(9)).join('')}\n`;
  process.stdout.write(`\n${'start to ready, seconds'.padEnd(44)}${'n'.padStart(4)}${['p50', 'p95', 'max'].map((h) => h.padStart(9)).join('')}\n`
    + row('Sparkport, warm driver (POST → idle)', w)
    + row('Sparkport, cold (POST → idle)', c)
    + row('Jupyter kernel (POST → kernel_info_reply)', k)
    + row('Jupyter kernel (POST → first 1 + 1 back)', kx)
    + `target (warm): p50 <= 0.5, p95 <= 1; ${warm.tookWarm}/${n} warm sessions took the warm driver\n\n`);

  record('session_start_warm_s', {
    ...w,
    took_warm_driver: `${warm.tookWarm}/${n}`,
    master: 'local[1]',
    poll_ms: POLL_MS,
    cold: c,
    jupyter_kernel: {
      ...k,
      measured: 'POST /api/kernels (python3) to kernel_info_reply over the kernel websocket; jupyter_server + ipykernel (bench/requirements.txt)',
      post_answered: stats(kernels.post_s),
      first_execute: kx,
      rest_state_idle_after: `${idleAfter}/${kernels.rest_state_after_ready.length}`,
    },
    target: 'p50 <= 0.5, p95 <= 1',
  });
}

if (import.meta.url === `file://${process.argv[1]}`) await warmStart(Number(process.argv[2] ?? 20), Number(process.argv[3] ?? 5));
