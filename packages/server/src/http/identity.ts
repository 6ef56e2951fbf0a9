/**
 * Who is asking: every request carries `req.user`, the authenticated user name, or null when
 * authentication is off (loopback only). The auth hook sets it; routes and the access policy
 * read it; nothing else does.
 */
import type { FastifyInstance } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    user: string | null;
  }
}

export function installIdentity(app: FastifyInstance): void {
  app.decorateRequest('user', null);
}
