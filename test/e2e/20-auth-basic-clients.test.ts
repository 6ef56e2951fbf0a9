/**
 * Authentication end to end, on a server of its own (the suite's shared server runs without it):
 * HTTP Basic against an htpasswd file and static tokens, with pylivy, sparkmagic and Sparkport's
 * Python client through Basic on real Spark (test/livy-clients/basic_auth_flow.py), the CLI with
 * a token, and the refusal to serve beyond loopback with no method configured.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import bcrypt from 'bcryptjs';
import { freePort, startOwnServer, type OwnServer } from './own-server.ts';
import { ROOT, runPython } from './run-python.ts';

const PYTHON = path.join(ROOT, '.venv-clients/bin/python');
const USER = 'alice';
const PASSWORD = 'correct horse battery staple';
const TOKEN = 'ci-token-0f3a9';

describe('authentication, end to end', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sparkport-e2e-auth-'));
  let server: OwnServer | undefined;
  let base = '';

  before(async () => {
    // What `htpasswd -B` writes ($2y$, cost 5), and a token stored as its sha256.
    writeFileSync(path.join(dir, 'htpasswd'), `${USER}:${bcrypt.hashSync(PASSWORD, 5).replace(/^\$2b\$/, '$2y$')}\n`);
    writeFileSync(path.join(dir, 'tokens'), `ci-bot:${createHash('sha256').update(TOKEN).digest('hex')}\n`);
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify({
      auth: { basic: { htpasswdFile: path.join(dir, 'htpasswd') }, tokens: { file: path.join(dir, 'tokens') }, rateLimit: { failures: 50 } },
    }));
    server = await startOwnServer({ dataDir: path.join(dir, 'data'), args: ['--config', path.join(dir, 'config.json')] });
    base = server.base;
  });
  after(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('plain HTTP: 401 with the challenges and {msg, code}; the credentials let a request in', async () => {
    const anon = await fetch(`${base}/sessions`);
    assert.equal(anon.status, 401);
    assert.match(anon.headers.get('www-authenticate') ?? '', /Basic realm="sparkport".*Bearer realm="sparkport"/);
    assert.deepEqual(await anon.json(), { msg: 'Authentication required (basic, bearer)', code: 'UNAUTHORIZED' });
    const basic = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
    assert.equal((await fetch(`${base}/sessions`, { headers: { authorization: basic } })).status, 200);
    assert.equal((await fetch(`${base}/sessions`, { headers: { authorization: `Bearer ${TOKEN}` } })).status, 200);
    assert.equal((await fetch(`${base}/sessions`, { headers: { authorization: 'Bearer nope' } })).status, 401);
  });

  test('pylivy, sparkmagic and the Python client through Basic; a wrong password is a 401', async () => {
    assert.ok(existsSync(PYTHON), 'no .venv-clients: run `node scripts/setup.mjs --livy-clients` (npm test does)');
    const conf = mkdtempSync(path.join(os.tmpdir(), 'sparkmagic-auth-'));
    writeFileSync(path.join(conf, 'config.json'), JSON.stringify({ livy_session_startup_timeout_seconds: 170 }));
    try {
      const r = await runPython(PYTHON, ['test/livy-clients/basic_auth_flow.py', base, USER, PASSWORD], { SPARKMAGIC_CONF_DIR: conf, HOME: conf });
      process.stdout.write(r.stdout.split('\n').filter((l) => l.startsWith('ok:')).map((l) => `# ${l}\n`).join(''));
      assert.equal(r.code, 0, `${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
      assert.match(r.stdout, /basic auth: all checks passed/);
    } finally {
      rmSync(conf, { recursive: true, force: true });
    }
    // The log is JSON lines: the message is read from them, not from the escaped text.
    const said = server!.stderr().split('\n').flatMap((l) => { try { return [String(JSON.parse(l).msg)]; } catch { return []; } });
    assert.ok(said.includes(`auth: failed login (basic) for user "${USER}" from 127.0.0.1: wrong password`), server!.stderr().slice(-2000));
    assert.ok(!server!.stderr().includes(PASSWORD), 'the password is never logged');
  });

  test('the CLI with SPARKPORT_TOKEN, and exit 3 (refused) without it', () => {
    const cli = (env: Record<string, string>) => spawnSync(path.join(ROOT, 'bin/sparkport'), ['--url', base, 'sessions', 'list'], {
      env: { ...process.env, SPARKPORT_TOKEN: '', SPARKPORT_USER: '', ...env }, encoding: 'utf8',
    });
    const good = cli({ SPARKPORT_TOKEN: TOKEN });
    assert.equal(good.status, 0, good.stderr);
    const anon = cli({});
    assert.equal(anon.status, 3);
    assert.match(anon.stderr, /Authentication required .*401 UNAUTHORIZED/);
    const basic = cli({ SPARKPORT_USER: USER, SPARKPORT_PASSWORD: PASSWORD });
    assert.equal(basic.status, 0, basic.stderr);
  });

  test('access.runAsOwner: the session\'s Spark runs as the user who created it, not as the server', async () => {
    // A server of its own, so the flows above keep showing the default (the server's user).
    const config = path.join(dir, 'run-as-owner.json');
    writeFileSync(config, JSON.stringify({ auth: { tokens: { file: path.join(dir, 'tokens') } }, access: { runAsOwner: true } }));
    const own = await startOwnServer({ dataDir: path.join(dir, 'data-run-as-owner'), args: ['--config', config] });
    const as = (method: string, url: string, body?: unknown) => fetch(`${own.base}${url}`, {
      method, headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    }).then(async (r) => ({ status: r.status, body: await r.json() as any }));
    let id: number | undefined;
    try {
      const created = await as('POST', '/sessions', { kind: 'pyspark' });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(created.body.owner, 'ci-bot');
      assert.equal(created.body.proxyUser, 'ci-bot');
      id = created.body.id;
      const deadline = Date.now() + 180_000;
      for (let st = created.body.state; st !== 'idle'; st = (await as('GET', `/sessions/${id}/state`)).body.state) {
        assert.ok(['not_started', 'starting'].includes(st) && Date.now() < deadline, `session ${id} is ${st}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      const py = await as('POST', `/sessions/${id}/statements?wait=120`, {
        code: 'from pyspark.sql import functions as F\nprint(spark.sparkContext.sparkUser(), spark.range(1).select(F.current_user()).first()[0])',
      });
      assert.equal(py.body.output?.data?.['text/plain'], 'ci-bot ci-bot', JSON.stringify(py.body.output));
      const sql = await as('POST', `/sessions/${id}/statements?wait=120`, { code: 'SELECT current_user() AS u', kind: 'sql' });
      assert.deepEqual(sql.body.output?.data?.['application/json']?.data, [['ci-bot']], JSON.stringify(sql.body.output));
      assert.match(own.stderr(), /WARNING: access\.runAsOwner: client-mode drivers run on this machine as this server's OS user/);
    } finally {
      if (id !== undefined) await as('DELETE', `/sessions/${id}`).catch(() => undefined);
      await own.stop();
    }
  });

  test('no method and a non-loopback address: the server refuses to start, naming the setting', async () => {
    const r = spawnSync(path.join(ROOT, 'bin/sparkport'), ['serve', '--host', '0.0.0.0', '--port', String(await freePort()), '--data-dir', path.join(dir, 'refused')], {
      env: { ...process.env, SPARKPORT_CONFIG: '' }, encoding: 'utf8', timeout: 60_000,
    });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /Refusing to listen on 0\.0\.0\.0 without authentication.*auth\.allowUnauthenticated: true/);
  });
});
