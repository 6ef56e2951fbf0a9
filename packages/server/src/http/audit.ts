/**
 * What reaches the audit log, decided from the declarations like access is: one line for every
 * request that creates or changes something (a POST, PUT or DELETE whose endpoint needs the
 * create or modify right), whatever its outcome, and one for every refusal (401, 403) anywhere.
 * Reads that merely view are not written: they would drown the actions in polling.
 *
 * A line carries who (user, address), what (the endpoint's operationId and the ids it was about,
 * noted by the access check and by the create handlers), when, and the answer. Never a header,
 * a body, a query string or code: those carry credentials and data, and the audit log is read
 * by more people than the store. A statement is identified by session and statement id (its code
 * stays in the store, readable to those with the view right) and sized by its length.
 *
 * The line is written when the answer is sent, so its status is the true outcome, except for a
 * new statement: that one is written as soon as the statement is accepted, before any `?wait`,
 * so code that ran is on record even if the server dies while the client waits.
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

function isAudited(ep: Endpoint, status: number): boolean {
  if (status === 401 || status === 403) return true;
  return (ep.access === 'create' || ep.access === 'modify') && ep.method !== 'GET';
}

const outcomeOf = (status: number): AuditRecord['outcome'] =>
  status < 400 ? 'ok' : status === 401 || status === 403 ? 'denied' : 'failed';

export function installAudit(app: FastifyInstance, audit: AuditLog, log: (msg: string) => void): void {
  const write = (req: FastifyRequest, reply: FastifyReply) => {
    const ep = req.routeOptions.config.endpoint;
    if (req.auditWritten || !ep || !isAudited(ep, reply.statusCode)) return;
    req.auditWritten = true;
    const status = reply.statusCode;
    const rec: AuditRecord = {
      at: new Date(Date.now() - reply.elapsedTime).toISOString(),
      user: req.user,
      address: req.ip,
      action: ep.operationId,
      ...req.auditNote,
      status,
      outcome: outcomeOf(status),
    };
    try {
      audit.write(rec);
    } catch (e) {
      log(`audit log write failed (${rec.action} by ${String(rec.user)}): ${(e as Error).message}`);
    }
  };

  app.decorateRequest('auditNote', null);
  app.decorateRequest('auditWritten', false);
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
    return payload;
  });
  app.addHook('onResponse', async (req, reply) => write(req, reply));
}
