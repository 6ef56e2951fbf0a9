/**
 * Security headers on every response (Livy 0.9's defaults) and, when switched on, Livy's CSRF
 * rule: a mutating request must carry X-Requested-By. Two hooks, because the headers must be on
 * every answer, the browser guards' refusals included, while the CSRF refusal comes after the
 * guards, so that a page of an allowed origin gets it with CORS headers and can read it.
 */
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.ts';
import { DomainError } from '../domain/errors.ts';

export function installSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onRequest', async (_req, reply) => {
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('X-Frame-Options', 'SAMEORIGIN');
  });
}

/** Off by default: sparkmagic, pylivy and Airflow's Livy hook do not send X-Requested-By. */
export function installCsrf(app: FastifyInstance, cfg: Config): void {
  if (!cfg.csrfProtection) return;
  app.addHook('onRequest', async (req) => {
    if (!['GET', 'HEAD', 'OPTIONS'].includes(req.method) && !req.headers['x-requested-by']) {
      throw new DomainError('CSRF', 'Missing required header X-Requested-By (CSRF protection is on)');
    }
  });
}
