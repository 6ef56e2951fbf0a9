import { CreateSessionRequest } from '@sparkport/protocol';
import type { FastifyInstance } from 'fastify';
import type { SessionManager } from '../../domain/session-manager.ts';
import type { EventBus } from '../../domain/event-bus.ts';
import { toLivySession } from '../livy-view.ts';
import { intParam, page } from '../params.ts';
import { openSse } from '../sse.ts';

type IdParams = { id: string };

export function sessionRoutes(app: FastifyInstance, sessions: SessionManager, bus: EventBus): void {
  app.get('/sessions', async (req) => {
    const q = req.query as Record<string, unknown>;
    const from = intParam(q, 'from', 0, { min: 0 });
    const size = intParam(q, 'size', 100, { min: 0 });
    const all = sessions.list();
    return { from, total: all.length, sessions: page(all, from, size).map((rt) => toLivySession(rt.record, rt.log.lines())) };
  });

  app.post('/sessions', {
    schema: { body: CreateSessionRequest },
    // A client may create with no body at all: that is a shared session with defaults.
    preValidation: async (req) => { if (req.body === undefined) req.body = {}; },
  }, async (req, reply) => {
    const rec = sessions.create(req.body as CreateSessionRequest);
    const rt = sessions.resolve(rec.id);
    reply.status(201).header('Location', `/sessions/${rec.id}`);
    return toLivySession(rt.record, rt.log.lines());
  });

  app.get<{ Params: IdParams }>('/sessions/:id', async (req) => {
    const rt = sessions.resolve(req.params.id);
    sessions.heartbeat(rt);
    return toLivySession(rt.record, rt.log.lines());
  });

  app.post<{ Params: IdParams }>('/sessions/:id/connect', async (req) => {
    const rt = sessions.resolve(req.params.id);
    sessions.heartbeat(rt);
    return toLivySession(rt.record, rt.log.lines());
  });

  app.get<{ Params: IdParams }>('/sessions/:id/state', async (req) => {
    const rt = sessions.resolve(req.params.id);
    sessions.heartbeat(rt);
    return { id: rt.id, state: rt.record.state };
  });

  app.get<{ Params: IdParams }>('/sessions/:id/log', async (req) => {
    const rt = sessions.resolve(req.params.id);
    sessions.heartbeat(rt);
    const q = req.query as Record<string, unknown>;
    const lines = rt.log.lines();
    const size = intParam(q, 'size', 100);
    const from = intParam(q, 'from', size < 0 ? 0 : Math.max(0, lines.length - size), { min: 0 });
    return { id: rt.id, from, total: lines.length, log: page(lines, from, size < 0 ? undefined : size) };
  });

  app.delete<{ Params: IdParams }>('/sessions/:id', async (req) => {
    await sessions.delete(req.params.id);
    return { msg: 'deleted' };
  });

  for (const [route, msg] of [['stop', 'stopped'], ['interrupt', 'interrupted']] as const) {
    // Livy's undocumented /stop and /interrupt both stop the whole session; so do we.
    app.post<{ Params: IdParams }>(`/sessions/:id/${route}`, async (req) => {
      const rt = sessions.resolve(req.params.id);
      await sessions.stop(rt, `${msg} by user`);
      return { msg };
    });
  }

  app.get<{ Params: IdParams }>('/sessions/:id/events', async (req, reply) => {
    const rt = sessions.resolve(req.params.id);
    const sse = openSse(req, reply);
    const terminal = () => ['dead', 'killed', 'success'].includes(rt.record.state);
    const off = bus.onSession(rt.id, (ev) => {
      sse.send(ev.event, ev.data);
      if (ev.event === 'session' && terminal()) sse.close();
    });
    sse.onClose(off);
    const r = rt.record;
    sse.send('session', { id: r.id, state: r.state, reason: r.stateReason, at: r.stateChangedAt });
    if (terminal()) sse.close();
  });
}
