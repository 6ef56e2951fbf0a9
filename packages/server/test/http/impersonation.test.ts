/**
 * proxyUser over HTTP: accepted only from the user it names, superusers and users an
 * impersonation rule allows, refused (403, naming the settings) before anything is stored or
 * launched, and, once accepted, handed to spark-submit as --proxy-user.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sessionSubmitArgs } from '../../src/driver/local-launcher.ts';
import { auditLines, batchJob, makeHarness } from '../support/harness.ts';

type Harness = Awaited<ReturnType<typeof makeHarness>>;

/** The value spark-submit gets for --proxy-user, if any. */
const proxyArg = (args: string[]) => {
  const i = args.indexOf('--proxy-user');
  return i < 0 ? undefined : args[i + 1];
};

describe('proxyUser and the impersonation rules', () => {
  let h: Harness;
  let job: string;
  /** The driver launch of a session (launches wait for a start slot, so it may come a little later). */
  const launchOf = async (id: number) => {
    await h.waitFor(() => h.launcher.launched.some((l) => l.session.id === id), `session ${id} launched`);
    return h.launcher.launched.find((l) => l.session.id === id)!;
  };
  const as = (user: string) => (method: string, url: string, body?: unknown) => h.json(method, url, body, { 'x-test-user': user });

  before(async () => {
    h = await makeHarness((c) => {
      c.sessions.max = 50;
      c.access = { superusers: ['root'], viewUsers: [], modifyUsers: ['ops'], impersonation: { etl: ['reports'], '*': ['guest'] }, runAsOwner: false };
    }, undefined, { testUserHeader: true });
    job = batchJob(h.config);
  });
  after(async () => { await h.close(); });

  test('a session\'s proxyUser without a rule is 403 naming the settings; nothing is stored or launched', async () => {
    const launched = h.launcher.launched.length;
    const listed = (await as('root')('GET', '/sessions')).body.total;
    for (const [user, proxyUser] of [['bob', 'reports'], ['etl', 'root'], ['ops', 'alice']]) {
      const r = await as(user!)('POST', '/sessions', { kind: 'pyspark', proxyUser });
      assert.equal(r.status, 403, `${user} as ${proxyUser}`);
      assert.equal(r.body.code, 'FORBIDDEN');
      assert.match(r.body.msg, new RegExp(`'${user}' may not set proxyUser '${proxyUser}'.*access\\.superusers.*access\\.impersonation`));
    }
    assert.equal(h.launcher.launched.length, launched);
    assert.equal((await as('root')('GET', '/sessions')).body.total, listed);
  });

  test('allowed: one\'s own name, a rule for the user, the * rule, a superuser; spark-submit gets --proxy-user', async () => {
    for (const [user, proxyUser] of [['bob', 'bob'], ['etl', 'reports'], ['bob', 'guest'], ['root', 'anyone']]) {
      const r = await as(user!)('POST', '/sessions', { kind: 'pyspark', proxyUser });
      assert.equal(r.status, 201, `${user} as ${proxyUser}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.owner, user, 'the authenticated user owns it, not the proxy user');
      assert.equal(r.body.proxyUser, proxyUser);
      assert.equal(proxyArg(sessionSubmitArgs(await launchOf(r.body.id), h.config)), proxyUser);
    }
  });

  test('no proxyUser: no --proxy-user, whoever asks', async () => {
    const r = await as('bob')('POST', '/sessions', { kind: 'sql' });
    assert.equal(r.status, 201);
    assert.equal(r.body.proxyUser, null);
    assert.equal(proxyArg(sessionSubmitArgs(await launchOf(r.body.id), h.config)), undefined);
  });

  test('batches follow the same rules', async () => {
    const launched = h.batchLauncher.launched.length;
    const no = await as('bob')('POST', '/batches', { file: job, proxyUser: 'reports' });
    assert.equal(no.status, 403);
    assert.match(no.body.msg, /'bob' may not set proxyUser 'reports'/);
    assert.equal(h.batchLauncher.launched.length, launched);
    const yes = await as('etl')('POST', '/batches', { file: job, proxyUser: 'reports' });
    assert.equal(yes.status, 201, JSON.stringify(yes.body));
    assert.equal(yes.body.owner, 'etl');
    assert.equal(proxyArg(h.batchLauncher.last().spec.submitArgs), 'reports');
  });

  test('with authentication off (no user), proxyUser is taken as before: the one local user may run as anyone', async () => {
    const r = await h.json('POST', '/sessions', { kind: 'pyspark', proxyUser: 'reports' });
    assert.equal(r.status, 201);
    assert.equal(r.body.owner, null);
    assert.equal(proxyArg(sessionSubmitArgs(await launchOf(r.body.id), h.config)), 'reports');
  });
});

describe('access.runAsOwner: a request without proxyUser runs as its owner (Livy\'s livy.impersonation.enabled)', () => {
  let h: Harness;
  let job: string;
  const as = (user: string) => (method: string, url: string, body?: unknown) => h.json(method, url, body, { 'x-test-user': user });

  before(async () => {
    h = await makeHarness((c) => {
      c.sessions.max = 50;
      c.sessions.warmDrivers = 1; // asked for explicitly: an owner's session still can't take it
      c.access = { superusers: ['root'], viewUsers: [], modifyUsers: [], impersonation: { etl: ['reports'] }, runAsOwner: true };
    }, undefined, { testUserHeader: true });
    job = batchJob(h.config);
    h.sessions.warmUp();
    await h.waitFor(() => h.launcher.launched.length === 1, 'the warm driver launched');
  });
  after(async () => { await h.close(); });

  const launchOf = async (id: number) => {
    await h.waitFor(() => h.launcher.launched.some((l) => l.session.id === id), `session ${id} launched`);
    return h.launcher.launched.find((l) => l.session.id === id)!;
  };

  test('a session runs as its owner: proxyUser in the view and --proxy-user, started cold rather than from the warm pool', async () => {
    const warmId = h.launcher.launched[0]!.session.id;
    const r = await as('bob')('POST', '/sessions', { kind: 'pyspark' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.notEqual(r.body.id, warmId, 'not the warm driver, which runs as the server\'s user');
    assert.equal(r.body.owner, 'bob');
    assert.equal(r.body.proxyUser, 'bob');
    assert.equal((await as('bob')('GET', `/sessions/${r.body.id}`)).body.proxyUser, 'bob');
    const launch = await launchOf(r.body.id);
    assert.equal(proxyArg(sessionSubmitArgs(launch, h.config)), 'bob');
    const audited = auditLines<{ action: string; session?: number; proxyUser?: string }>(h.config).filter((l) => l.action === 'createSession').at(-1);
    assert.deepEqual([audited?.session, audited?.proxyUser], [r.body.id, 'bob'], 'the audit line says who the driver runs as');
  });

  test('an empty proxyUser is a 400, not a way around runAsOwner', async () => {
    const launched = h.launcher.launched.length;
    for (const user of ['bob', 'root']) {
      const r = await as(user)('POST', '/sessions', { kind: 'pyspark', proxyUser: '' });
      assert.equal(r.status, 400, `${user}: ${JSON.stringify(r.body)}`);
      assert.match(r.body.msg, /proxyUser/);
    }
    assert.equal(h.launcher.launched.length, launched);
  });

  test('an explicit proxyUser the rules allow wins; one they don\'t is still 403', async () => {
    const ok = await as('etl')('POST', '/sessions', { kind: 'pyspark', proxyUser: 'reports' });
    assert.equal(ok.status, 201);
    assert.equal(ok.body.proxyUser, 'reports');
    assert.equal(proxyArg(sessionSubmitArgs(await launchOf(ok.body.id), h.config)), 'reports');
    const no = await as('bob')('POST', '/sessions', { kind: 'pyspark', proxyUser: 'root' });
    assert.equal(no.status, 403);
  });

  test('a batch runs as its owner, or as the proxyUser it may name', async () => {
    const r = await as('carol')('POST', '/batches', { file: job });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.proxyUser, 'carol');
    assert.equal(proxyArg(h.batchLauncher.last().spec.submitArgs), 'carol');
    const named = await as('etl')('POST', '/batches', { file: job, proxyUser: 'reports' });
    assert.equal(named.status, 201, JSON.stringify(named.body));
    assert.equal(proxyArg(h.batchLauncher.last().spec.submitArgs), 'reports');
  });

  test('with authentication off there is no owner: the server\'s user, as before, and the warm driver serves it', async () => {
    const warm = h.launcher.launched.filter((l) => !l.session.proxyUser).map((l) => l.session.id);
    const r = await h.json('POST', '/sessions', { kind: 'pyspark' });
    assert.equal(r.status, 201);
    assert.equal(r.body.owner, null);
    assert.equal(r.body.proxyUser, null);
    assert.ok(warm.includes(r.body.id), `session ${r.body.id} is a warm driver (${warm})`);
  });
});
