import { Endpoints } from '@sparkport/protocol';
import type { FastifyInstance } from 'fastify';
import type { BatchManager } from '../../domain/batch-manager.ts';
import { noteAudit } from '../audit.ts';
import { watchList, type ListWatchDeps } from '../list-watch.ts';
import { toLivyBatch } from '../livy-view.ts';
import { logWindow, page } from '../paging.ts';
import { route } from '../route.ts';

export function batchRoutes(app: FastifyInstance, batches: BatchManager, watch: ListWatchDeps): void {
  route(app, Endpoints.listBatches, async (req, reply) => watchList(watch, 'batches', req, reply, () => {
    const { from, size } = req.query;
    const all = batches.list().filter((rt) => req.mayView(rt.record.owner));
    return { from, total: all.length, sessions: page(all, from, size).map((rt) => toLivyBatch(rt.record, rt.log.lines())) };
  }));

  route(app, Endpoints.createBatch, async (req, reply) => {
    // The user is the owner (null with authentication off); its proxyUser was checked by http/access.ts.
    const rec = batches.create(req.body, req.user);
    // Who its driver runs as, access.runAsOwner's choice included.
    noteAudit(req, { batch: rec.id, ...(rec.proxyUser ? { proxyUser: rec.proxyUser } : {}) });
    const rt = batches.resolve(rec.id);
    reply.status(201).header('Location', `/batches/${rec.id}`);
    return toLivyBatch(rt.record, rt.log.lines());
  });

  route(app, Endpoints.getBatch, async (req) => {
    const rt = batches.resolve(req.params.id);
    return toLivyBatch(rt.record, rt.log.lines());
  });

  route(app, Endpoints.getBatchState, async (req) => {
    const rt = batches.resolve(req.params.id);
    return { id: rt.id, state: rt.record.state };
  });

  route(app, Endpoints.getBatchLog, async (req) => {
    const rt = batches.resolve(req.params.id);
    return { id: rt.id, ...logWindow(rt.log.lines(), req.query) };
  });

  // Sparkport's addition, as for sessions: kill it but keep it listed, so its end stays readable.
  route(app, Endpoints.stopBatch, async (req) => {
    const rt = batches.resolve(req.params.id);
    await batches.stop(rt, 'stopped by user');
    return { msg: 'stopped' };
  });

  route(app, Endpoints.deleteBatch, async (req) => {
    await batches.delete(req.params.id);
    return { msg: 'deleted' };
  });
}
