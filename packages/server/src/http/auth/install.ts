/**
 * The authentication hook: with any method configured, every request to an endpoint not
 * declared `public` must authenticate (401 with one WWW-Authenticate challenge per method
 * otherwise), and `req.user` is who it is. Failures are logged without the secret and counted
 * per client address (an IPv6 one by its /64); too many in a window and the address gets 429
 * until the window ends. An attempt holds its place in that count while it is being checked, so
 * concurrent guesses cannot overtake it, and at most a few bcrypt checks run at once server-wide.
 *
 * The trusted proxy's header is judged first, outside the limit: from the proxy's address it is
 * the proxy's word, and one of its users' bad passwords must not lock out the others. Other
 * credentials that come through the proxy's address are counted per (address, claimed user).
 * With no method configured nothing is installed and `req.user` stays null (loopback only:
 * see checkExposure).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config.ts';
import { DomainError } from '../../domain/errors.ts';
import { clientKey, trustedProxy } from '../client-address.ts';
import type { AuthResult, Authenticator } from './authenticator.ts';
import { authorization, clientAddress, decodeBasic, forLog } from './credentials.ts';
import { FailureLimiter, Gate, type Attempt } from './failures.ts';
import { buildAuthenticators } from './methods.ts';

export interface AuthSetup {
  /** The methods in force, in the order they are tried; empty when authentication is off. */
  authenticators: Authenticator[];
  /** OpenAPI components.securitySchemes, by key; empty when authentication is off. */
  securitySchemes: Record<string, Record<string, unknown>>;
}

/** One scheme per key; a later method adds what the earlier did not say (bearerFormat: JWT). */
function schemesOf(authenticators: Authenticator[]): AuthSetup['securitySchemes'] {
  const out: AuthSetup['securitySchemes'] = {};
  for (const a of authenticators) {
    if (a.securityScheme) out[a.securityScheme.key] = { ...out[a.securityScheme.key], ...a.securityScheme.scheme };
  }
  return out;
}

export function installAuth(
  app: FastifyInstance, config: Config, log: (msg: string) => void,
  authenticators: Authenticator[] = buildAuthenticators(config, log), now: () => number = Date.now,
  gate: Gate = new Gate(4, 64),
): AuthSetup {
  if (!authenticators.length) return { authenticators, securitySchemes: {} };
  const challenges = [...new Set(authenticators.map((a) => a.challenge).filter((c): c is string => !!c))];
  const names = authenticators.map((a) => a.name).join(', ');
  const { failures, windowSeconds } = config.auth.rateLimit;
  const limiter = new FailureLimiter(failures, windowSeconds * 1000, now);
  const proxy = authenticators.find((a) => a.name === 'proxy');
  const others = authenticators.filter((a) => a !== proxy);
  const isProxy = proxy ? trustedProxy(config.auth.proxy) : () => false;

  /** Whom a failure counts against: the address; through the proxy's address, the address and the user claimed. */
  const keyOf = (req: FastifyRequest, from: string, claimed?: string): { key: string; who: string } => {
    if (!isProxy(from)) return { key: clientKey(from), who: clientKey(from) };
    const basic = authorization(req, 'Basic');
    const user = claimed ?? (basic === null ? undefined : decodeBasic(basic)?.user);
    const scheme = (req.headers.authorization ?? '').split(' ')[0]!.slice(0, 20).toLowerCase();
    const key = `${from} ${user === undefined ? `scheme ${scheme}` : `user ${JSON.stringify(user.slice(0, 256))}`}`;
    return { key, who: user === undefined ? `${from} (${scheme || 'no'} credentials)` : `${from} for user ${forLog(user)}` };
  };

  /** A log line for a refusal that may repeat at every request: at most one per window. */
  const lastSaid = new Map<string, number>();
  const say = (kind: string, msg: string) => {
    const t = now();
    if (t - (lastSaid.get(kind) ?? -Infinity) < windowSeconds * 1000) return;
    lastSaid.set(kind, t);
    log(msg);
  };

  const admit = async (key: { key: string; who: string }): Promise<Extract<Attempt, { ok: true }>> => {
    const a = await limiter.attempt(key.key);
    if (a.ok) return a;
    if (a.why === 'blocked') {
      const whom = key.key.includes(' user ') ? 'for this user through this address' : 'from this address';
      throw new DomainError('TOO_MANY_AUTH_FAILURES', `Too many failed logins ${whom}; try again in ${a.retryAfter} s`, a.retryAfter);
    }
    if (a.why === 'full') {
      say('full', `auth: too many addresses with failed logins to track more; refusing logins from new ones for up to ${a.retryAfter} s (auth.rateLimit)`);
      throw new DomainError('TOO_MANY_AUTH_FAILURES', `Too many failed logins on this server; try again in ${a.retryAfter} s`, a.retryAfter);
    }
    throw new DomainError('TOO_MANY_AUTH_FAILURES', 'Too many logins from this address at once; try again in 1 s', 1);
  };

  const unauthorized = (reply: FastifyReply, msg: string): DomainError => {
    // One header line per method (RFC 9110 §11.6.1), so each client finds the scheme it speaks.
    if (challenges.length) reply.header('WWW-Authenticate', challenges.length === 1 ? challenges[0] : challenges);
    return new DomainError('UNAUTHORIZED', msg);
  };

  const refuse = (req: FastifyRequest, reply: FastifyReply, method: string, r: Extract<AuthResult, { kind: 'failed' }>, held: Extract<Attempt, { ok: true }>, who: string) => {
    const from = clientAddress(req);
    const user = r.user === undefined ? '' : ` for user ${forLog(r.user)}`;
    log(`auth: failed login (${method})${user} from ${from}: ${r.reason}`);
    if (held.fail()) {
      log(`auth: ${failures} failed logins from ${who} within ${windowSeconds} s; refusing it until the window ends (auth.rateLimit)`);
    }
    return unauthorized(reply, r.tell ?? 'Authentication failed');
  };

  /** One method's verdict; a Basic check (bcrypt) waits its turn at the gate, or is refused when the line is full. */
  const judge = async (a: Authenticator, req: FastifyRequest): Promise<AuthResult> => {
    const costly = a.name === 'basic' && authorization(req, 'Basic') !== null;
    if (costly && !(await gate.enter())) {
      say('gate', 'auth: too many password checks waiting; answering 503 until the line shortens');
      throw new DomainError('AUTH_UNAVAILABLE', 'Too many logins are being checked at the moment; try again shortly', 1);
    }
    try {
      return await a.authenticate(req);
    } catch (e) {
      return { kind: 'unavailable', reason: (e as Error).message };
    } finally {
      if (costly) gate.leave();
    }
  };

  const accept = (req: FastifyRequest, reply: FastifyReply, r: Extract<AuthResult, { kind: 'user' }>) => {
    req.user = r.user;
    for (const [k, v] of Object.entries(r.headers ?? {})) reply.header(k, v);
  };

  const unavailable = (a: Authenticator, from: string, reason: string) => {
    log(`auth: the ${a.name} method cannot judge a request from ${from}: ${reason}`);
    return new DomainError('AUTH_UNAVAILABLE', 'Authentication is unavailable for the moment; try again shortly', 10);
  };

  app.addHook('onRequest', async (req, reply) => {
    // A CORS preflight never carries credentials (the browser guards answer it).
    if (req.method === 'OPTIONS') return;
    if (req.routeOptions.config?.endpoint?.access === 'public') return;
    const from = clientAddress(req);
    if (proxy) {
      // The proxy's header costs nothing to judge, and from the proxy it is the proxy's word: no limit applies.
      const r = await judge(proxy, req);
      if (r.kind === 'user') return accept(req, reply, r);
      if (r.kind === 'unavailable') throw unavailable(proxy, from, r.reason);
      if (r.kind === 'failed') {
        const key = keyOf(req, from, isProxy(from) ? r.user ?? '' : undefined);
        const held = await admit(key);
        throw refuse(req, reply, proxy.name, r, held, key.who);
      }
    }
    const key = keyOf(req, from);
    const held = await admit(key);
    try {
      for (const a of others) {
        const r = await judge(a, req);
        if (r.kind === 'absent') continue;
        if (r.kind === 'user') return accept(req, reply, r);
        if (r.kind === 'unavailable') throw unavailable(a, from, r.reason);
        throw refuse(req, reply, a.name, r, held, key.who);
      }
      // Credentials that no configured method takes (another scheme, or a token no method knows) count as a failure.
      if (req.headers.authorization !== undefined) {
        const scheme = req.headers.authorization.split(' ')[0]!.slice(0, 20);
        throw refuse(req, reply, 'none', { kind: 'failed', reason: `no configured method (${names}) accepts ${JSON.stringify(scheme)} credentials` }, held, key.who);
      }
      throw unauthorized(reply, `Authentication required (${names})`);
    } finally {
      held.done();
    }
  });
  return { authenticators, securitySchemes: schemesOf(authenticators) };
}
