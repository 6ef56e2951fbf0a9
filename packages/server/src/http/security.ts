/**
 * Security headers on every response (Livy 0.9's defaults) and, when switched on, Livy's CSRF
 * rule: a mutating request must carry X-Requested-By.
 */
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.ts';
import { DomainError } from '../domain/errors.ts';

export function installSecurityHeaders(app: FastifyInstance, cfg: Config): void {
  app.addHook('onRequest', async (req, reply) => {
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('X-Frame-Options', 'SAMEORIGIN');
    if (cfg.csrfProtection && !['GET', 'HEAD', 'OPTIONS'].includes(req.method) && !req.headers['x-requested-by']) {
      throw new DomainError('CSRF', 'Missing required header X-Requested-By (CSRF protection is on)');
    }
  });
}
