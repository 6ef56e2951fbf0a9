/**
 * Recovery after a crash: a server with 3 live sessions is SIGKILLed and started again on the
 * same data directory, 10 times; each time, how long from the new process's spawn until every
 * session is `idle` again (its driver called back) and until a `1 + 1` has run on each.
 * Target: p50 ≤ 2 s to idle.
 */
import { call, idleSession, record, startServer, summarise, type BenchServer } from './lib.ts';

const ENV = { SPARKPORT_SPARK__MASTER: 'local[1]', SPARKPORT_SPARK__DEFAULT_DRIVER_MEMORY: '640m', SPARKPORT_SHUTDOWN__STOP_DRIVERS: 'true' };

async function allIdle(url: string, ids: number[]): Promise<void> {
  for (;;) {
    const states = await Promise.all(ids.map((id) => call(`${url}/sessions/${id}/state`, 'GET').then((s) => s.state as string)));
    if (states.every((s) => s === 'idle')) return;
    if (states.some((s) => ['dead', 'killed', 'error'].includes(s))) throw new Error(`a session did not come back: ${states.join(', ')}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export async function recovery(restarts = 10, sessions = 3): Promise<void> {
  let server: BenchServer = await startServer(ENV);
  const { dataDir, port } = server;
  const toIdle: number[] = [];
  const toResult: number[] = [];
  try {
    const ids: number[] = [];
    for (let i = 0; i < sessions; i++) ids.push((await idleSession(server.url)).id);
    for (let i = 0; i < restarts; i++) {
      server.child.kill('SIGKILL');
      await new Promise((r) => server.child.once('exit', r));
      const t0 = performance.now();
      // Measured from the spawn: node's start, the store, the listener, the drivers' callbacks.
      server = await startServer(ENV, { dataDir, port });
      await allIdle(server.url, ids);
      toIdle.push((performance.now() - t0) / 1000);
      await Promise.all(ids.map((id) => call(`${server.url}/sessions/${id}/statements?wait=30`, 'POST', { code: '1 + 1' })));
      toResult.push((performance.now() - t0) / 1000);
    }
    record('recovery_after_sigkill_s', {
      sessions, restarts, to_idle: summarise(toIdle), to_first_result: summarise(toResult), target: 'to_idle p50 <= 2',
    });
  } finally {
    await server.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await recovery(Number(process.argv[2] ?? 10), Number(process.argv[3] ?? 3));
