/**
 * The access hook on its own (http/access.ts), on a bare Fastify app: declarations it cannot
 * enforce stop the app at start, and with authentication on, a request that reaches it without
 * a user is refused instead of being taken for "authentication off".
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Endpoints, endpoint, MsgBody, SessionParams } from '@sparkport/protocol';
import Fastify from 'fastify';
import type { AuditRecord } from '../../src/audit/audit-log.ts';
import { installAccess } from '../../src/http/access.ts';
import { installAudit } from '../../src/http/audit.ts';
import { installErrorHandler } from '../../src/http/errors.ts';
import { installIdentity } from '../../src/http/identity.ts';
import { route } from '../../src/http/route.ts';

const policy = { superusers: [], viewUsers: [], modifyUsers: [], impersonation: {}, runAsOwner: false };
const finders = {
  sessions: (id: string) => ({ id: Number(id), record: { owner: 'alice' } }),
  batches: (id: string) => ({ id: Number(id), record: { owner: 'alice' } }),
};

function app(authOn: boolean, user: string | null) {
  const a = Fastify();
  const audit: AuditRecord[] = [];
  installIdentity(a);
  installErrorHandler(a, () => undefined);
  installAudit(a, { write: (r) => audit.push(r), close: () => undefined }, () => undefined);
  installAccess(a, policy, finders, authOn);
  a.addHook('onRequest', async (req) => { req.user = user; });
  return { a, audit };
}

describe('the access hook', () => {
  test('with authentication on, a request without a user is refused, even where any user would do', async () => {
    const { a, audit } = app(true, null);
    route(a, Endpoints.getSessionState, async (req) => ({ id: Number(req.params.id), state: 'idle' as const }));
    route(a, Endpoints.listSessions, async () => ({ from: 0, total: 0, sessions: [] }));
    for (const url of ['/sessions/1/state', '/sessions']) {
      const r = await a.inject({ method: 'GET', url });
      assert.equal(r.statusCode, 403, url);
      assert.match(r.json().msg, /needs an authenticated user/);
    }
    assert.deepEqual(audit.map((l) => [l.action, l.user, l.outcome]), [['getSessionState', null, 'denied'], ['listSessions', null, 'denied']]);
    await a.close();
  });

  test('with authentication off, the same requests pass', async () => {
    const { a } = app(false, null);
    route(a, Endpoints.getSessionState, async (req) => ({ id: Number(req.params.id), state: 'idle' as const }));
    assert.equal((await a.inject({ method: 'GET', url: '/sessions/1/state' })).statusCode, 200);
    await a.close();
  });

  test('a view or modify right on a URL without a session or batch id stops the app at start', async () => {
    const { a } = app(false, null);
    const odd = endpoint({
      method: 'POST', url: '/things/:id', tags: ['test'], access: 'modify', summary: 'Not a session',
      params: SessionParams, responses: { 200: MsgBody },
    });
    assert.throws(() => route(a, odd, async () => ({ msg: 'x' })), /\/things\/:id declares access 'modify', which needs a \/sessions\/:id or \/batches\/:id URL/);
    await a.close();
  });
});
