/**
 * The authentication port of the HTTP layer. Each configured method (Basic against an htpasswd
 * file, static bearer tokens, JWT, a trusted proxy's header, SPNEGO) is one Authenticator; a
 * request is authenticated by the first method that recognises its credentials.
 */
import type { FastifyRequest } from 'fastify';

export type AuthResult =
  /** The request carries no credentials of this method: ask the next one. */
  | { kind: 'absent' }
  /** Credentials of this method, and they are good. */
  | { kind: 'user'; user: string }
  /** Credentials of this method, and they are bad: 401 (the reason is logged, never the secret). */
  | { kind: 'failed'; reason: string };

export interface Authenticator {
  /** Short name for logs and the OpenAPI security scheme: basic, bearer, jwt, proxy, negotiate. */
  readonly name: string;
  /** The WWW-Authenticate challenge a 401 carries for this method, if it has one. */
  readonly challenge?: string;
  authenticate(req: FastifyRequest): Promise<AuthResult>;
}
