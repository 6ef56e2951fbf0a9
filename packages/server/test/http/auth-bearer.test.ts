/**
 * Bearer tokens through the whole app: static tokens from a file of hashes, and JWTs checked
 * against a JWKS file (signature, expiry, audience, issuer, the user claim). Every way a forged
 * or stale token can be made is tried and must be a 401.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT, UnsecuredJWT, type CryptoKey, type JWTPayload } from 'jose';
import { makeHarness } from '../support/harness.ts';

type Harness = Awaited<ReturnType<typeof makeHarness>>;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'sparkport-auth-bearer-'));
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const ISSUER = 'https://idp.example.com/realms/team';
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

describe('bearer tokens: static tokens and JWTs from a JWKS file', () => {
  let h: Harness;
  let key: CryptoKey;
  let other: CryptoKey;
  /** A token as the issuer would make it, but for `claims` (which may remove one by setting it undefined). */
  const sign = (claims: JWTPayload, opts: { key?: CryptoKey } = {}) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ sub: 'alice', iss: ISSUER, aud: 'sparkport', iat: now, exp: now + 300, ...claims })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' }).sign(opts.key ?? key);
  };
  const status = async (headers: Record<string, string>) => (await h.app.inject({ method: 'GET', url: '/sessions', headers })).statusCode;

  let jwks: { keys: Record<string, unknown>[] };

  before(async () => {
    const pair = await generateKeyPair('ES256');
    key = pair.privateKey;
    ({ privateKey: other } = await generateKeyPair('ES256'));
    const unrelated = (await generateKeyPair('ES256')).publicKey;
    // The public half of `key`, and an unrelated key, as real sets have several.
    jwks = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }, { ...(await exportJWK(unrelated)), kid: 'k0' }] };
    writeFileSync(path.join(tmp, 'jwks.json'), JSON.stringify(jwks));
    writeFileSync(path.join(tmp, 'tokens'), `# CI\nci-bot:${sha256('static-token-1')}\nops:${sha256('static-token-2').toUpperCase()}\n`);
    h = await makeHarness((c) => {
      c.auth.tokens.file = path.join(tmp, 'tokens');
      c.auth.jwt.jwksFile = path.join(tmp, 'jwks.json');
      c.auth.jwt.issuer = ISSUER;
      c.auth.jwt.audience = 'sparkport';
      c.auth.rateLimit.failures = 0;
    });
  });
  after(async () => {
    await h.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  test('a static token from the file: in, as its user', async () => {
    const r = await h.json('POST', '/sessions', { kind: 'sql' }, bearer('static-token-1'));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.owner, 'ci-bot');
    assert.equal(await status(bearer('static-token-2')), 200);
  });

  test('an unknown static token: 401 with a Bearer challenge, logged without the token', async () => {
    const r = await h.app.inject({ method: 'GET', url: '/sessions', headers: bearer('static-token-3') });
    assert.equal(r.statusCode, 401);
    assert.equal(r.headers['www-authenticate'], 'Bearer realm="sparkport"', 'tokens and JWTs share one challenge');
    assert.equal(JSON.parse(r.body).code, 'UNAUTHORIZED');
    assert.ok(h.logs.some((l) => /auth: failed login \(bearer\) from 127\.0\.0\.1: unknown token/.test(l)));
    assert.ok(!h.logs.some((l) => l.includes('static-token')));
  });

  test('a good JWT: in, as its sub', async () => {
    const r = await h.json('POST', '/sessions', { kind: 'sql' }, bearer(await sign({})));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.owner, 'alice');
  });

  test('expired, not yet valid, wrong audience, wrong issuer, no exp: 401', async () => {
    const expired = await sign({ exp: Math.floor(Date.now() / 1000) - 120 });
    const r = await h.app.inject({ method: 'GET', url: '/sessions', headers: bearer(expired) });
    assert.equal(r.statusCode, 401);
    assert.deepEqual(JSON.parse(r.body), { msg: 'The token has expired', code: 'UNAUTHORIZED' });
    const future = await new SignJWT({ sub: 'alice' }).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuer(ISSUER)
      .setAudience('sparkport').setNotBefore('10m').setExpirationTime('20m').sign(key);
    assert.equal(await status(bearer(future)), 401);
    assert.equal(await status(bearer(await sign({ aud: 'another-app' }))), 401);
    assert.equal(await status(bearer(await sign({ iss: 'https://evil.example.com' }))), 401);
    assert.equal(await status(bearer(await sign({ exp: undefined }))), 401, 'a token without exp would be good forever');
    const reasons = h.logs.filter((l) => l.startsWith('auth: failed login (jwt)')).join('\n');
    assert.match(reasons, /the token has expired/);
    assert.match(reasons, /claim aud/);
    assert.match(reasons, /claim iss/);
    assert.match(reasons, /claim exp/);
  });

  test('forged: another key, a tampered payload, alg none, HS256 with the public key as secret: 401', async () => {
    assert.equal(await status(bearer(await sign({}, { key: other }))), 401, 'signed by a key not in the set, same kid');
    const [hd, , sig] = (await sign({})).split('.');
    const tampered = Buffer.from(JSON.stringify({ sub: 'root', iss: ISSUER, aud: 'sparkport', exp: 9999999999 })).toString('base64url');
    assert.equal(await status(bearer(`${hd}.${tampered}.${sig}`)), 401);
    const none = new UnsecuredJWT({ sub: 'root' }).setIssuer(ISSUER).setAudience('sparkport').setExpirationTime('5m').encode();
    assert.equal(await status(bearer(none)), 401);
    const jwk = JSON.stringify(jwks.keys[0]);
    const hs = await new SignJWT({ sub: 'root' }).setProtectedHeader({ alg: 'HS256', kid: 'k1' }).setIssuer(ISSUER).setAudience('sparkport')
      .setExpirationTime('5m').sign(new TextEncoder().encode(jwk));
    assert.equal(await status(bearer(hs)), 401);
    assert.ok(!h.logs.some((l) => l.includes(sig!)), 'no token in the log');
  });

  test('a JWT without the user claim, or with a bad one: 401', async () => {
    assert.equal(await status(bearer(await sign({ sub: undefined }))), 401);
    assert.equal(await status(bearer(await sign({ sub: 'a\nb' }))), 401);
  });
});

describe('JWT user claim', () => {
  test('auth.jwt.userClaim picks the claim that names the user', async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sparkport-auth-claim-'));
    writeFileSync(path.join(dir, 'jwks.json'), JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'r1' }] }));
    const h = await makeHarness((c) => {
      c.auth.jwt.jwksFile = path.join(dir, 'jwks.json');
      c.auth.jwt.audience = ['sparkport', 'notebooks'];
      c.auth.jwt.userClaim = 'preferred_username';
    });
    try {
      const t = await new SignJWT({ sub: 'f81d4fae', preferred_username: 'dana' }).setProtectedHeader({ alg: 'RS256', kid: 'r1' })
        .setAudience('notebooks').setExpirationTime('5m').sign(privateKey);
      const r = await h.json('POST', '/sessions', { kind: 'sql' }, bearer(t));
      assert.equal(r.body.owner, 'dana');
      // With no static tokens configured, a token that is not a JWT is nobody's.
      assert.equal((await h.app.inject({ method: 'GET', url: '/sessions', headers: bearer('not-a-jwt') })).statusCode, 401);
    } finally {
      await h.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
