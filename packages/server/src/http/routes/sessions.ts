import { Endpoints, sessionMachine } from '@sparkport/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../../config.ts';
import type { EventBus } from '../../domain/event-bus.ts';
import type { SessionManager } from '../../domain/session-manager.ts';
import type { SessionRuntime } from '../../domain/session-runtime.ts';
import { connectCredentials, publicConnectUrl } from '../../domain/spark-connect.ts';
import { noteAudit } from '../audit.ts';
import type { HeldRequests } from '../held-requests.ts';
import { watchList } from '../list-watch.ts';
import { toLivySession } from '../livy-view.ts';
import { logWindow, page } from '../paging.ts';
import { route } from '../route.ts';

export function sessionRoutes(app: FastifyInstance, sessions: SessionManager, bus: EventBus, held: HeldRequests, config: Config): void {
  const view = (rt: SessionRuntime) => toLivySession(rt.record, rt.log.lines(), publicConnectUrl(rt, config), rt.statements.count);
  const watch = { bus, held, maxWaitSeconds: config.limits.maxWaitSeconds };

  /** The session the URL names. Only a request by one who may modify it is its heartbeat: others' polling does not keep it alive. */
  const session = (req: Pick<FastifyRequest, 'mayModify'>, id: string) => {
    const rt = sessions.resolve(id);
    if (req.mayModify(rt.record.owner)) sessions.heartbeat(rt);
    return rt;
  };

  route(app, Endpoints.listSessions, async (req, reply) => watchList(watch, 'sessions', req, reply, () => {
    const { from, size } = req.query;
    const all = sessions.list().filter((rt) => req.mayView(rt.record.owner));
    return { from, total: all.length, sessions: page(all, from, size).map(view) };
  }));

  route(app, Endpoints.createSession, async (req, reply) => {
    // The user is the owner (null with authentication off); its proxyUser was checked by http/access.ts.
    const rec = sessions.create(req.body, req.user);
    // Who its driver runs as, access.runAsOwner's choice included.
    noteAudit(req, { session: rec.id, ...(rec.proxyUser ? { proxyUser: rec.proxyUser } : {}) });
    const rt = sessions.resolve(rec.id);
    reply.status(201).header('Location', `/sessions/${rec.id}`);
    return view(rt);
  });

  route(app, Endpoints.getSession, async (req) => view(session(req, req.params.id)));

  route(app, Endpoints.connectSession, async (req) => view(session(req, req.params.id)));

  route(app, Endpoints.getSparkConnect, async (req, reply) => {
    const body = connectCredentials(session(req, req.params.id), config);
    // A credential: no cache between here and the client may keep a copy.
    reply.header('Cache-Control', 'no-store');
    return body;
  });

  route(app, Endpoints.getSessionState, async (req) => {
    const rt = session(req, req.params.id);
    return { id: rt.id, state: rt.record.state };
  });

  route(app, Endpoints.getSessionLog, async (req) => {
    const rt = session(req, req.params.id);
    return { id: rt.id, ...logWindow(rt.log.lines(), req.query) };
  });

  route(app, Endpoints.deleteSession, async (req) => {
    await sessions.delete(req.params.id);
    return { msg: 'deleted' };
  });

  // Livy's undocumented /stop and /interrupt both stop the whole session; so do we.
  for (const [ep, msg] of [[Endpoints.stopSession, 'stopped'], [Endpoints.interruptSession, 'interrupted']] as const) {
    route(app, ep, async (req) => {
      const rt = sessions.resolve(req.params.id);
      await sessions.stop(rt, `${msg} by user`);
      return { msg };
    });
  }

  route(app, Endpoints.sessionEvents, async (req, reply) => {
    const rt = sessions.resolve(req.params.id);
    const sse = held.openStream(req, reply, 'session');
    const terminal = () => sessionMachine.is(rt.record.state, 'finished');
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
