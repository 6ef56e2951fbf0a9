import { Endpoints } from '@sparkport/protocol';
import type { FastifyInstance } from 'fastify';
import { DomainError } from '../../domain/errors.ts';
import type { ServerMetrics } from '../../metrics/server-metrics.ts';
import { route } from '../route.ts';

/** What stands in the way of serving, in words, or null when nothing does. */
export type ReadinessCheck = () => string | null;

export function operationsRoutes(app: FastifyInstance, metrics: ServerMetrics, notReadyBecause: ReadinessCheck): void {
  route(app, Endpoints.getMetrics, async (_req, reply) => {
    const text = await metrics.text();
    // Returned, not sent: an async handler that sends and returns nothing races Fastify's own send.
    reply.type(metrics.contentType);
    return text;
  });

  route(app, Endpoints.getHealth, async () => ({ status: 'ok' as const }));

  route(app, Endpoints.getReady, async () => {
    const problem = notReadyBecause();
    if (problem) throw new DomainError('NOT_READY', `Not ready: ${problem}`, 5);
    return { status: 'ready' as const, checks: { store: 'ok' as const, driverListener: 'ok' as const } };
  });
}
