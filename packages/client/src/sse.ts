/**
 * Server-Sent Events as an async iterator over fetch's body stream.
 */
import { NetworkError, SparkportError } from './errors.ts';
import type { ClientSettings } from './http.ts';

export interface SseMessage { event: string; data: unknown }

/**
 * Cuts a stream's text into event blocks at blank lines. Only each new chunk is searched and the
 * block's pieces are joined once at its end: an event of many chunks (a large output) then costs
 * time linear in its size, where re-searching a growing buffer would cost its square.
 */
export class SseBlocks {
  private parts: string[] = [];
  /** The text held so far ends with a newline: a chunk that starts with one ends a block. */
  private endsWithNewline = false;

  push(text: string): string[] {
    const blocks: string[] = [];
    let start = 0;
    if (this.endsWithNewline && text.startsWith('\n')) {
      blocks.push(this.parts.join('').slice(0, -1));
      this.parts = [];
      start = 1;
    }
    let sep: number;
    while ((sep = text.indexOf('\n\n', start)) >= 0) {
      this.parts.push(text.slice(start, sep));
      blocks.push(this.parts.join(''));
      this.parts = [];
      start = sep + 2;
    }
    if (start < text.length) this.parts.push(text.slice(start));
    this.endsWithNewline = this.parts.length > 0 && this.parts.at(-1)!.endsWith('\n');
    return blocks;
  }
}

/** One block's event: its name (`message` when none) and its data lines' JSON, or null when it has no data. */
function eventOf(block: string): SseMessage | null {
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('event:')) event = line.slice(6).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
  }
  return data.length ? { event, data: JSON.parse(data.join('\n')) } : null;
}

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
  const blocks = new SseBlocks();
  // A reader, not `for await` over the body: browsers' streams are not all async-iterable.
  const reader = res.body.getReader();
  try {
    for (;;) {
      const { done, value: chunk } = await reader.read();
      if (done) break;
      for (const block of blocks.push(decoder.decode(chunk, { stream: true }))) {
        const message = eventOf(block);
        if (message) yield message;
      }
    }
  } finally {
    // The caller stopped early (break, abort): let go of the connection.
    reader.cancel().catch(() => undefined);
  }
}
