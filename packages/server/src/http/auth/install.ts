/**
 * The authentication hook: with any method configured, every request to an endpoint not
 * declared `public` must authenticate (401 with one WWW-Authenticate challenge per method
 * otherwise), and `req.user` is who it is. Failures are logged without the secret and counted
 * per client address; too many in a window and the address gets 429 until the window ends.
 * With no method configured nothing is installed and `req.user` stays null (loopback only:
 * see checkExposure).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config.ts';
import { DomainError } from '../../domain/errors.ts';
import type { AuthResult, Authenticator } from './authenticator.ts';
import { clientAddress, forLog } from './credentials.ts';
import { FailureLimiter } from './failures.ts';
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
): AuthSetup {
  if (!authenticators.length) return { authenticators, securitySchemes: {} };
  const challenges = [...new Set(authenticators.map((a) => a.challenge).filter((c): c is string => !!c))];
  const names = authenticators.map((a) => a.name).join(', ');
  const limiter = new FailureLimiter(config.auth.rateLimit.failures, config.auth.rateLimit.windowSeconds * 1000, now);

  const unauthorized = (reply: FastifyReply, msg: string): DomainError => {
    // One header line per method (RFC 9110 §11.6.1), so each client finds the scheme it speaks.
    if (challenges.length) reply.header('WWW-Authenticate', challenges.length === 1 ? challenges[0] : challenges);
    return new DomainError('UNAUTHORIZED', msg);
  };

  const refuse = (req: FastifyRequest, reply: FastifyReply, method: string, r: Extract<AuthResult, { kind: 'failed' }>) => {
    const from = clientAddress(req);
    const user = r.user === undefined ? '' : ` for user ${forLog(r.user)}`;
    log(`auth: failed login (${method})${user} from ${from}: ${r.reason}`);
    if (limiter.fail(from)) {
      log(`auth: ${config.auth.rateLimit.failures} failed logins from ${from} within ${config.auth.rateLimit.windowSeconds} s; refusing it until the window ends (auth.rateLimit)`);
    }
    return unauthorized(reply, r.tell ?? 'Authentication failed');
  };

  app.addHook('onRequest', async (req, reply) => {
    // A CORS preflight never carries credentials (the browser guards answer it).
    if (req.method === 'OPTIONS') return;
    if (req.routeOptions.config?.endpoint?.access === 'public') return;
    const from = clientAddress(req);
    const wait = limiter.blockedFor(from);
    if (wait) throw new DomainError('TOO_MANY_AUTH_FAILURES', `Too many failed logins from this address; try again in ${wait} s`, wait);
    for (const a of authenticators) {
      let r: AuthResult;
      try {
        r = await a.authenticate(req);
      } catch (e) {
        r = { kind: 'unavailable', reason: (e as Error).message };
      }
      if (r.kind === 'absent') continue;
      if (r.kind === 'user') {
        req.user = r.user;
        for (const [k, v] of Object.entries(r.headers ?? {})) reply.header(k, v);
        return;
      }
      if (r.kind === 'unavailable') {
        log(`auth: the ${a.name} method cannot judge a request from ${from}: ${r.reason}`);
        throw new DomainError('AUTH_UNAVAILABLE', 'Authentication is unavailable for the moment; try again shortly', 10);
      }
      throw refuse(req, reply, a.name, r);
    }
    // Credentials that no configured method takes (another scheme, or a token no method knows) count as a failure.
    if (req.headers.authorization !== undefined) {
      const scheme = req.headers.authorization.split(' ')[0]!.slice(0, 20);
      throw refuse(req, reply, 'none', { kind: 'failed', reason: `no configured method (${names}) accepts ${JSON.stringify(scheme)} credentials` });
    }
    throw unauthorized(reply, `Authentication required (${names})`);
  });
  return { authenticators, securitySchemes: schemesOf(authenticators) };
}
