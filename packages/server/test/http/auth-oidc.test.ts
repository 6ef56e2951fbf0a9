/**
 * JWTs against an OIDC issuer's published keys: a tiny identity provider on loopback serves the
 * discovery document and the JWKS; the server finds the keys through auth.jwt.issuer alone. An
 * unreachable issuer is a 503 (the server's problem), not a failed login held against the client.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { makeHarness } from '../support/harness.ts';

type Harness = Awaited<ReturnType<typeof makeHarness>>;

describe('JWTs from an OIDC issuer', () => {
  let idp: http.Server;
  let issuer: string;
  let key: CryptoKey;
  let jwks: object;
  const hits: string[] = [];
  let h: Harness;
  const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
  const sign = (claims: Record<string, unknown> = {}) =>
    new SignJWT({ sub: 'erin', ...claims }).setProtectedHeader({ alg: 'ES256', kid: 'idp-1' })
      .setIssuer(issuer).setAudience('sparkport').setExpirationTime('5m').sign(key);

  before(async () => {
    const pair = await generateKeyPair('ES256');
    key = pair.privateKey;
    jwks = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'idp-1', alg: 'ES256', use: 'sig' }] };
    idp = http.createServer((req, res) => {
      hits.push(req.url!);
      const base = `http://127.0.0.1:${(idp.address() as AddressInfo).port}`;
      if (req.url === '/realms/team/.well-known/openid-configuration') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ issuer: `${base}/realms/team`, jwks_uri: `${base}/realms/team/certs` }));
      } else if (req.url === '/realms/team/certs') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(jwks));
      } else if (req.url === '/realms/liar/.well-known/openid-configuration') {
        res.end(JSON.stringify({ issuer: 'https://someone-else.example.com', jwks_uri: `${base}/realms/team/certs` }));
      } else {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((r) => idp.listen(0, '127.0.0.1', r));
    issuer = `http://127.0.0.1:${(idp.address() as AddressInfo).port}/realms/team`;
    h = await makeHarness((c) => {
      c.auth.jwt.issuer = issuer;
      c.auth.jwt.audience = 'sparkport';
    });
  });
  after(async () => {
    await h.close();
    await new Promise((r) => idp.close(r));
  });

  test('the keys are found through the discovery document on first use, and a good token is in', async () => {
    assert.equal(hits.length, 0, 'nothing fetched at start: a server starts while its issuer is down');
    const r = await h.json('POST', '/sessions', { kind: 'sql' }, bearer(await sign()));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.owner, 'erin');
    assert.deepEqual(hits, ['/realms/team/.well-known/openid-configuration', '/realms/team/certs']);
    assert.equal((await h.app.inject({ method: 'GET', url: '/sessions', headers: bearer(await sign()) })).statusCode, 200);
    assert.equal(hits.length, 2, 'the key set is cached');
  });

  test('the issuer is checked: a token from another issuer, or signed by another key, is a 401', async () => {
    const other = await new SignJWT({ sub: 'erin' }).setProtectedHeader({ alg: 'ES256', kid: 'idp-1' })
      .setIssuer(`${issuer}-evil`).setAudience('sparkport').setExpirationTime('5m').sign(key);
    assert.equal((await h.app.inject({ method: 'GET', url: '/sessions', headers: bearer(other) })).statusCode, 401);
    const stranger = (await generateKeyPair('ES256')).privateKey;
    const forged = await new SignJWT({ sub: 'erin' }).setProtectedHeader({ alg: 'ES256', kid: 'idp-1' })
      .setIssuer(issuer).setAudience('sparkport').setExpirationTime('5m').sign(stranger);
    assert.equal((await h.app.inject({ method: 'GET', url: '/sessions', headers: bearer(forged) })).statusCode, 401);
  });

  test('an issuer that cannot be reached: 503 AUTH_UNAVAILABLE, logged, and not counted as a failed login', async () => {
    const port = (idp.address() as AddressInfo).port;
    const down = await makeHarness((c) => {
      c.auth.jwt.issuer = `http://127.0.0.1:${port}/realms/missing`;
      c.auth.jwt.audience = 'sparkport';
      c.auth.rateLimit.failures = 1;
    });
    const liar = await makeHarness((c) => {
      c.auth.jwt.issuer = `http://127.0.0.1:${port}/realms/liar`;
      c.auth.jwt.audience = 'sparkport';
    });
    try {
      const t = await sign();
      for (let i = 0; i < 3; i++) {
        const r = await down.app.inject({ method: 'GET', url: '/sessions', headers: bearer(t) });
        assert.equal(r.statusCode, 503);
        assert.equal(JSON.parse(r.body).code, 'AUTH_UNAVAILABLE');
        assert.ok(Number(r.headers['retry-after']) > 0);
      }
      assert.ok(down.logs.some((l) => l.includes('cannot read the discovery document') && l.includes('HTTP 404')), down.logs.join('\n'));
      assert.equal((await liar.app.inject({ method: 'GET', url: '/sessions', headers: bearer(t) })).statusCode, 503);
      assert.ok(liar.logs.some((l) => l.includes('names issuer "https://someone-else.example.com"')), 'a discovery document must name the issuer asked about');
    } finally {
      await down.close();
      await liar.close();
    }
  });
});
