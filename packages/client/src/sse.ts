/**
 * Server-Sent Events as an async iterator over fetch's body stream.
 */
import { NetworkError, SparkportError } from './errors.ts';
import type { ClientSettings } from './http.ts';

export interface SseMessage { event: string; data: unknown }

export async function* sse(s: Required<ClientSettings>, path: string, signal?: AbortSignal): AsyncGenerator<SseMessage> {
  let res: Response;
  try {
    res = await s.fetch(s.baseUrl + path, { headers: { Accept: 'text/event-stream', ...s.headers }, signal });
  } catch (e) {
    throw new NetworkError(`cannot reach ${s.baseUrl}: ${(e as Error).message}`, e);
  }
  if (!res.ok || !res.body) {
    const b = (await res.json().catch(() => ({}))) as { msg?: string; code?: string };
    throw new SparkportError(res.status, b.code ?? `HTTP_${res.status}`, b.msg ?? res.statusText, res.headers.get('WWW-Authenticate'));
  }
  const decoder = new TextDecoder();
  let buf = '';
  // A reader, not `for await` over the body: browsers' streams are not all async-iterable.
  const reader = res.body.getReader();
  try {
    for (;;) {
      const { done, value: chunk } = await reader.read();
      if (done) break;
      buf += decoder.decode(chunk, { stream: true });
      let sep: number;
      while ((sep = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, sep);
        buf = buf.slice(sep + 2);
        let event = 'message';
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith('event:')) event = line.slice(6).trim();
          else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
        }
        if (data.length) yield { event, data: JSON.parse(data.join('\n')) };
      }
    }
  } finally {
    // The caller stopped early (break, abort): let go of the connection.
    reader.cancel().catch(() => undefined);
  }
}
