/**
 * What reaches the audit log, decided from the declarations like access is: one line for every
 * request that creates or changes something (a POST, PUT or DELETE whose endpoint needs the
 * create or modify right), whatever its outcome, and one for every refusal anywhere: 401, 403,
 * and the 404 a user gets for a session or batch they may not even view (http/access.ts), which
 * the line calls `denied`. Reads that merely view are not written: they would drown the actions
 * in polling. A read that hands out a secret is, when its endpoint says so (`audit: true`: the
 * Spark Connect token of GET /sessions/{id}/spark-connect).
 *
 * A line carries who (user, address), what (the endpoint's operationId and the ids it was about,
 * noted by the access check and by the create handlers), when, and the answer. Never a header,
 * a body, a query string or code: those carry credentials and data, and the audit log is read
 * by more people than the store. A statement is identified by session and statement id (its code
 * stays in the store, readable to those with the view right) and sized by its length.
 *
 * The line is written when the answer is sent, so its status is the true outcome, except for a
 * new statement: that one is written as soon as the statement is accepted, before any `?wait`,
 * so code that ran is on record even if the server dies while the client waits. A client that
 * hangs up does not undo what it asked for, but its answer is never sent: then the line is written
 * once the answer is decided and the connection is gone, whichever comes last, with
 * `clientGone: true`. Exactly one line either way.
 */
import type { Endpoint } from '@sparkport/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuditLog, AuditRecord } from '../audit/audit-log.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Ids and sizes this request was about, for its audit line; null until something is noted. */
    auditNote: Record<string, unknown> | null;
    /** Set once its line is written, so no request is written twice. */
    auditWritten: boolean;
    /** Refused, though the answer does not say so (a 404 for what the user may not view). */
    auditDenied: boolean;
  }
  interface FastifyReply {
    /** Writes the request's audit line now, with the status set so far (a new statement, before its wait). */
    auditNow(): void;
  }
}

/** Adds what the request was about to its audit line (e.g. the id of what it created). */
export function noteAudit(req: FastifyRequest, fields: Record<string, unknown>): void {
  req.auditNote = { ...req.auditNote, ...fields };
}

/** Records a refusal whose answer looks like something else, so that the line says `denied`. */
export function markDenied(req: FastifyRequest): void {
  req.auditDenied = true;
}

const isDenied = (req: FastifyRequest, status: number) => req.auditDenied || status === 401 || status === 403;

function isAudited(req: FastifyRequest, ep: Endpoint, status: number): boolean {
  if (isDenied(req, status) || ep.audit) return true;
  return (ep.access === 'create' || ep.access === 'modify') && ep.method !== 'GET';
}

const outcomeOf = (req: FastifyRequest, status: number): AuditRecord['outcome'] =>
  isDenied(req, status) ? 'denied' : status < 400 ? 'ok' : 'failed';

export function installAudit(app: FastifyInstance, audit: AuditLog, log: (msg: string) => void): void {
  const write = (req: FastifyRequest, reply: FastifyReply, clientGone = false) => {
    const ep = req.routeOptions.config.endpoint;
    if (req.auditWritten || !ep || !isAudited(req, ep, reply.statusCode)) return;
    req.auditWritten = true;
    const status = reply.statusCode;
    const rec: AuditRecord = {
      at: new Date(Date.now() - reply.elapsedTime).toISOString(),
      user: req.user,
      address: req.ip,
      action: ep.operationId,
      ...req.auditNote,
      status,
      outcome: outcomeOf(req, status),
      ...(clientGone ? { clientGone: true } : {}),
    };
    try {
      audit.write(rec);
    } catch (e) {
      log(`audit log write failed (${rec.action} by ${String(rec.user)}): ${(e as Error).message}`);
    }
  };

  app.decorateRequest('auditNote', null);
  app.decorateRequest('auditWritten', false);
  app.decorateRequest('auditDenied', false);
  app.decorateReply('auditNow', function auditNow(this: FastifyReply) { write(this.request, this); });
  // The error's code says which refusal or failure it was (FORBIDDEN or FORBIDDEN_PATH, …).
  app.addHook('onSend', async (req, reply, payload) => {
    if (reply.statusCode >= 400 && typeof payload === 'string' && !req.auditWritten) {
      try {
        const code = (JSON.parse(payload) as { code?: unknown }).code;
        if (typeof code === 'string') noteAudit(req, { code });
      } catch {
        // Not a JSON error body: the status alone is recorded.
      }
    }
    // The answer is decided. Its line is normally written once it is sent (onResponse, which comes
    // before the response's 'close'); if the client has hung up, it never will be, and Fastify
    // runs no onResponse: then the line is written when the connection closes, or now if it has.
    if (!req.auditWritten) {
      const gone = () => { if (!reply.raw.writableFinished) write(req, reply, true); };
      if (reply.raw.destroyed) gone();
      else reply.raw.once('close', gone);
    }
    return payload;
  });
  app.addHook('onResponse', async (req, reply) => write(req, reply));
}
