/**
 * Server-Sent Events on a raw response: headers once, one `event:`/`data:` block per event,
 * a comment line every 15 s so proxies keep the connection open.
 *
 * A client that does not read must not make the server hold what it does not read: five such
 * clients of a statement printing 50 MB once took the server from 110 MB to 1.8 GB. So a stream
 * whose unread bytes (those Node holds for its socket, past what the kernel took) are over
 * `bufferBytes` drops its droppable events (output, progress, a session's statement changes)
 * instead of queueing them, and once the client has caught up it is told how many it missed in
 * one `dropped` event. The events that say where things stand (`statement`, `state`, `done`,
 * `session`) are never dropped: there are few of them per stream. The final `done` carries the
 * whole output, so a client that missed lines still gets the result.
 */
import type { SESSION_EVENTS, STATEMENT_EVENTS } from '@sparkport/protocol';
import type { FastifyReply, FastifyRequest } from 'fastify';

export type SseEventName = (typeof STATEMENT_EVENTS)[number] | (typeof SESSION_EVENTS)[number];

export interface SseStream {
  /** Event names come from the protocol's lists (message-types.ts), which the clients read too. */
  send(event: SseEventName, data: unknown): void;
  close(): void;
  /** Runs when the stream ends, either side ending it; at once if it has. */
  onClose(cb: () => void): void;
}

export interface SseOptions {
  /** Events that may be left out for a slow reader. */
  droppable: readonly SseEventName[];
  /** Unread bytes past which droppable events are dropped (limits.eventStreamBufferBytes). */
  bufferBytes: number;
  /** Told how many events were dropped, as they are (for the metrics). */
  onDrop?: (events: number) => void;
}

const KEEP_ALIVE_MS = 15_000;

export function openSse(req: FastifyRequest, reply: FastifyReply, opts: SseOptions): SseStream {
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
    'X-Request-Id': req.id,
  });
  res.flushHeaders();
  req.raw.socket.setNoDelay(true);
  const droppable = new Set(opts.droppable);
  let closed = false;
  let missed = { events: 0, bytes: 0 };
  const closeCbs: (() => void)[] = [];
  const unread = () => res.writableLength;
  const write = (event: SseEventName, json: string) => res.write(`event: ${event}\ndata: ${json}\n\n`);
  /** The count of what was dropped goes out before anything else is written after it. */
  const tellMissed = () => {
    if (!missed.events) return;
    write('dropped', JSON.stringify(missed));
    missed = { events: 0, bytes: 0 };
  };
  const keepAlive = setInterval(() => {
    // A stream with bytes still unread is not idle, and one more line would only add to them.
    if (closed || unread() > 0) return;
    tellMissed();
    res.write(': keep-alive\n\n');
  }, KEEP_ALIVE_MS);
  keepAlive.unref();
  res.on('drain', () => { if (!closed) tellMissed(); });
  const finish = () => {
    if (closed) return;
    closed = true;
    clearInterval(keepAlive);
    for (const cb of closeCbs) cb();
  };
  req.raw.on('close', finish);
  return {
    send(event, data) {
      if (closed) return;
      const json = JSON.stringify(data);
      // Once dropping, keep dropping until the client has caught up, so it never sees a gap without being told.
      if (droppable.has(event) && (missed.events > 0 || unread() > opts.bufferBytes)) {
        if (missed.events > 0 && unread() === 0) tellMissed();
        else {
          missed.events++;
          missed.bytes += Buffer.byteLength(json);
          opts.onDrop?.(1);
          return;
        }
      }
      tellMissed();
      write(event, json);
    },
    close() {
      if (closed) return;
      tellMissed();
      finish();
      res.end();
    },
    onClose(cb) {
      if (closed) cb();
      else closeCbs.push(cb);
    },
  };
}
