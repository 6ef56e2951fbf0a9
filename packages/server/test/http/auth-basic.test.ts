/**
 * HTTP Basic against an htpasswd file, through the whole app: 401 with a challenge and
 * {msg, code} without credentials, the user as the owner of what it creates, the file re-read
 * when operators change it, failures logged without the secret and, past the limit, 429.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ENDPOINTS } from '@sparkport/protocol';
import bcrypt from 'bcryptjs';
import { makeHarness } from '../support/harness.ts';

type Harness = Awaited<ReturnType<typeof makeHarness>>;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'sparkport-auth-basic-'));
const htpasswd = path.join(tmp, 'htpasswd');
// Cost 4: the tests check the rule, not bcrypt's slowness.
const line = (user: string, pw: string, prefix = '$2b$') => `${user}:${bcrypt.hashSync(pw, 4).replace('$2b$', prefix)}`;
const basic = (user: string, pw: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}` });

describe('HTTP Basic', () => {
  let h: Harness;
  const get = (url: string, headers: Record<string, string> = {}, remoteAddress?: string) =>
    h.app.inject({ method: 'GET', url, headers, ...(remoteAddress ? { remoteAddress } : {}) });

  before(async () => {
    writeFileSync(htpasswd, `# the team\n${line('alice', 'correct horse')}\n${line('bob', 'b0b', '$2y$')}\n`);
    h = await makeHarness((c) => {
      c.auth.basic.htpasswdFile = htpasswd;
      c.auth.rateLimit.failures = 5;
    });
  });
  after(async () => {
    await h.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  test('without credentials: 401, a Basic challenge and {msg, code: UNAUTHORIZED}', async () => {
    for (const [method, url] of [['GET', '/sessions'], ['POST', '/sessions'], ['GET', '/batches'], ['DELETE', '/sessions/0'], ['GET', '/no/such/thing']]) {
      const r = await h.app.inject({ method: method as 'GET', url, remoteAddress: '10.9.0.1' });
      assert.equal(r.statusCode, 401, `${method} ${url}`);
      assert.equal(r.headers['www-authenticate'], 'Basic realm="sparkport", charset="UTF-8"');
      assert.deepEqual(JSON.parse(r.body), { msg: 'Authentication required (basic)', code: 'UNAUTHORIZED' });
    }
  });

  test('endpoints declared public answer without credentials; every other one asks for them', async () => {
    for (const ep of ENDPOINTS) {
      const url = ep.url.replace(/:\w+/g, '0');
      const r = await h.app.inject({ method: ep.method, url, remoteAddress: '10.9.0.2' });
      if (ep.access === 'public') assert.notEqual(r.statusCode, 401, `${ep.method} ${ep.url} is public`);
      else assert.equal(r.statusCode, 401, `${ep.method} ${ep.url}`);
    }
    assert.equal((await get('/openapi.json')).statusCode, 200);
    // No route answers OPTIONS: 405 with the methods the path has, not 401.
    assert.equal((await h.app.inject({ method: 'OPTIONS', url: '/sessions', remoteAddress: '10.9.0.2' })).statusCode, 405, 'a preflight is not asked for credentials');
  });

  test('good credentials: in, and the user owns what it creates ($2y$ hashes too)', async () => {
    assert.equal((await get('/sessions', basic('alice', 'correct horse'))).statusCode, 200);
    const created = await h.json('POST', '/sessions', { kind: 'pyspark' }, basic('bob', 'b0b'));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.owner, 'bob');
    // The second time comes from the verified-password cache, and must say the same.
    assert.equal((await get('/sessions', basic('alice', 'correct horse'))).statusCode, 200);
  });

  test('a non-ASCII password in UTF-8 (RFC 7617) or Latin-1 (what Python requests sends)', async () => {
    writeFileSync(htpasswd, `${line('alice', 'correct horse')}\n${line('bob', 'b0b', '$2y$')}\n${line('zoë', 'café')}\n`);
    assert.equal((await get('/sessions', basic('zoë', 'café'))).statusCode, 200);
    const latin1 = `Basic ${Buffer.from('zoë:café', 'latin1').toString('base64')}`;
    assert.equal((await get('/sessions', { authorization: latin1 })).statusCode, 200);
  });

  test('a wrong password or an unknown user: the same 401, logged with user, method, address and reason, never the password', async () => {
    const wrong = await get('/sessions', basic('alice', 'Tr0ub4dor&3'), '10.9.0.3');
    const nobody = await get('/sessions', basic('mallory', 'Tr0ub4dor&3'), '10.9.0.3');
    for (const r of [wrong, nobody]) {
      assert.equal(r.statusCode, 401);
      assert.deepEqual(JSON.parse(r.body), { msg: 'Authentication failed', code: 'UNAUTHORIZED' });
      assert.match(String(r.headers['www-authenticate']), /^Basic realm="sparkport"/);
    }
    const logged = h.logs.filter((l) => l.startsWith('auth: failed login'));
    assert.ok(logged.includes('auth: failed login (basic) for user "alice" from 10.9.0.3: wrong password'), logged.join('\n'));
    assert.ok(logged.includes('auth: failed login (basic) for user "mallory" from 10.9.0.3: no such user'), logged.join('\n'));
    assert.ok(!h.logs.some((l) => l.includes('Tr0ub4dor') || l.includes('correct horse')), 'no password in any log line');
    // After a success was cached, a wrong password must still fail.
    assert.equal((await get('/sessions', basic('alice', 'correct horsE'), '10.9.0.3')).statusCode, 401);
  });

  test('malformed Basic and credentials of a scheme no method takes are failures too', async () => {
    assert.equal((await get('/sessions', { authorization: 'Basic !!!' }, '10.9.0.4')).statusCode, 401);
    assert.equal((await get('/sessions', { authorization: 'Bearer abc' }, '10.9.0.4')).statusCode, 401);
    assert.ok(h.logs.includes('auth: failed login (none) from 10.9.0.4: no configured method (basic) accepts "Bearer" credentials'));
  });

  test('operators add and remove users without a restart; a broken file lets no one in', async () => {
    assert.equal((await get('/sessions', basic('carol', 'c4rol'))).statusCode, 401);
    writeFileSync(htpasswd, `${line('alice', 'correct horse')}\n${line('carol', 'c4rol')}\n`);
    assert.equal((await get('/sessions', basic('carol', 'c4rol'))).statusCode, 200, 'a new user is in');
    assert.equal((await get('/sessions', basic('bob', 'b0b'))).statusCode, 401, 'a removed user is out');
    writeFileSync(htpasswd, `${line('alice', 'correct horse')}\ncarol:$apr1$x$y\n`);
    assert.equal((await get('/sessions', basic('alice', 'correct horse'))).statusCode, 401, 'fails closed, even for a cached password');
    assert.ok(h.logs.some((l) => /htpasswd file .* is invalid, refusing its credentials until it is fixed: line 2 \(user "carol"\) has an MD5/.test(l)));
    writeFileSync(htpasswd, `${line('alice', 'correct horse')}\n`);
    assert.equal((await get('/sessions', basic('alice', 'correct horse'))).statusCode, 200);
  });

  test('too many failures from one address: 429 with Retry-After, good credentials or not; other addresses unaffected', async () => {
    for (let i = 0; i < 5; i++) assert.equal((await get('/sessions', basic('alice', `guess-${i}`), '10.9.0.99')).statusCode, 401);
    const blocked = await get('/sessions', basic('alice', 'correct horse'), '10.9.0.99');
    assert.equal(blocked.statusCode, 429);
    assert.equal(JSON.parse(blocked.body).code, 'TOO_MANY_AUTH_FAILURES');
    const retry = Number(blocked.headers['retry-after']);
    assert.ok(retry > 0 && retry <= 60, `Retry-After ${retry}`);
    assert.ok(h.logs.some((l) => l.includes('5 failed logins from 10.9.0.99 within 60 s')));
    assert.equal((await get('/openapi.json', {}, '10.9.0.99')).statusCode, 200, 'public endpoints stay open');
    assert.equal((await get('/sessions', basic('alice', 'correct horse'), '10.9.0.98')).statusCode, 200);
  });
});
