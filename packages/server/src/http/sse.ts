/**
 * Server-Sent Events on a raw response: headers once, one `event:`/`data:` block per event,
 * a comment line every 15 s so proxies keep the connection open.
 */
import type { SESSION_EVENTS, STATEMENT_EVENTS } from '@sparkport/protocol';
import type { FastifyReply, FastifyRequest } from 'fastify';

export type SseEventName = (typeof STATEMENT_EVENTS)[number] | (typeof SESSION_EVENTS)[number];

export interface SseStream {
  /** Event names come from the protocol's lists (message-types.ts), which the clients read too. */
  send(event: SseEventName, data: unknown): void;
  close(): void;
  onClose(cb: () => void): void;
}

export function openSse(req: FastifyRequest, reply: FastifyReply): SseStream {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache, no-transform',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
    // hijack() skips the hooks that set these on every other response.
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'SAMEORIGIN',
  });
  res.flushHeaders();
  req.raw.socket.setNoDelay(true);
  let closed = false;
  const closeCbs: (() => void)[] = [];
  const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
  keepAlive.unref();
  const finish = () => {
    if (closed) return;
    closed = true;
    clearInterval(keepAlive);
    for (const cb of closeCbs) cb();
  };
  req.raw.on('close', finish);
  return {
    send(event, data) {
      if (!closed) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    close() {
      if (closed) return;
      finish();
      res.end();
    },
    onClose(cb) { closeCbs.push(cb); },
  };
}
