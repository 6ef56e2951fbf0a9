/** Counts every answer by its route's declared pattern (not the URL, whose ids would make a series per session), method and status. */
import type { FastifyInstance } from 'fastify';
import type { ServerMetrics } from '../metrics/server-metrics.ts';

export function installRequestMetrics(app: FastifyInstance, metrics: ServerMetrics): void {
  app.addHook('onResponse', async (req, reply) => {
    metrics.httpRequest(req.routeOptions.config?.endpoint?.url ?? 'none', req.method, reply.statusCode);
  });
}
