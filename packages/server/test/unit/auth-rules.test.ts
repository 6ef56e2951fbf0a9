/**
 * The rules around authentication that need no request: the failed-login window (bounded
 * memory), proxy address matching, what counts as loopback, the refusal to serve the network
 * unauthenticated, and the auth settings from a file and from SPARKPORT_AUTH__* variables.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { defaultConfig, loadConfig, type Config } from '../../src/config.ts';
import { FailureLimiter } from '../../src/http/auth/failures.ts';
import { buildAuthenticators, checkAuthAtStart, checkExposure, isLoopbackHost } from '../../src/http/auth/methods.ts';
import { addressMatcher } from '../../src/http/client-address.ts';
import { startServer } from '../../src/server.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'sparkport-auth-rules-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('failed logins per address', () => {
  test('max failures in the window block the address until the window ends; others are unaffected', () => {
    let now = 0;
    const l = new FailureLimiter(3, 60_000, () => now);
    assert.equal(l.fail('10.0.0.1'), false);
    assert.equal(l.fail('10.0.0.1'), false);
    assert.equal(l.blockedFor('10.0.0.1'), 0);
    assert.equal(l.fail('10.0.0.1'), true, 'the failure that reaches the limit is reported, once');
    assert.equal(l.fail('10.0.0.1'), false);
    now = 15_000;
    assert.equal(l.blockedFor('10.0.0.1'), 45);
    assert.equal(l.blockedFor('10.0.0.2'), 0);
    now = 60_000;
    assert.equal(l.blockedFor('10.0.0.1'), 0, 'a new window starts clean');
    assert.equal(l.fail('10.0.0.1'), false);
  });

  test('0 failures means no limit', () => {
    const l = new FailureLimiter(0, 60_000);
    for (let i = 0; i < 100; i++) l.fail('a');
    assert.equal(l.blockedFor('a'), 0);
  });

  test('memory is bounded: expired windows go first, then the oldest', () => {
    let now = 0;
    const l = new FailureLimiter(2, 1000, () => now, 100);
    for (let i = 0; i < 100; i++) l.fail(`old-${i}`);
    now = 2000;
    for (let i = 0; i < 1000; i++) l.fail(`new-${i}`);
    assert.equal(l.size, 100);
    l.fail('new-999');
    assert.ok(l.blockedFor('new-999') > 0, 'the newest addresses are still counted');
  });
});

describe('trusted proxy addresses', () => {
  test('IPs and CIDRs, IPv4 and IPv6', () => {
    const m = addressMatcher(['10.1.2.3', '192.168.0.0/16', '::1', 'fd00::/8'], 'x');
    for (const a of ['10.1.2.3', '192.168.77.1', '::1', 'fd12::5']) assert.ok(m(a), a);
    for (const a of ['10.1.2.4', '192.169.0.1', '::2', 'fe80::1', '', 'not-an-ip']) assert.ok(!m(a), a);
  });

  test('a bad entry is a startup error naming the setting', () => {
    // A trailing slash once read as /0 and trusted every address.
    for (const bad of ['10.0.0.0/33', 'proxy.example', '10.0.0.1/8/1', '::1/129', '10.0.0.0/x', '10.0.0.5/', '::1/', '10.0.0.0/-1', '10.0.0.0/ 8', '10.0.0.0/8.0']) {
      assert.throws(() => addressMatcher([bad], 'auth.proxy.trustedAddresses'), /auth\.proxy\.trustedAddresses: .* is not an IP address or CIDR/, bad);
    }
  });
});

describe('authentication off only on loopback', () => {
  test('loopback addresses', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1']) assert.ok(isLoopbackHost(h), h);
    for (const h of ['0.0.0.0', '::', '10.0.0.5', 'myhost', '128.0.0.1', '::ffff:10.0.0.1']) assert.ok(!isLoopbackHost(h), h);
  });

  const cfg = (tweak: (c: Config) => void) => {
    const c = defaultConfig();
    tweak(c);
    return c;
  };

  test('a non-loopback address without a method is refused, naming the setting that allows it', async () => {
    assert.throws(() => checkExposure(cfg((c) => { c.host = '0.0.0.0'; }), []),
      /Refusing to listen on 0\.0\.0\.0 without authentication.*auth\.allowUnauthenticated: true \(SPARKPORT_AUTH__ALLOW_UNAUTHENTICATED=true\)/);
    checkExposure(cfg(() => undefined), []);
    const logs: string[] = [];
    await checkAuthAtStart(cfg((c) => { c.host = '0.0.0.0'; c.auth.allowUnauthenticated = true; }), (m) => logs.push(m));
    assert.match(logs[0]!, /WARNING: no authentication on 0\.0\.0\.0/);
    const file = path.join(tmp, 'tokens');
    writeFileSync(file, `ci:${'a'.repeat(64)}\n`);
    const withTokens = cfg((c) => { c.host = '0.0.0.0'; c.auth.tokens.file = file; });
    checkExposure(withTokens, buildAuthenticators(withTokens, () => undefined));
  });

  test('credentials sent as they are, over plain HTTP beyond loopback, are warned about at start', async () => {
    const file = path.join(tmp, 'tokens-plain');
    writeFileSync(file, `ci:${'a'.repeat(64)}\n`);
    const said = async (tweak: (c: Config) => void) => {
      const logs: string[] = [];
      await checkAuthAtStart(cfg((c) => { c.auth.tokens.file = file; tweak(c); }), (m) => logs.push(m));
      return logs.join('\n');
    };
    assert.match(await said((c) => { c.host = '0.0.0.0'; }), /WARNING: API tokens \(auth\.tokens\) cross the network in the clear on 0\.0\.0\.0 without TLS.*http\.tls\.certFile/);
    assert.equal(await said(() => undefined), '', 'loopback: nothing crosses a network');
    assert.equal(await said((c) => { c.host = '0.0.0.0'; c.http.tls.certFile = '/c.pem'; c.http.tls.keyFile = '/k.pem'; }), '', 'TLS on');
  });

  test('access.runAsOwner: what it does not do with these settings is said at start', async () => {
    const file = path.join(tmp, 'tokens-run-as');
    writeFileSync(file, `ci:${'a'.repeat(64)}\n`);
    const said = async (tweak: (c: Config) => void) => {
      const logs: string[] = [];
      await checkAuthAtStart(cfg((c) => { c.access.runAsOwner = true; tweak(c); }), (m) => logs.push(m));
      return logs.join('\n');
    };
    assert.match(await said(() => undefined), /WARNING: access\.runAsOwner is on but no authentication method is/);
    const withTokens = await said((c) => { c.auth.tokens.file = file; c.sessions.warmDrivers = 2; });
    assert.match(withTokens, /client-mode drivers run on this machine as this server's OS user.*Kerberos ticket cache.*Kerberized YARN/);
    assert.match(withTokens, /sessions\.warmDrivers 2 only holds memory/);
    const yarnCluster = (c: Config) => { c.auth.tokens.file = file; c.spark.master = 'yarn'; c.spark.deployMode = 'cluster'; c.sessions.warmDrivers = 2; };
    assert.equal(await said(yarnCluster), '', 'YARN cluster mode, auth on, and no warm drivers there whatever the setting: nothing to say');
    assert.match(await said((c) => { yarnCluster(c); c.spark.allowedDeployModes = ['client']; }), /client-mode drivers run on this machine/, 'a request may choose client mode');
    assert.match(await said((c) => { yarnCluster(c); c.spark.allowedMasters = ['local[2]']; }), /client-mode drivers run on this machine/, 'a request may choose a local master');
    assert.match(await said((c) => { c.auth.tokens.file = file; c.spark.master = 'spark://m:7077'; c.spark.deployMode = 'cluster'; }),
      /runAsOwner does nothing on spark:\/\/m:7077 in cluster deploy mode: Spark standalone's cluster deploy mode starts the driver as the worker's user/);
  });

  test('startServer refuses before it opens anything (no store file, no listener)', async () => {
    const dataDir = path.join(tmp, 'never-created');
    const c = cfg((x) => { x.host = '0.0.0.0'; x.port = 0; x.dataDir = dataDir; });
    await assert.rejects(startServer(c, { log: () => undefined }), /Refusing to listen on 0\.0\.0\.0/);
    await assert.rejects(startServer(cfg((x) => { x.auth.basic.htpasswdFile = path.join(tmp, 'missing'); x.dataDir = dataDir; }), { log: () => undefined }),
      /Cannot read the htpasswd file \(auth\.basic\.htpasswdFile\)/);
  });

  test('bad method settings are startup errors', () => {
    const jwks = path.join(tmp, 'jwks.json');
    writeFileSync(jwks, '{"keys":[]}');
    const cases: [(c: Config) => void, RegExp][] = [
      [(c) => { c.auth.jwt.jwksFile = jwks; }, /auth\.jwt\.audience must be set/],
      [(c) => { c.auth.jwt.audience = 'sparkport'; }, /auth\.jwt needs keys: set auth\.jwt\.jwksFile, or auth\.jwt\.issuer/],
      [(c) => { c.auth.jwt.audience = 'sparkport'; c.auth.jwt.jwksFile = jwks; }, /JWKS file .* is invalid: expected a JSON Web Key Set/],
      [(c) => { c.auth.jwt.audience = 'a'; c.auth.jwt.issuer = 'http://idp.example.com'; }, /auth\.jwt\.issuer must be an https URL \(http only on loopback\)/],
      [(c) => { c.auth.proxy.header = 'X-Forwarded-User'; }, /auth\.proxy\.trustedAddresses must list the proxy's addresses/],
      [(c) => { c.auth.proxy.header = 'Authorization'; c.auth.proxy.trustedAddresses = ['10.0.0.1']; }, /auth\.proxy\.header cannot be Authorization/],
      [(c) => { c.auth.rateLimit.failures = -1; }, /auth\.rateLimit\.failures must be a whole number/],
    ];
    for (const [tweak, re] of cases) assert.throws(() => buildAuthenticators(cfg(tweak), () => undefined), re);
    const ok = cfg((c) => { c.auth.jwt.audience = ['a', 'b']; c.auth.jwt.issuer = 'http://127.0.0.1:1/realms/x'; });
    assert.deepEqual(buildAuthenticators(ok, () => undefined).map((a) => a.name), ['jwt']);
  });
});

describe('auth settings', () => {
  test('from SPARKPORT_AUTH__* variables and a JSON file; the CLI\'s variables are not settings', () => {
    const c = loadConfig({
      env: {
        SPARKPORT_AUTH__BASIC__HTPASSWD_FILE: '/etc/sparkport/htpasswd',
        SPARKPORT_AUTH__TOKENS__FILE: '/etc/sparkport/tokens',
        SPARKPORT_AUTH__JWT__ISSUER: 'https://idp.example.com/realms/team',
        SPARKPORT_AUTH__JWT__AUDIENCE: 'sparkport',
        SPARKPORT_AUTH__JWT__USER_CLAIM: 'preferred_username',
        SPARKPORT_AUTH__PROXY__HEADER: 'X-Forwarded-User',
        SPARKPORT_AUTH__PROXY__TRUSTED_ADDRESSES: '10.0.0.5, 10.0.1.0/24',
        SPARKPORT_AUTH__ALLOW_UNAUTHENTICATED: 'true',
        SPARKPORT_AUTH__RATE_LIMIT__FAILURES: '5',
        SPARKPORT_USER: 'alice', SPARKPORT_PASSWORD: 'pw', SPARKPORT_TOKEN: 't',
      },
    });
    assert.deepEqual(c.auth, {
      allowUnauthenticated: true,
      basic: { htpasswdFile: '/etc/sparkport/htpasswd' },
      tokens: { file: '/etc/sparkport/tokens' },
      jwt: { jwksFile: null, issuer: 'https://idp.example.com/realms/team', audience: 'sparkport', userClaim: 'preferred_username', clockSkewSeconds: 30 },
      negotiate: { keytab: null, principal: null },
      proxy: { header: 'X-Forwarded-User', trustedAddresses: ['10.0.0.5', '10.0.1.0/24'] },
      rateLimit: { failures: 5, windowSeconds: 60 },
    });
    const file = path.join(tmp, 'config.json');
    writeFileSync(file, JSON.stringify({ auth: { jwt: { audience: ['a', 'b'], jwksFile: '/k.json' }, rateLimit: { windowSeconds: 300 } } }));
    const f = loadConfig({ file, env: {} });
    assert.deepEqual(f.auth.jwt.audience, ['a', 'b']);
    assert.equal(f.auth.rateLimit.windowSeconds, 300);
    writeFileSync(file, JSON.stringify({ auth: { basic: { file: 'x' } } }));
    assert.throws(() => loadConfig({ file, env: {} }), /Unknown setting 'auth\.basic\.file'/);
  });
});
