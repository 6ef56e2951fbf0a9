/**
 * POST /sessions until the session is idle, cold (a new Spark driver each time), one after
 * another on an otherwise idle server. Target here: p50 ≤ 8 s.
 */
import { call, idleSession, record, startServer, summarise } from './lib.ts';

export async function sessionStart(n = 5): Promise<void> {
  const server = await startServer();
  try {
    const samples: number[] = [];
    for (let i = 0; i < n; i++) {
      const { id, ms } = await idleSession(server.url);
      samples.push(ms / 1000);
      await call(`${server.url}/sessions/${id}`, 'DELETE');
    }
    record('session_start_cold_s', { ...summarise(samples), target: 'p50 <= 8' });
  } finally {
    await server.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await sessionStart(Number(process.argv[2] ?? 5));
