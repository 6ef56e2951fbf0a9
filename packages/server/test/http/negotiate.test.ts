/**
 * Kerberos (SPNEGO) against a real KDC: MIT's krb5kdc started here on loopback (support/kdc),
 * with HTTP/localhost's keytab for the server and tickets for alice and bob. The server is the
 * authentication hook as the app installs it, with the Negotiate method and its mutual-
 * authentication answer, in front of Livy-shaped routes; the clients are curl --negotiate,
 * requests-kerberos with mutual authentication REQUIRED, and sparkmagic's Kerberos mode, all
 * unchanged, plus hand-made tokens for what an attacker would send.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { defaultConfig } from '../../src/config.ts';
import { installAuth } from '../../src/http/auth/install.ts';
import { buildAuthenticators } from '../../src/http/auth/methods.ts';
import { NegotiateAuthenticator, loadKerberos, resolvePrincipal } from '../../src/http/auth/negotiate.ts';
import { installErrorHandler } from '../../src/http/errors.ts';
import { installIdentity } from '../../src/http/identity.ts';
import { installJsonBodyParser } from '../../src/http/json-body.ts';
import { startKdc, type Kdc } from '../support/kdc/mit-kdc.ts';

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const PYTHON = path.join(ROOT, '.venv-clients/bin/python');
const CLIENT = path.join(ROOT, 'packages/server/test/support/kdc/spnego_client.py');

let kdc: Kdc;
let app: FastifyInstance;
let base: string;
const logs: string[] = [];
let kdcMs = 0;

/** A Python client as `user` (its own ticket cache), answering one JSON line. */
async function client(user: string, ...args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run(PYTHON, [CLIENT, ...args], { env: { ...process.env, ...kdc.clientEnv(user) }, timeout: 60_000 });
  return JSON.parse(stdout.trim().split('\n').pop()!);
}
const tokenFor = async (user: string, service: string) => (await client(user, 'token', service)).token as string;
const negotiate = (token: string) => fetch(`${base}/whoami`, { headers: { authorization: `Negotiate ${token}` } });

describe('Kerberos (SPNEGO) against a real KDC', () => {
  before(async () => {
    assert.ok(existsSync(PYTHON), 'no .venv-clients: run `node scripts/setup.mjs --livy-clients` (npm test does)');
    kdc = await startKdc(['alice', 'bob'], ['HTTP/otherhost']);
    kdcMs = kdc.startMs;
    // The server process's Kerberos settings: the realm's krb5.conf and a replay cache of its own.
    process.env.KRB5_CONFIG = kdc.krb5Conf;
    process.env.KRB5RCACHEDIR = kdc.dir;
    const config = defaultConfig();
    config.auth.negotiate = { keytab: kdc.serviceKeytab, principal: kdc.servicePrincipal };
    // Built from the settings as the server builds it.
    const [negotiateMethod] = buildAuthenticators(config, (m) => logs.push(m));
    assert.ok(negotiateMethod instanceof NegotiateAuthenticator);
    await negotiateMethod.verify();
    app = Fastify();
    installIdentity(app);
    installJsonBodyParser(app);
    installErrorHandler(app, (m) => logs.push(m));
    installAuth(app, config, (m) => logs.push(m), [negotiateMethod]);
    let next = 0;
    app.get('/whoami', async (req) => ({ user: req.user }));
    app.get('/sessions', async () => ({ from: 0, total: 0, sessions: [] }));
    app.post('/sessions', async (req, reply) => reply.code(201).send({ id: next++, name: null, owner: req.user, proxyUser: null, kind: 'pyspark', state: 'starting', appId: null, appInfo: {}, log: [] }));
    app.delete('/sessions/:id', async () => ({ msg: 'deleted' }));
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://localhost:${(app.server.address() as { port: number }).port}`;
  });
  after(async () => {
    await app?.close();
    await kdc?.stop();
    process.stdout.write(`# KDC up with principals, keytabs and two users' tickets in ${kdcMs} ms\n`);
  });

  test('no credentials: 401 with a Negotiate challenge', async () => {
    const r = await fetch(`${base}/whoami`);
    assert.equal(r.status, 401);
    assert.equal(r.headers.get('www-authenticate'), 'Negotiate');
  });

  test('curl --negotiate as alice: 200 as alice, and the server proves itself (mutual authentication)', async () => {
    const { stdout } = await run('curl', ['-sS', '--negotiate', '-u', ':', '-D', '-', `${base}/whoami`], { env: { ...process.env, ...kdc.clientEnv('alice') } });
    assert.match(stdout, /^HTTP\/1.1 200/m);
    assert.match(stdout, /^www-authenticate: Negotiate [A-Za-z0-9+/]+=*\r?$/mi, 'the acceptor\'s answer token');
    assert.match(stdout, /\{"user":"alice"\}$/);
  });

  test('requests-kerberos with mutual authentication REQUIRED, as bob', async () => {
    const r = await client('bob', 'requests', `${base}/whoami`);
    assert.deepEqual(r, { status: 200, body: { user: 'bob' }, negotiate: 'Negotiate ' });
  });

  test("sparkmagic's Kerberos mode (-t Kerberos) lists, creates and deletes sessions", async () => {
    const r = await client('alice', 'sparkmagic', base);
    assert.equal(r.auth, 'Kerberos');
    assert.deepEqual(r.listed, { from: 0, total: 0, sessions: [] });
    assert.equal((r.created as { owner: string }).owner, 'alice');
  });

  test('a replayed token is refused', async () => {
    const token = await tokenFor('alice', 'HTTP@localhost');
    assert.equal((await negotiate(token)).status, 200);
    const again = await negotiate(token);
    assert.equal(again.status, 401);
    assert.match(logs.join('\n'), /failed login \(negotiate\) from 127\.0\.0\.1: GSSAPI: .*[Rr]equest is a replay/);
  });

  test('a ticket for another service of the same keytab is refused', async () => {
    const r = await negotiate(await tokenFor('bob', 'HTTP@otherhost'));
    assert.equal(r.status, 401);
    assert.match(logs.join('\n'), /for user "bob@SPARKPORT\.TEST" from 127\.0\.0\.1: ticket for HTTP\/otherhost@SPARKPORT\.TEST, not HTTP\/localhost@SPARKPORT\.TEST/);
  });

  test('forged, malformed and NTLM tokens are refused, and the log never holds a token', async () => {
    const forged = Buffer.from('`\x82\x01\x00\x06\x06+\x06\x01\x05\x05\x02' + 'x'.repeat(200), 'latin1').toString('base64');
    const ntlm = Buffer.from('NTLMSSP\0\x01\0\0\0', 'latin1').toString('base64');
    for (const t of [forged, ntlm, 'not base64!', 'A'.repeat(12_000)]) {
      const r = await negotiate(t);
      assert.equal(r.status, 401, t.slice(0, 20));
      assert.equal(r.headers.get('www-authenticate'), 'Negotiate');
    }
    const text = logs.join('\n');
    assert.match(text, /only Kerberos is accepted/);
    assert.ok(!text.includes(forged.slice(0, 40)) && !text.includes(ntlm), 'a token reached the log');
  });

  test('settings: an unreadable keytab, a missing or malformed principal and a keytab without the principal are start-up errors', async () => {
    const krb = loadKerberos();
    assert.throws(() => new NegotiateAuthenticator({ keytab: '/nonexistent.keytab', principal: '*' }, () => undefined, krb), /cannot be read: ENOENT/);
    assert.throws(() => new NegotiateAuthenticator({ keytab: kdc.serviceKeytab, principal: 'HTTP@localhost' }, () => undefined, krb), /must be service\/host@REALM/);
    assert.throws(() => new NegotiateAuthenticator({ keytab: kdc.serviceKeytab, principal: null }, () => undefined, krb), /principal must be set/);
    const missing = new NegotiateAuthenticator({ keytab: kdc.serviceKeytab, principal: 'HTTP/elsewhere@SPARKPORT.TEST' }, () => undefined, krb);
    await assert.rejects(missing.verify(), /cannot serve HTTP\/elsewhere@SPARKPORT\.TEST/);
    assert.equal(resolvePrincipal('HTTP/_HOST@R', 'Node1.Example.COM'), 'HTTP/node1.example.com@R');
    // Put back the keytab the server above uses (KRB5_KTNAME is process-wide).
    new NegotiateAuthenticator({ keytab: kdc.serviceKeytab, principal: kdc.servicePrincipal }, () => undefined, krb);
  });
});
