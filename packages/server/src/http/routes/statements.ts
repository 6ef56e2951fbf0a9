import { Endpoints, FINISHED_STATEMENT_STATES } from '@sparkport/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../../config.ts';
import type { EventBus } from '../../domain/event-bus.ts';
import type { StatementRecord } from '../../domain/records.ts';
import type { SessionManager } from '../../domain/session-manager.ts';
import type { SessionRuntime } from '../../domain/session-runtime.ts';
import type { StatementPage, StatementPageQuery } from '../../domain/statement-pages.ts';
import { noteAudit } from '../audit.ts';
import type { HeldRequests } from '../held-requests.ts';
import { toLivyStatement } from '../livy-view.ts';
import { route } from '../route.ts';

export function statementRoutes(
  app: FastifyInstance, sessions: SessionManager, bus: EventBus, cfg: Config, held: HeldRequests,
  pages: (sessionId: number, q: StatementPageQuery) => StatementPage,
): void {
  const view = (rt: SessionRuntime, s: StatementRecord) => toLivyStatement(s, sessions.progressOf(rt, s));
  /** The session the URL names. Only a request by one who may modify it is its heartbeat: others' polling does not keep it alive. */
  const session = (req: Pick<FastifyRequest, 'mayModify'>, id: string) => {
    const rt = sessions.resolve(id);
    if (req.mayModify(rt.record.owner)) sessions.heartbeat(rt);
    return rt;
  };
  /** `?wait=SECONDS`, capped by the server's limit, in milliseconds; 0 is no wait. */
  const waitMs = (seconds: number | undefined) => Math.round(Math.min(seconds ?? 0, cfg.limits.maxWaitSeconds) * 1000);

  route(app, Endpoints.listStatements, async (req) => {
    const rt = session(req, req.params.id);
    const p = pages(rt.id, req.query);
    return { total_statements: p.total, statements: p.statements.map((s) => view(rt, s)), ...(p.next !== undefined ? { next: p.next } : {}) };
  });

  route(app, Endpoints.createStatement, async (req, reply) => {
    const rt = session(req, req.params.id);
    const wait = waitMs(req.query.wait);
    // The slot first: a request refused for want of one has created nothing.
    const poll = wait > 0 ? held.longPoll(req) : undefined;
    try {
      let s = sessions.submit(rt, req.body.code, req.body.kind);
      reply.status(201).header('Location', `/sessions/${rt.id}/statements/${s.id}`);
      // On record once accepted, before any wait; the code's length, not the code (http/audit.ts).
      noteAudit(req, { statement: s.id, kind: s.kind, codeLength: req.body.code.length });
      reply.auditNow();
      if (poll) s = await poll.until(sessions.waitForStatement(rt, s.id, wait), () => sessions.getStatement(rt, s.id));
      return view(rt, s);
    } finally {
      poll?.release();
    }
  });

  route(app, Endpoints.getStatement, async (req) => {
    const rt = session(req, req.params.id);
    const id = req.params.sid;
    const wait = waitMs(req.query.wait);
    if (wait <= 0) return view(rt, sessions.getStatement(rt, id));
    sessions.getStatement(rt, id); // a 404 before a slot is taken
    const poll = held.longPoll(req);
    try {
      return view(rt, await poll.until(sessions.waitForStatement(rt, id, wait), () => sessions.getStatement(rt, id)));
    } finally {
      poll.release();
    }
  });

  route(app, Endpoints.cancelStatement, async (req) => {
    const rt = session(req, req.params.id);
    await sessions.cancel(rt, req.params.sid);
    return { msg: 'canceled' };
  });

  route(app, Endpoints.statementEvents, async (req, reply) => {
    const rt = session(req, req.params.id);
    const id = req.params.sid;
    const first = sessions.getStatement(rt, id);
    const sse = held.openStream(req, reply, 'statement');
    const finished = () => {
      const s = sessions.getStatement(rt, id);
      sse.send('done', view(rt, s));
      sse.close();
    };
    sse.send('statement', view(rt, first));
    if (FINISHED_STATEMENT_STATES.includes(first.state)) return finished();
    for (const line of sessions.streamedSoFar(rt, id)) sse.send('output', line);
    const off = bus.onStatement(rt.id, id, (ev) => {
      if (ev.event === 'done') finished();
      else sse.send(ev.event, ev.data);
    });
    sse.onClose(off);
  });

  route(app, Endpoints.completeCode, async (req) => {
    const rt = session(req, req.params.id);
    const { code, kind, cursor } = req.body;
    return { candidates: await sessions.complete(rt, code, kind, cursor) };
  });
}
