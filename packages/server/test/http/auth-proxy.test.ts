/**
 * A trusted proxy's user header next to Basic and static tokens: believed from the proxy's
 * addresses only (the socket's address, never X-Forwarded-For), refused and logged from anyone
 * else. Then what several methods at once look like to a client (one challenge each) and in
 * the OpenAPI document (one security scheme each, public endpoints exempt).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import bcrypt from 'bcryptjs';
import { makeHarness } from '../support/harness.ts';

type Harness = Awaited<ReturnType<typeof makeHarness>>;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'sparkport-auth-proxy-'));
const basic = (user: string, pw: string) => `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}`;

describe('trusted proxy, with Basic and tokens beside it', () => {
  let h: Harness;
  const create = async (remoteAddress: string, headers: Record<string, string>) => {
    const r = await h.app.inject({ method: 'POST', url: '/sessions', remoteAddress, headers: { 'content-type': 'application/json', ...headers }, payload: '{"kind":"sql"}' });
    return { status: r.statusCode, body: JSON.parse(r.body), headers: r.headers };
  };

  before(async () => {
    writeFileSync(path.join(tmp, 'htpasswd'), `alice:${bcrypt.hashSync('pw', 4)}\n`);
    writeFileSync(path.join(tmp, 'tokens'), `ci:${createHash('sha256').update('tok').digest('hex')}\n`);
    h = await makeHarness((c) => {
      c.auth.proxy.header = 'X-Forwarded-User';
      c.auth.proxy.trustedAddresses = ['10.0.0.5', '10.1.0.0/16'];
      c.auth.basic.htpasswdFile = path.join(tmp, 'htpasswd');
      c.auth.tokens.file = path.join(tmp, 'tokens');
    });
  });
  after(async () => {
    await h.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  test('from a proxy address the header names the user (IPv4-mapped addresses too)', async () => {
    assert.equal((await create('10.0.0.5', { 'x-forwarded-user': 'frank' })).body.owner, 'frank');
    assert.equal((await create('10.1.7.9', { 'x-forwarded-user': 'grace' })).body.owner, 'grace');
    assert.equal((await create('::ffff:10.0.0.5', { 'x-forwarded-user': 'heidi' })).body.owner, 'heidi');
    // The proxy's word wins over whatever Authorization it passes along.
    assert.equal((await create('10.0.0.5', { 'x-forwarded-user': 'frank', authorization: basic('alice', 'wrong') })).body.owner, 'frank');
  });

  test('from a proxy address without the header, the other methods still work', async () => {
    assert.equal((await create('10.0.0.5', { authorization: basic('alice', 'pw') })).body.owner, 'alice');
    assert.equal((await create('10.0.0.5', { authorization: 'Bearer tok' })).body.owner, 'ci');
    assert.equal((await create('10.0.0.5', {})).status, 401);
  });

  test('the header from anyone else: 401 and logged, even with good credentials or a forged X-Forwarded-For', async () => {
    const extras: Record<string, string>[] = [{}, { authorization: basic('alice', 'pw') }, { 'x-forwarded-for': '10.0.0.5' }, { 'x-real-ip': '10.0.0.5' }];
    for (const extra of extras) {
      const r = await create('192.0.2.7', { 'x-forwarded-user': 'root', ...extra });
      assert.equal(r.status, 401, JSON.stringify(extra));
      assert.deepEqual(r.body, { msg: 'The x-forwarded-user header is accepted only from the configured proxy (auth.proxy.trustedAddresses)', code: 'UNAUTHORIZED' });
    }
    assert.ok(h.logs.includes('auth: failed login (proxy) for user "root" from 192.0.2.7: x-forwarded-user header from 192.0.2.7, which is not a trusted proxy address'), h.logs.join('\n'));
  });

  test('a bad name from the proxy, or the header twice, is refused', async () => {
    assert.equal((await create('10.0.0.5', { 'x-forwarded-user': '' })).status, 401);
    assert.equal((await create('10.0.0.5', { 'x-forwarded-user': 'x'.repeat(300) })).status, 401);
  });

  test('one WWW-Authenticate challenge per method that has one', async () => {
    const r = await create('192.0.2.8', {});
    assert.deepEqual(r.headers['www-authenticate'], ['Basic realm="sparkport", charset="UTF-8"', 'Bearer realm="sparkport"']);
    assert.equal(r.body.msg, 'Authentication required (proxy, basic, bearer)');
  });

  test('the OpenAPI document declares each method as a security scheme, any one of which will do; public endpoints need none', async () => {
    const doc = (await h.json('GET', '/openapi.json')).body;
    assert.deepEqual(Object.keys(doc.components.securitySchemes).sort(), ['basic', 'bearer', 'proxy']);
    assert.deepEqual(doc.components.securitySchemes.proxy, {
      type: 'apiKey', in: 'header', name: 'X-Forwarded-User', description: 'Set by the trusted proxy (auth.proxy.trustedAddresses) only',
    });
    assert.equal(doc.components.securitySchemes.basic.scheme, 'basic');
    assert.equal(doc.components.securitySchemes.bearer.scheme, 'bearer');
    assert.deepEqual(doc.security, [{ proxy: [] }, { basic: [] }, { bearer: [] }]);
    assert.deepEqual(doc.paths['/openapi.json'].get.security, []);
    assert.equal(doc.paths['/sessions'].post.security, undefined, 'the document-wide requirement applies');
    assert.ok(doc.components.schemas, 'the schemas are still there');
  });
});

describe('the OpenAPI document with authentication off', () => {
  test('declares no security', async () => {
    const h = await makeHarness();
    try {
      const doc = (await h.json('GET', '/openapi.json')).body;
      assert.equal(doc.security, undefined);
      assert.equal(doc.components.securitySchemes, undefined);
      assert.equal((await h.json('GET', '/sessions')).status, 200, 'and asks no one for credentials');
    } finally {
      await h.close();
    }
  });
});

describe('JWT as the bearer format', () => {
  test('with auth.jwt on, the bearer scheme says JWT', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sparkport-auth-jwtdoc-'));
    writeFileSync(path.join(dir, 'jwks.json'), JSON.stringify({ keys: [{ kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0' }] }));
    const h = await makeHarness((c) => { c.auth.jwt.jwksFile = path.join(dir, 'jwks.json'); c.auth.jwt.audience = 'sparkport'; });
    try {
      const doc = (await h.json('GET', '/openapi.json')).body;
      assert.equal(doc.components.securitySchemes.bearer.bearerFormat, 'JWT');
      assert.deepEqual(doc.security, [{ bearer: [] }]);
    } finally {
      await h.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
