/**
 * Static bearer tokens from a file of `user:sha256-hex-of-token` lines: the file holds only
 * hashes, so reading it gives no one a token. A presented token is hashed and compared with
 * every line in constant time (no early exit, no lookup keyed by the secret).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { AuthResult, Authenticator } from './authenticator.ts';
import { authorization, badUserName } from './credentials.ts';
import { WatchedFile } from './watched-file.ts';

interface Entry { user: string; digest: Buffer }

export function parseTokens(text: string): Entry[] {
  const entries: Entry[] = [];
  const seen = new Set<string>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const colon = line.lastIndexOf(':');
    const user = line.slice(0, Math.max(colon, 0));
    const hex = line.slice(colon + 1).toLowerCase();
    const bad = colon <= 0 ? 'is not user:sha256-hex' : badUserName(user);
    if (bad) throw new Error(`line ${i + 1}: ${bad}`);
    if (!/^[0-9a-f]{64}$/.test(hex)) throw new Error(`line ${i + 1} (user ${JSON.stringify(user)}): the token's hash must be 64 hex digits (sha256), e.g. \`printf %s "$TOKEN" | sha256sum\``);
    if (seen.has(hex)) throw new Error(`line ${i + 1}: the same token hash appears twice`);
    seen.add(hex);
    entries.push({ user, digest: Buffer.from(hex, 'hex') });
  });
  return entries;
}

/** A JWT's shape (three base64url parts); such tokens are left to the JWT method when no line matches. */
export const looksLikeJwt = (t: string) => /^[\w-]+\.[\w-]+\.[\w-]*$/.test(t);

export class TokenAuthenticator implements Authenticator {
  readonly name = 'bearer';
  readonly challenge = 'Bearer realm="sparkport"';
  readonly securityScheme = { key: 'bearer', scheme: { type: 'http', scheme: 'bearer', description: 'A static token (auth.tokens.file) or a JWT (auth.jwt)' } };
  private readonly tokens: WatchedFile<Entry[]>;

  /** `jwtToo`: a JWT method is configured as well, and gets the JWT-shaped tokens no line matches. */
  constructor(file: string, log: (msg: string) => void, private readonly jwtToo = false) {
    this.tokens = new WatchedFile(file, 'tokens file (auth.tokens.file)', parseTokens, log);
  }

  async authenticate(req: FastifyRequest): Promise<AuthResult> {
    const token = authorization(req, 'Bearer');
    if (token === null) return { kind: 'absent' };
    const entries = await this.tokens.current();
    const digest = createHash('sha256').update(token).digest();
    let user: string | null = null;
    for (const e of entries ?? []) if (timingSafeEqual(e.digest, digest) && user === null) user = e.user;
    if (user !== null) return { kind: 'user', user };
    if (this.jwtToo && looksLikeJwt(token)) return { kind: 'absent' };
    return { kind: 'failed', reason: entries ? 'unknown token' : 'the tokens file is unusable' };
  }
}
