import { CreateBatchRequest } from '@sparkport/protocol';
import type { FastifyInstance } from 'fastify';
import type { BatchManager } from '../../domain/batch-manager.ts';
import { toLivyBatch } from '../livy-view.ts';
import { intParam, page } from '../params.ts';

type IdParams = { id: string };

export function batchRoutes(app: FastifyInstance, batches: BatchManager): void {
  app.get('/batches', async (req) => {
    const q = req.query as Record<string, unknown>;
    const from = intParam(q, 'from', 0, { min: 0 });
    const size = intParam(q, 'size', 100, { min: 0 });
    const all = batches.list();
    return { from, total: all.length, sessions: page(all, from, size).map((rt) => toLivyBatch(rt.record, rt.log.lines())) };
  });

  app.post('/batches', { schema: { body: CreateBatchRequest } }, async (req, reply) => {
    const rec = batches.create(req.body as CreateBatchRequest);
    const rt = batches.resolve(rec.id);
    reply.status(201).header('Location', `/batches/${rec.id}`);
    return toLivyBatch(rt.record, rt.log.lines());
  });

  app.get<{ Params: IdParams }>('/batches/:id', async (req) => {
    const rt = batches.resolve(req.params.id);
    return toLivyBatch(rt.record, rt.log.lines());
  });

  app.get<{ Params: IdParams }>('/batches/:id/state', async (req) => {
    const rt = batches.resolve(req.params.id);
    return { id: rt.id, state: rt.record.state };
  });

  app.get<{ Params: IdParams }>('/batches/:id/log', async (req) => {
    const rt = batches.resolve(req.params.id);
    const q = req.query as Record<string, unknown>;
    const lines = rt.log.lines();
    const size = intParam(q, 'size', 100);
    const from = intParam(q, 'from', size < 0 ? 0 : Math.max(0, lines.length - size), { min: 0 });
    return { id: rt.id, from, total: lines.length, log: page(lines, from, size < 0 ? undefined : size) };
  });

  // Sparkport's addition, as for sessions: kill it but keep it listed, so its end stays readable.
  app.post<{ Params: IdParams }>('/batches/:id/stop', async (req) => {
    const rt = batches.resolve(req.params.id);
    await batches.stop(rt, 'stopped by user');
    return { msg: 'stopped' };
  });

  app.delete<{ Params: IdParams }>('/batches/:id', async (req) => {
    await batches.delete(req.params.id);
    return { msg: 'deleted' };
  });
}
