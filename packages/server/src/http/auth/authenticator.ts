/**
 * The authentication port of the HTTP layer. Each configured method (Basic against an htpasswd
 * file, static bearer tokens, JWT, a trusted proxy's header, SPNEGO) is one Authenticator; a
 * request is authenticated by the first method that recognises its credentials.
 */
import type { FastifyRequest } from 'fastify';

export type AuthResult =
  /** The request carries no credentials of this method: ask the next one. */
  | { kind: 'absent' }
  /**
   * Credentials of this method, and they are good. `headers` go on the response (SPNEGO's
   * mutual-authentication answer).
   */
  | { kind: 'user'; user: string; headers?: Record<string, string> }
  /**
   * Credentials of this method, and they are bad: 401. `reason` goes to the log (never the
   * secret); `user` is who they claimed to be, for the log; `tell` is what the client may be told
   * (by default only that authentication failed, so a probe learns nothing about which users exist).
   */
  | { kind: 'failed'; reason: string; user?: string; tell?: string }
  /** The method cannot judge now (say, an identity provider's keys are unreachable): 503, not held against the client. */
  | { kind: 'unavailable'; reason: string };

export interface Authenticator {
  /** Short name for logs and the OpenAPI security scheme: basic, bearer, jwt, proxy, negotiate. */
  readonly name: string;
  /** The WWW-Authenticate challenge a 401 carries for this method, if it has one. */
  readonly challenge?: string;
  /**
   * How the OpenAPI document names and describes this method (components.securitySchemes).
   * Methods that share a key (static tokens and JWTs are both `bearer`) share one scheme.
   */
  readonly securityScheme?: { key: string; scheme: Record<string, unknown> };
  authenticate(req: FastifyRequest): Promise<AuthResult>;
}
