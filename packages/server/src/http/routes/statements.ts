import { CompletionRequest, CreateStatementRequest, FINISHED_STATEMENT_STATES } from '@sparkport/protocol';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config.ts';
import { invalid } from '../../domain/errors.ts';
import type { StatementRecord } from '../../domain/records.ts';
import type { SessionRuntime } from '../../domain/session-runtime.ts';
import type { SessionManager } from '../../domain/session-manager.ts';
import type { EventBus } from '../../domain/event-bus.ts';
import { toLivyStatement } from '../livy-view.ts';
import { intParam, page, waitParam } from '../params.ts';
import { openSse } from '../sse.ts';

type IdParams = { id: string };
type StmtParams = { id: string; sid: string };

function stmtId(raw: string): number {
  if (!/^\d+$/.test(raw)) throw invalid(`Statement id must be a non-negative integer, got '${raw}'`);
  return Number(raw);
}

export function statementRoutes(app: FastifyInstance, sessions: SessionManager, bus: EventBus, cfg: Config): void {
  const view = (rt: SessionRuntime, s: StatementRecord) => toLivyStatement(s, sessions.progressOf(rt, s));
  const session = (id: string) => {
    const rt = sessions.resolve(id);
    sessions.heartbeat(rt);
    return rt;
  };

  app.get<{ Params: IdParams }>('/sessions/:id/statements', async (req) => {
    const rt = session(req.params.id);
    const q = req.query as Record<string, unknown>;
    const from = intParam(q, 'from', 0, { min: 0 });
    const size = q.size === undefined ? undefined : intParam(q, 'size', 0, { min: 0 });
    const order = q.order === undefined ? 'asc' : String(q.order).toLowerCase();
    if (order !== 'asc' && order !== 'desc') throw invalid(`Query parameter 'order' must be asc or desc, got '${String(q.order)}'`);
    let all = sessions.listStatements(rt);
    if (order === 'desc') all = all.reverse();
    return { total_statements: all.length, statements: page(all, from, size).map((s) => view(rt, s)) };
  });

  app.post<{ Params: IdParams }>('/sessions/:id/statements', { schema: { body: CreateStatementRequest } }, async (req, reply) => {
    const rt = session(req.params.id);
    const wait = waitParam(req.query as Record<string, unknown>, cfg.limits.maxWaitSeconds);
    const body = req.body as CreateStatementRequest;
    let s = sessions.submit(rt, body.code, body.kind);
    if (wait > 0) s = await sessions.waitForStatement(rt, s.id, wait);
    reply.status(201).header('Location', `/sessions/${rt.id}/statements/${s.id}`);
    return view(rt, s);
  });

  app.get<{ Params: StmtParams }>('/sessions/:id/statements/:sid', async (req) => {
    const rt = session(req.params.id);
    const id = stmtId(req.params.sid);
    const wait = waitParam(req.query as Record<string, unknown>, cfg.limits.maxWaitSeconds);
    const s = wait > 0 ? await sessions.waitForStatement(rt, id, wait) : sessions.getStatement(rt, id);
    return view(rt, s);
  });

  app.post<{ Params: StmtParams }>('/sessions/:id/statements/:sid/cancel', async (req) => {
    const rt = session(req.params.id);
    await sessions.cancel(rt, stmtId(req.params.sid));
    return { msg: 'canceled' };
  });

  app.get<{ Params: StmtParams }>('/sessions/:id/statements/:sid/events', async (req, reply) => {
    const rt = session(req.params.id);
    const id = stmtId(req.params.sid);
    const first = sessions.getStatement(rt, id);
    const sse = openSse(req, reply);
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

  app.post<{ Params: IdParams }>('/sessions/:id/completion', { schema: { body: CompletionRequest } }, async (req) => {
    const rt = session(req.params.id);
    const body = req.body as CompletionRequest;
    return { candidates: await sessions.complete(rt, body.code, body.kind, body.cursor) };
  });
}
