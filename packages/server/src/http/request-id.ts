/**
 * Every request has an id: the caller's `x-request-id` when it is short and plain (so a proxy's
 * or client's id follows the request through our log), a fresh UUID otherwise (so a header
 * cannot put line breaks, control characters or a megabyte into the log). It is sent back in
 * `x-request-id`, and every log line written while the request is handled carries it: Fastify's
 * own lines through the request's child logger, the app's `log(msg)` lines through `requestLogger`.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';

const SAFE_ID = /^[A-Za-z0-9._:-]{1,64}$/;

export function requestIdOf(raw: IncomingMessage): string {
  const given = raw.headers['x-request-id'];
  return typeof given === 'string' && SAFE_ID.test(given) ? given : randomUUID();
}

const current = new AsyncLocalStorage<FastifyBaseLogger>();

/** The logger of the request being handled, if any: the app's log lines go through it to carry its id. */
export function requestLogger(): FastifyBaseLogger | undefined {
  return current.getStore();
}

export function installRequestId(app: FastifyInstance): void {
  // Callback hooks, so that everything after them (the other hooks, the body parser, the handler)
  // runs inside the request's context; set again before the handler, which body parsing may lose.
  app.addHook('onRequest', (req, reply, done) => {
    reply.header('x-request-id', req.id);
    current.run(req.log, done);
  });
  app.addHook('preHandler', (req, _reply, done) => current.run(req.log, done));
}
