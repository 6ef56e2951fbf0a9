/**
 * Who may do what to a session or batch: Livy's access model (owner, superusers, view and
 * modify users, impersonation rules), as pure functions over user names. The HTTP layer asks
 * with the right a route declares; a refusal is 403 FORBIDDEN for those who may see the thing,
 * and the thing's own "not found" for those who may not. Nothing here knows of requests.
 *
 * A null user means authentication is off (loopback, one person): then everything is allowed,
 * as before access control existed. A null owner is a session created while authentication
 * was off: once it is on, no one owns it, so only view, modify and super users reach it.
 */
import type { Access } from '@sparkport/protocol';
import { DomainError } from './errors.ts';
import { proxyUserProblem, type Placement } from './placement.ts';

export interface AccessPolicy {
  /** May do anything to anything, and set any proxyUser. */
  superusers: string[];
  /** May view every session and batch (state, statements, logs), not change them. */
  viewUsers: string[];
  /** May view and modify every session and batch. */
  modifyUsers: string[];
  /** user (or `*`) → the proxyUsers (or `*`) that user may name. */
  impersonation: Record<string, string[]>;
  /** A request without proxyUser runs as its owner (Livy's livy.impersonation.enabled), not as the server's user. */
  runAsOwner: boolean;
}

/** The rights over one existing session or batch. */
export type ResourceRight = Extract<Access, 'view' | 'modify'>;

/** `*` in a list stands for every authenticated user, as in Livy's ACL settings. */
const listed = (list: readonly string[], user: string) => list.includes(user) || list.includes('*');

/** Whether `user` has `right` over a thing owned by `owner`. */
export function may(p: AccessPolicy, user: string | null, right: ResourceRight, owner: string | null): boolean {
  if (user === null) return true;
  if (owner !== null && user === owner) return true;
  if (listed(p.superusers, user) || listed(p.modifyUsers, user)) return true;
  return right === 'view' && listed(p.viewUsers, user);
}

const WHO: Record<ResourceRight, string> = {
  view: 'its owner, access.viewUsers, access.modifyUsers and access.superusers',
  modify: 'its owner, access.modifyUsers and access.superusers',
};

/**
 * Throws unless `may` allows. A user who may not even view the thing gets `unseen()`, the very
 * error a thing that does not exist gets, so strangers learn nothing from ids or names: not that
 * it exists, not who owns it. A user who may view it but lacks `right` gets FORBIDDEN, naming the
 * missing right and who has it, not the owner.
 */
export function checkRight(
  p: AccessPolicy, user: string | null, right: ResourceRight, owner: string | null, what: string, unseen: () => Error,
): void {
  if (may(p, user, right, owner)) return;
  if (!may(p, user, 'view', owner)) throw unseen();
  throw new DomainError('FORBIDDEN', `User '${user}' lacks the ${right} right over ${what}: only ${WHO[right]} have it`);
}

/** Whether `user` may run things as `proxyUser` (spark-submit --proxy-user). */
export function mayImpersonate(p: AccessPolicy, user: string | null, proxyUser: string | null): boolean {
  if (user === null || proxyUser === null || proxyUser === user) return true;
  if (listed(p.superusers, user)) return true;
  const rules = [...(p.impersonation[user] ?? []), ...(p.impersonation['*'] ?? [])];
  return listed(rules, proxyUser);
}

/** Throws FORBIDDEN naming the settings that would allow it, unless `mayImpersonate` allows. */
export function checkImpersonation(p: AccessPolicy, user: string | null, proxyUser: string | null): void {
  if (mayImpersonate(p, user, proxyUser)) return;
  throw new DomainError(
    'FORBIDDEN',
    `User '${user}' may not set proxyUser '${proxyUser}': only access.superusers, and users whose access.impersonation `
    + `rule ("${user}" or "*") lists '${proxyUser}' or "*", may act as another user`,
  );
}

/**
 * The user a new session's or batch's driver runs as (spark-submit --proxy-user): the request's
 * proxyUser, else with access.runAsOwner its owner, else none (the server's own user). With
 * authentication off there is no owner, and nothing changes; nor where Spark can't run a driver
 * as another user (proxyUserProblem), where the owner would be shown and not honoured.
 */
export function runAs(p: Pick<AccessPolicy, 'runAsOwner'>, owner: string | null, proxyUser: string | null, placement: Placement): string | null {
  return proxyUser ?? (p.runAsOwner && !proxyUserProblem(placement) ? owner : null);
}

/** Checks the shape of the `access` settings, so a typo fails at start rather than locking people out. */
export function checkAccessPolicy(p: AccessPolicy): void {
  for (const key of ['superusers', 'viewUsers', 'modifyUsers'] as const) {
    if (!Array.isArray(p[key]) || p[key].some((u) => typeof u !== 'string' || u === '')) {
      throw new Error(`Setting 'access.${key}' must be an array of user names`);
    }
  }
  for (const [user, allowed] of Object.entries(p.impersonation)) {
    if (!Array.isArray(allowed) || allowed.some((u) => typeof u !== 'string' || u === '')) {
      throw new Error(`Setting 'access.impersonation.${user}' must be an array of user names (or "*")`);
    }
  }
}
