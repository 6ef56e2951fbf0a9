/**
 * Access control, from the declarations: each endpoint says which right it needs (`access` in
 * @sparkport/protocol's api), and one preHandler enforces it for every route, after the request
 * is validated and before its handler runs. A handler cannot forget the check, and a route's
 * right is stated once. The policy itself is the domain's (domain/access.ts).
 *
 *  - view, modify: the session or batch named by the URL's `:id` (an id or a name) is looked up
 *    (404 if there is none) and the user must have that right over it. One who may not even view
 *    it gets exactly the 404 a missing one gets, so ids, names and owners can't be probed; one
 *    who may view it but not modify it gets 403 FORBIDDEN;
 *  - create: a proxyUser in the body must be the user's own or allowed by the impersonation rules;
 *    the handler makes the user the owner;
 *  - authenticated, public: nothing to check here (the authentication hook decides who gets in);
 *    list handlers show each user only what `req.mayView` allows.
 */
import { type Access, type Endpoint } from '@sparkport/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { checkImpersonation, checkRight, may, type AccessPolicy } from '../domain/access.ts';
import { DomainError, notFound } from '../domain/errors.ts';
import { markDenied, noteAudit } from './audit.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Whether this request's user may view a thing owned by `owner` (for lists). */
    mayView(owner: string | null): boolean;
    /** Whether this request's user may modify a thing owned by `owner` (only they keep it alive: heartbeats). */
    mayModify(owner: string | null): boolean;
  }
}

/** A session or batch as the check needs it. */
interface Owned { readonly id: number; readonly record: { owner: string | null } }

/** How to find what a `view` or `modify` route's `:id` names, by the URL's first segment. */
export type Finders = Record<'sessions' | 'batches', (idOrName: string) => Owned>;

const NOUN: Record<keyof Finders, 'session' | 'batch'> = { sessions: 'session', batches: 'batch' };

/**
 * The error a missing one gets, word for word as the registry words it (domain/registry.ts
 * `resolve`), for those who may not see an existing one: the two must not be told apart.
 */
const MISSING = {
  sessions: (key: string) => notFound(`Session '${key}' not found.`, 'SESSION_NOT_FOUND'),
  batches: (key: string) => notFound(`Batch '${key}' not found.`, 'BATCH_NOT_FOUND'),
} satisfies Record<keyof Finders, (key: string) => DomainError>;

const endpointOf = (req: FastifyRequest): Endpoint | undefined => req.routeOptions.config.endpoint;

/** The collection a resource right applies to, or why the declaration can't be enforced. */
function collectionOf(ep: Pick<Endpoint, 'url' | 'access'>): keyof Finders {
  const first = ep.url.split('/')[1] ?? '';
  if (!(first in NOUN) || !ep.url.startsWith(`/${first}/:id`)) {
    throw new Error(`${ep.url} declares access '${ep.access}', which needs a /sessions/:id or /batches/:id URL`);
  }
  return first as keyof Finders;
}

const isResourceRight = (a: Access): a is 'view' | 'modify' => a === 'view' || a === 'modify';

/**
 * `authOn`: an authentication method is configured. Then the authentication hook has already
 * refused every non-public request without a user; should one slip through anyway (a hook
 * registered in the wrong order, a new route), it is refused here rather than taken for
 * "authentication off", which would allow it everything.
 */
export function installAccess(app: FastifyInstance, policy: AccessPolicy, find: Finders, authOn: boolean): void {
  app.decorateRequest('mayView', function mayView(this: FastifyRequest, owner: string | null) {
    return may(policy, this.user, 'view', owner);
  });
  app.decorateRequest('mayModify', function mayModify(this: FastifyRequest, owner: string | null) {
    return may(policy, this.user, 'modify', owner);
  });

  // A declaration the hook below could not enforce stops the app at start, not at the first request.
  app.addHook('onRoute', (r) => {
    const ep = r.config?.endpoint;
    if (ep && isResourceRight(ep.access)) collectionOf(ep);
  });

  app.addHook('preHandler', async (req) => {
    const ep = endpointOf(req);
    if (!ep || ep.access === 'public') return;
    if (authOn && req.user === null) throw new DomainError('FORBIDDEN', `${ep.operationId} needs an authenticated user`);
    if (ep.access === 'create') {
      const proxyUser = (req.body as { proxyUser?: string } | undefined)?.proxyUser ?? null;
      if (proxyUser !== null) noteAudit(req, { proxyUser });
      checkImpersonation(policy, req.user, proxyUser);
      return;
    }
    if (!isResourceRight(ep.access)) return;
    const collection = collectionOf(ep);
    const params = req.params as { id: string; sid?: number; name?: string };
    const target = find[collection](params.id);
    const noun = NOUN[collection];
    // What the request is about, for the audit line (shared keys are left out: they are data).
    noteAudit(req, {
      [noun]: target.id,
      ...(params.sid !== undefined ? { statement: params.sid } : {}),
      ...(params.name !== undefined ? { shared: params.name } : {}),
    });
    checkRight(policy, req.user, ep.access, target.record.owner, `${noun} ${target.id}`, () => {
      // The client sees a plain 404; the audit log records the refusal for what it was.
      markDenied(req);
      return MISSING[collection](params.id);
    });
  });
}
