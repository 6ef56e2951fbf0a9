/**
 * What a user may not view, they may not find either: for them an existing session or batch,
 * by id or by name, answers exactly as a missing one does (404, same body, same headers), so ids,
 * names and owners can't be probed; names stay unique across users (Livy's rule, clients rely on
 * it), but resolving a name finds only what the caller may view. The audit log still records
 * those answers for the refusals they are.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { auditLines, batchJob, makeHarness, veraViews } from '../support/harness.ts';

type Harness = Awaited<ReturnType<typeof makeHarness>>;

describe('what a user may not view is not there for them', () => {
  let h: Harness;
  let job: string;
  const as = (user: string) => (method: string, url: string, body?: unknown) => h.json(method, url, body, { 'x-test-user': user });
  const alice = as('alice');
  const bob = as('bob');
  const vera = as('vera');
  /** An answer as a client sees it: status, body and every header but the date and the request id (each answer's own). */
  const seen = (r: Awaited<ReturnType<Harness['json']>>) => {
    const { date: _date, 'x-request-id': _id, ...headers } = r.headers;
    return { status: r.status, body: r.body as unknown, headers };
  };
  const audit = () => auditLines(h.config);

  before(async () => {
    h = await makeHarness(veraViews, undefined, { testUserHeader: true });
    job = batchJob(h.config);
  });
  after(async () => { await h.close(); });

  test('a session by id or by name: a stranger gets, word for word, what they get once it is gone', async () => {
    const s = await alice('POST', '/sessions', { kind: 'pyspark', name: 'nightly' });
    assert.equal(s.status, 201);
    await h.waitFor(async () => (await alice('GET', `/sessions/${s.body.id}/state`)).body.state === 'idle', 'idle');
    const probes: [string, string, unknown?][] = [
      ['GET', `/sessions/${s.body.id}`], ['GET', '/sessions/nightly'], ['GET', '/sessions/nightly/log'],
      ['GET', '/sessions/nightly/statements'], ['POST', '/sessions/nightly/statements', { code: '1' }],
      ['DELETE', `/sessions/${s.body.id}`], ['DELETE', '/sessions/nightly'], ['POST', '/sessions/nightly/stop'],
    ];
    const whileThere = [];
    for (const [m, url, body] of probes) whileThere.push(seen(await bob(m, url, body)));
    assert.equal((await alice('GET', '/sessions/nightly/state')).body.state, 'idle', 'nothing bob asked for happened');
    assert.deepEqual(whileThere[1]!.body, { msg: "Session 'nightly' not found.", code: 'SESSION_NOT_FOUND' });

    assert.equal((await alice('DELETE', '/sessions/nightly')).status, 200);
    const gone = [];
    for (const [m, url, body] of probes) gone.push(seen(await bob(m, url, body)));
    assert.deepEqual(whileThere, gone);
  });

  test('a batch by id or by name, likewise', async () => {
    const b = await alice('POST', '/batches', { file: job, name: 'etl-job' });
    assert.equal(b.status, 201);
    const probes: [string, string][] = [['GET', '/batches/etl-job'], ['GET', `/batches/${b.body.id}/log`], ['DELETE', '/batches/etl-job']];
    const whileThere = [];
    for (const [m, url] of probes) whileThere.push(seen(await bob(m, url)));
    assert.deepEqual(whileThere[0]!.body, { msg: "Batch 'etl-job' not found.", code: 'BATCH_NOT_FOUND' });
    assert.equal((await alice('GET', '/batches/etl-job')).status, 200);
    assert.equal((await alice('DELETE', '/batches/etl-job')).status, 200);
    const gone = [];
    for (const [m, url] of probes) gone.push(seen(await bob(m, url)));
    assert.deepEqual(whileThere, gone);
  });

  test('names stay unique across users, but a name resolves only to what the caller may view', async () => {
    const s = await alice('POST', '/sessions', { kind: 'sql', name: 'reports' });
    assert.equal(s.status, 201);
    const squat = await bob('POST', '/sessions', { kind: 'sql', name: 'reports' });
    assert.deepEqual([squat.status, squat.body.code], [409, 'NAME_TAKEN'], 'Livy\'s global uniqueness is kept');
    // bob's own name resolves for bob, and is hidden from alice, who may not view bob's sessions.
    const mine = await bob('POST', '/sessions', { kind: 'sql', name: 'bobs' });
    assert.equal((await bob('GET', '/sessions/bobs')).body.id, mine.body.id);
    assert.deepEqual((await alice('GET', '/sessions/bobs')).body, { msg: "Session 'bobs' not found.", code: 'SESSION_NOT_FOUND' });
    assert.equal((await bob('GET', '/sessions/reports')).status, 404);
    // A view user finds it by name, and may look but not act: 403, without the owner's name.
    assert.equal((await vera('GET', '/sessions/reports')).body.id, s.body.id);
    const r = await vera('DELETE', '/sessions/reports');
    assert.deepEqual([r.status, r.body.code], [403, 'FORBIDDEN']);
    assert.doesNotMatch(r.body.msg, /alice|owned/);
    assert.equal((await alice('GET', '/sessions/reports')).status, 200);
  });

  test('the audit log records a hidden refusal as denied, with the 404 the client got', async () => {
    const s = await alice('POST', '/sessions', { kind: 'sql' });
    const before = audit().length;
    await bob('GET', `/sessions/${s.body.id}/state`);
    await bob('DELETE', `/sessions/${s.body.id}`);
    await alice('GET', `/sessions/${s.body.id}/state`);
    assert.deepEqual(audit().slice(before).map(({ at: _at, ...l }) => l), [
      { user: 'bob', address: '127.0.0.1', action: 'getSessionState', session: s.body.id, status: 404, outcome: 'denied', code: 'SESSION_NOT_FOUND' },
      { user: 'bob', address: '127.0.0.1', action: 'deleteSession', session: s.body.id, status: 404, outcome: 'denied', code: 'SESSION_NOT_FOUND' },
    ]);
  });
});
