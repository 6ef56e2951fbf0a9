/**
 * Long polls of a list (GET /sessions, GET /batches): each page carries an ETag of its body; a
 * request with `If-None-Match` of the page it has and `?wait=SECONDS` is held until the page
 * differs, or answered 304 when the wait ends first. The web UI's live lists are this, with no
 * stream per list: a watcher costs a long-poll slot (limits.longPolls) only while it waits.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import type { EventBus, ListName } from '../domain/event-bus.ts';
import type { HeldRequests } from './held-requests.ts';

/** Changes come in bursts (a state, then a statement, then the next); one answer for a burst. */
const SETTLE_MS = 50;

const etagOf = (body: unknown) => `"${createHash('sha256').update(JSON.stringify(body)).digest('base64url').slice(0, 22)}"`;

export interface ListWatchDeps { bus: EventBus; held: HeldRequests; maxWaitSeconds: number }

/**
 * The page, or null with the reply set to 304. `page` is computed anew after each change,
 * for this request's user (each sees only what they may view).
 */
export async function watchList<T>(
  d: ListWatchDeps, list: ListName, req: FastifyRequest<{ Querystring: { wait?: number } }>, reply: FastifyReply, page: () => T,
): Promise<T | null> {
  let body = page();
  let etag = etagOf(body);
  const seen = req.headers['if-none-match'];
  const waitMs = Math.round(Math.min(req.query.wait ?? 0, d.maxWaitSeconds) * 1000);
  if (matches(seen, etag) && waitMs > 0) {
    // One slot for the whole wait, however many changes of others' sessions it sees go by.
    const poll = d.held.longPoll(req);
    const stop = new AbortController();
    const end = Date.now() + waitMs;
    try {
      await poll.until((async () => {
        while (matches(seen, etag) && Date.now() < end && !stop.signal.aborted) {
          if (!(await nextChange(d.bus, list, end - Date.now(), req, stop.signal))) break;
          body = page();
          etag = etagOf(body);
        }
      })(), () => stop.abort());
    } finally {
      stop.abort();
      poll.release();
    }
  }
  reply.header('ETag', etag);
  // Not cached by the browser itself: the UI sends If-None-Match on purpose, to wait.
  reply.header('Cache-Control', 'no-cache');
  if (matches(seen, etag)) {
    reply.code(304);
    return null;
  }
  return body;
}

/** If-None-Match as RFC 9110 §13.1.2 reads it: a list, weak comparison (W/ ignored), `*` matching any. */
function matches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((t) => {
    const tag = t.trim().replace(/^W\//, '');
    return tag === '*' || tag === etag;
  });
}

/** true after a change has settled; false when `ms` pass first, the client goes away or `stop` aborts (shutdown). */
function nextChange(bus: EventBus, list: ListName, ms: number, req: FastifyRequest, stop: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (stop.aborted) return resolve(false);
    let settle: NodeJS.Timeout | undefined;
    const done = (v: boolean) => {
      off();
      clearTimeout(timer);
      clearTimeout(settle);
      req.raw.off('close', gone);
      stop.removeEventListener('abort', gone);
      resolve(v);
    };
    const gone = () => done(false);
    stop.addEventListener('abort', gone, { once: true });
    const off = bus.onListChange(list, () => { settle ??= setTimeout(() => done(true), SETTLE_MS); });
    const timer = setTimeout(() => done(false), Math.max(0, ms));
    req.raw.on('close', gone);
  });
}
