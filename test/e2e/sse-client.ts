/**
 * SSE for tests: the client library's parser, with the time each event arrived (the live-output
 * tests compare arrival times).
 */
import { makeSettings } from '../../packages/client/src/index.ts';
import { sse } from '../../packages/client/src/sse.ts';

export interface SseEvent { event: string; data: any; at: number }

export async function* readSse(url: string, signal?: AbortSignal): AsyncGenerator<SseEvent> {
  const u = new URL(url);
  for await (const ev of sse(makeSettings(u.origin), u.pathname + u.search, signal)) {
    yield { event: ev.event, data: ev.data, at: performance.now() };
  }
}
