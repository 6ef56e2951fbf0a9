/**
 * Closing the HTTP side without cutting anyone off mid-answer: from the moment shutdown starts,
 * new requests (on connections already open; the port itself stops listening) are answered 503
 * SHUTTING_DOWN with `Connection: close`, long polls and event streams end (held-requests.ts),
 * and the requests in flight get up to shutdown.drainMs to finish. Whatever is still open then
 * is closed. /health still answers: the process is up until it exits.
 */
import type { FastifyInstance } from 'fastify';
import { DomainError } from '../domain/errors.ts';
import { destroyAllConnections } from './connection-limit.ts';
import type { HeldRequests } from './held-requests.ts';

export function installShutdownRefusal(app: FastifyInstance, held: HeldRequests): void {
  app.addHook('onRequest', async (req, reply) => {
    if (!held.draining || req.routeOptions.config?.endpoint?.operationId === 'getHealth') return;
    reply.header('Connection', 'close');
    throw new DomainError('SHUTTING_DOWN', 'The server is shutting down; send this request again in a moment', 5);
  });
  // An answer finished during the drain closes its connection: kept alive, it would hold the close until drainMs.
  app.addHook('onSend', async (_req, reply, payload) => {
    if (held.draining) reply.header('Connection', 'close');
    return payload;
  });
}

/** Stops listening, lets the requests in flight end within `drainMs`, then closes every connection left. */
export async function closeHttp(app: FastifyInstance, held: HeldRequests, drainMs: number): Promise<void> {
  held.drain();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      app.server.closeAllConnections?.();
      destroyAllConnections(app.server);
      resolve();
    }, drainMs);
  });
  const closing = app.close();
  try {
    await Promise.race([closing, late]);
    // Fastify's close waits for the server to have no connections: after the cut it has none.
    await closing;
  } finally {
    clearTimeout(timer);
  }
}
