/**
 * `1 + 1` on an idle session through the whole stack (HTTP → server → driver → Python → back),
 * one request each thanks to ?wait. Target on the 2-core machine: p50 ≤ 5 ms, p99 ≤ 20 ms.
 */
import { call, idleSession, record, startServer, summarise } from './lib.ts';

export async function roundtrip(n = 1000): Promise<void> {
  const server = await startServer();
  try {
    const { id } = await idleSession(server.url);
    const post = () => call(`${server.url}/sessions/${id}/statements?wait=30`, 'POST', { code: '1 + 1' });
    for (let i = 0; i < 50; i++) await post();
    const samples: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      const st = await post();
      samples.push(performance.now() - t0);
      if (st.output?.data?.['text/plain'] !== '2') throw new Error(`unexpected result ${JSON.stringify(st)}`);
    }
    record('roundtrip_1plus1_ms', { ...summarise(samples), target: 'p50 <= 5, p99 <= 20' });
  } finally {
    await server.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await roundtrip(Number(process.argv[2] ?? 1000));
