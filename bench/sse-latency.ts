/**
 * How long a printed line takes to reach an SSE client: the statement prints the wall-clock
 * time at which it prints; the client subtracts it from the time it receives the event.
 * Target: the first printed line arrives ≤ 10 ms after it is printed.
 */
import { call, idleSession, record, startServer, summarise } from './lib.ts';

const CODE = `import time
for i in range(10):
    print(time.time_ns(), flush=True)
    time.sleep(0.05)`;

async function oneStatement(url: string, session: number): Promise<number[]> {
  const st = await call(`${url}/sessions/${session}/statements`, 'POST', { code: CODE });
  const res = await fetch(`${url}/sessions/${session}/statements/${st.id}/events`);
  const decoder = new TextDecoder();
  const lat: number[] = [];
  let buf = '';
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    const now = (performance.timeOrigin + performance.now()) * 1e6;
    buf += decoder.decode(chunk, { stream: true });
    let sep;
    while ((sep = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, sep);
      buf = buf.slice(sep + 2);
      if (!block.startsWith('event: output')) continue;
      const data = JSON.parse(block.split('\n').find((l) => l.startsWith('data: '))!.slice(6));
      lat.push((now - Number(data.text.trim())) / 1e6);
    }
  }
  return lat;
}

export async function sseLatency(statements = 30): Promise<void> {
  const server = await startServer();
  try {
    const { id } = await idleSession(server.url);
    await oneStatement(server.url, id);
    const first: number[] = [];
    const all: number[] = [];
    for (let i = 0; i < statements; i++) {
      const lat = await oneStatement(server.url, id);
      first.push(lat[0]!);
      all.push(...lat);
    }
    record('sse_first_line_ms', { ...summarise(first), target: '<= 10' });
    record('sse_every_line_ms', summarise(all));
  } finally {
    await server.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await sseLatency(Number(process.argv[2] ?? 30));
