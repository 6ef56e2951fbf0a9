/**
 * JWTs as bearer tokens, verified with `jose`: the signature against a JWKS file or the keys an
 * OIDC issuer publishes (its discovery document's jwks_uri), then issuer, audience and expiry.
 * Only asymmetric algorithms: a JWKS holds public keys, and refusing HS* and `none` rules out
 * algorithm confusion whatever a token's header says.
 */
import type { FastifyRequest } from 'fastify';
import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import type { Config } from '../../config.ts';
import type { AuthResult, Authenticator } from './authenticator.ts';
import { authorization, badUserName } from './credentials.ts';
import { looksLikeJwt } from './tokens.ts';
import { WatchedFile } from './watched-file.ts';

const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];
/** After the issuer could not be reached, wait this long before asking again (requests meanwhile get 503). */
const RETRY_MS = 10_000;

type JwtConfig = Config['auth']['jwt'];

function parseJwks(text: string): JWTVerifyGetKey {
  const json = JSON.parse(text) as JSONWebKeySet;
  if (!json || !Array.isArray(json.keys) || json.keys.length === 0) throw new Error('expected a JSON Web Key Set: {"keys": [...]}');
  return createLocalJWKSet(json);
}

const isLoopbackHost = (h: string) => h === 'localhost' || h === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(h);

/** The issuer as configured, checked: https (plain http only to this machine, for tests and sidecars). */
function issuerUrl(issuer: string): URL {
  let u: URL;
  try {
    u = new URL(issuer);
  } catch {
    throw new Error(`auth.jwt.issuer must be a URL, got ${JSON.stringify(issuer)}`);
  }
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && isLoopbackHost(u.hostname))) {
    throw new Error(`auth.jwt.issuer must be an https URL (http only on loopback), got ${JSON.stringify(issuer)}`);
  }
  return u;
}

export class JwtAuthenticator implements Authenticator {
  readonly name = 'jwt';
  readonly challenge = 'Bearer realm="sparkport"';
  readonly securityScheme = { key: 'bearer', scheme: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A JWT (auth.jwt) or a static token (auth.tokens.file)' } };
  private readonly file: WatchedFile<JWTVerifyGetKey> | null = null;
  private remote: Promise<JWTVerifyGetKey> | null = null;
  private remoteFailedAt = 0;
  private readonly audience: string | string[];

  constructor(private readonly cfg: JwtConfig, private readonly log: (msg: string) => void, private readonly now: () => number = Date.now) {
    const aud = cfg.audience;
    const audOk = typeof aud === 'string' ? aud.length > 0 : Array.isArray(aud) && aud.length > 0 && aud.every((a) => typeof a === 'string' && a);
    if (!audOk) throw new Error('auth.jwt.audience must be set (a string or a list): without it, a token the issuer made for any other application would be accepted');
    this.audience = aud as string | string[];
    if (typeof cfg.userClaim !== 'string' || !cfg.userClaim) throw new Error('auth.jwt.userClaim must name a claim (default sub)');
    if (cfg.issuer !== null) issuerUrl(cfg.issuer);
    if (cfg.jwksFile) this.file = new WatchedFile(cfg.jwksFile, 'JWKS file (auth.jwt.jwksFile)', parseJwks, log);
    else if (!cfg.issuer) throw new Error('auth.jwt needs keys: set auth.jwt.jwksFile, or auth.jwt.issuer to use the issuer\'s published keys');
  }

  async authenticate(req: FastifyRequest): Promise<AuthResult> {
    const token = authorization(req, 'Bearer');
    if (token === null || !looksLikeJwt(token)) return { kind: 'absent' };
    let keys: JWTVerifyGetKey | null;
    try {
      keys = this.file ? await this.file.current() : await this.remoteKeys();
    } catch (e) {
      return { kind: 'unavailable', reason: `the issuer's keys cannot be fetched: ${(e as Error).message}` };
    }
    if (!keys) return { kind: 'failed', reason: 'the JWKS file is unusable' };
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        algorithms: ALGORITHMS,
        audience: this.audience,
        ...(this.cfg.issuer ? { issuer: this.cfg.issuer } : {}),
        clockTolerance: this.cfg.clockSkewSeconds,
        // A token without an expiry would be good forever.
        requiredClaims: ['exp'],
      }));
    } catch (e) {
      return this.rejected(e as Error);
    }
    const user = payload[this.cfg.userClaim];
    if (typeof user !== 'string') return { kind: 'failed', reason: `the token has no string claim ${JSON.stringify(this.cfg.userClaim)}` };
    const bad = badUserName(user);
    if (bad) return { kind: 'failed', reason: `claim ${this.cfg.userClaim}: ${bad}` };
    return { kind: 'user', user };
  }

  private rejected(e: Error): AuthResult {
    if (e instanceof errors.JWTExpired) return { kind: 'failed', reason: 'the token has expired', tell: 'The token has expired' };
    if (e instanceof errors.JWTClaimValidationFailed) return { kind: 'failed', reason: `claim ${e.claim}: ${e.reason}` };
    if (e instanceof errors.JOSEError && !(e instanceof errors.JWKSTimeout) && e.code !== 'ERR_JOSE_GENERIC') {
      return { kind: 'failed', reason: `${e.code}: ${e.message}` };
    }
    // A timeout, a network error or a bad answer while fetching the issuer's keys: not the token's fault.
    return { kind: 'unavailable', reason: `the issuer's keys cannot be fetched: ${e.message}` };
  }

  /** The issuer's key set, found through its discovery document on first use (so a server starts while the issuer is down). */
  private remoteKeys(): Promise<JWTVerifyGetKey> {
    if (!this.remote && this.now() - this.remoteFailedAt < RETRY_MS) return Promise.reject(new Error('the last attempt failed moments ago'));
    this.remote ??= this.discover().catch((e: Error) => {
      this.remote = null;
      this.remoteFailedAt = this.now();
      this.log(`auth: cannot read the discovery document of ${this.cfg.issuer}: ${e.message}`);
      throw e;
    });
    return this.remote;
  }

  private async discover(): Promise<JWTVerifyGetKey> {
    const issuer = this.cfg.issuer!;
    const res = await fetch(`${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(5000), redirect: 'error' });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const doc = (await res.json()) as { issuer?: unknown; jwks_uri?: unknown };
    // OpenID Connect Discovery 1.0 §4.3: the document must name exactly the issuer asked about.
    if (doc.issuer !== issuer) throw new Error(`the document names issuer ${JSON.stringify(doc.issuer)}, not ${JSON.stringify(issuer)}`);
    if (typeof doc.jwks_uri !== 'string') throw new Error('the document has no jwks_uri');
    const jwks = new URL(doc.jwks_uri);
    if (jwks.protocol !== 'https:' && !(jwks.protocol === 'http:' && isLoopbackHost(jwks.hostname))) throw new Error(`jwks_uri must be https, got ${doc.jwks_uri}`);
    return createRemoteJWKSet(jwks, { timeoutDuration: 5000 });
  }
}
