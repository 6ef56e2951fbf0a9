/**
 * HTTP Basic against an htpasswd file (what `htpasswd -B` writes), bcrypt hashes only: MD5
 * ($apr1$), SHA-1 and crypt() hashes are too cheap to brute-force to be worth accepting, and
 * argon2 has no pure-JavaScript implementation on Node 20 here, so such lines stop the server
 * with a message that says how to make a bcrypt one.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import bcrypt from 'bcryptjs';
import type { FastifyRequest } from 'fastify';
import type { AuthResult, Authenticator } from './authenticator.ts';
import { authorization, badUserName, decodeBasic } from './credentials.ts';
import { WatchedFile } from './watched-file.ts';

export const BASIC_REALM = 'sparkport';

const BCRYPT = /^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$/;

function kindOf(hash: string): string {
  if (hash.startsWith('$apr1$')) return 'an MD5 ($apr1$)';
  if (hash.startsWith('{SHA}')) return 'a SHA-1 ({SHA})';
  if (hash.startsWith('$argon2')) return 'an argon2';
  if (hash.startsWith('$2')) return 'a malformed bcrypt';
  if (hash.startsWith('$5$') || hash.startsWith('$6$')) return 'a SHA-crypt';
  return 'a crypt() or plain-text';
}

/** user → bcrypt hash; throws naming the line (never its hash) for anything else. */
export function parseHtpasswd(text: string): Map<string, string> {
  const users = new Map<string, string>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Error(`line ${i + 1} is not user:hash`);
    const user = line.slice(0, colon);
    const hash = line.slice(colon + 1);
    const bad = badUserName(user);
    if (bad) throw new Error(`line ${i + 1}: ${bad}`);
    if (!BCRYPT.test(hash)) {
      throw new Error(`line ${i + 1} (user ${JSON.stringify(user)}) has ${kindOf(hash)} hash; only bcrypt is accepted ($2y$/$2b$/$2a$: \`htpasswd -B\`)`);
    }
    if (users.has(user)) throw new Error(`line ${i + 1}: user ${JSON.stringify(user)} appears twice`);
    // bcryptjs reads $2y$ (PHP's and Apache's name) as the same algorithm it calls $2b$.
    users.set(user, hash.replace(/^\$2y\$/, '$2b$'));
  });
  return users;
}

interface Verified { hash: string; mac: Buffer; until: number }

/**
 * bcrypt costs ~100 ms of CPU per check in JavaScript, and Livy clients poll with Basic on every
 * request: a password already verified against the same hash is remembered, as an HMAC under a
 * key that lives only in this process, for a few minutes.
 */
class VerifiedCache {
  private readonly key = randomBytes(32);
  private readonly entries = new Map<string, Verified>();
  constructor(private readonly ttlMs = 5 * 60_000, private readonly max = 1000) {}
  private mac(password: string): Buffer { return createHmac('sha256', this.key).update(password).digest(); }
  has(user: string, hash: string, password: string, now: number): boolean {
    const e = this.entries.get(user);
    if (!e || e.hash !== hash || e.until < now) return false;
    return timingSafeEqual(e.mac, this.mac(password));
  }
  add(user: string, hash: string, password: string, now: number): void {
    this.entries.delete(user);
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(user, { hash, mac: this.mac(password), until: now + this.ttlMs });
  }
}

export class BasicAuthenticator implements Authenticator {
  readonly name = 'basic';
  readonly challenge = `Basic realm="${BASIC_REALM}", charset="UTF-8"`;
  readonly securityScheme = { key: 'basic', scheme: { type: 'http', scheme: 'basic', description: 'A user of the htpasswd file (auth.basic.htpasswdFile)' } };
  private readonly users: WatchedFile<Map<string, string>>;
  private readonly cache = new VerifiedCache();
  /** Checked for unknown users too, so a wrong name takes as long as a wrong password. */
  private readonly decoys = new Map<number, string>();

  constructor(file: string, log: (msg: string) => void, private readonly now: () => number = Date.now) {
    this.users = new WatchedFile(file, 'htpasswd file (auth.basic.htpasswdFile)', parseHtpasswd, log);
  }

  async authenticate(req: FastifyRequest): Promise<AuthResult> {
    const value = authorization(req, 'Basic');
    if (value === null) return { kind: 'absent' };
    const creds = decodeBasic(value);
    if (!creds) return { kind: 'failed', reason: 'malformed Basic credentials' };
    const users = await this.users.current();
    if (!users) return { kind: 'failed', user: creds.user, reason: 'the htpasswd file is unusable' };
    const hash = users.get(creds.user);
    if (hash && this.cache.has(creds.user, hash, creds.password, this.now())) return { kind: 'user', user: creds.user };
    const good = await bcrypt.compare(creds.password, hash ?? this.decoy(users));
    if (!hash) return { kind: 'failed', user: creds.user, reason: 'no such user' };
    if (!good) return { kind: 'failed', user: creds.user, reason: 'wrong password' };
    this.cache.add(creds.user, hash, creds.password, this.now());
    return { kind: 'user', user: creds.user };
  }

  /** A hash of nothing at the cost the file's own hashes use (htpasswd -B defaults to 5, others to 10+). */
  private decoy(users: Map<string, string>): string {
    const first = users.values().next().value;
    const cost = first ? Number(BCRYPT.exec(first)![1]) : 10;
    let d = this.decoys.get(cost);
    if (!d) this.decoys.set(cost, (d = bcrypt.hashSync(randomBytes(16).toString('hex'), cost)));
    return d;
  }
}
