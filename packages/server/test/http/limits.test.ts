/**
 * Every limit answers the same way: 429 with Retry-After, a code of its own, and a message that
 * names the setting. sessions.max, batches.max, the statements one session may have waiting,
 * the `?wait` long polls and the event streams held open at once (per server and per user).
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { describe, test } from 'node:test';
import { batchJob, harnessPerTest, type Harness } from '../support/harness.ts';

type Answer = Awaited<ReturnType<Harness['json']>>;

function assertLimit(r: Answer, code: string, setting: string): void {
  assert.equal(r.status, 429, JSON.stringify(r.body));
  assert.equal(r.body.code, code);
  assert.ok(Number(r.headers['retry-after']) > 0, `Retry-After: ${String(r.headers['retry-after'])}`);
  assert.match(r.body.msg, new RegExp(`^Rejected, too many .*\\(setting ${setting.replace('.', '\\.')}\\)\\. .*try again in \\d+ s$`, 'i'));
}

describe('limits', () => {
  const { harness, idleSession } = harnessPerTest({ testUserHeader: true });

  test('sessions.max and batches.max answer alike', async () => {
    const hh = await harness((c) => { c.sessions.max = 1; c.batches.max = 1; });
    await hh.json('POST', '/sessions', { kind: 'pyspark' });
    assertLimit(await hh.json('POST', '/sessions', { kind: 'pyspark' }), 'TOO_MANY_SESSIONS', 'sessions.max');
    const job = batchJob(hh.config);
    await hh.json('POST', '/batches', { file: job });
    const b = await hh.json('POST', '/batches', { file: job });
    assert.deepEqual([b.status, b.body.code], [429, 'TOO_MANY_BATCHES']);
    assert.match(b.body.msg, /batches\.max/);
    assert.ok(Number(b.headers['retry-after']) > 0);
  });

  test('sessions.maxQueuedStatements: one statement more than the queue holds is 429, and nothing is queued', async () => {
    const hh = await harness((c) => { c.sessions.maxQueuedStatements = 3; });
    const id = await idleSession(hh);
    assert.equal((await hh.json('POST', `/sessions/${id}/statements`, { code: 'sleep:10000' })).status, 201, 'runs: not waiting');
    for (let i = 0; i < 3; i++) assert.equal((await hh.json('POST', `/sessions/${id}/statements`, { code: `${i}` })).status, 201);
    const r = await hh.json('POST', `/sessions/${id}/statements`, { code: 'one too many' });
    assertLimit(r, 'TOO_MANY_STATEMENTS', 'sessions.maxQueuedStatements');
    assert.match(r.body.msg, new RegExp(`statements waiting in session ${id}: 3 of 3`));
    assert.equal((await hh.json('GET', `/sessions/${id}/statements`)).body.total_statements, 4);
    // The running one ends, a waiting one runs: there is room for one again.
    await hh.json('POST', `/sessions/${id}/statements/0/cancel`);
    await hh.waitFor(async () => (await hh.json('POST', `/sessions/${id}/statements`, { code: 'again' })).status === 201, 'room again');
  });

  test('limits.longPolls and limits.longPollsPerUser: ?wait beyond them is 429; a refused POST creates no statement; slots come back', async () => {
    const hh = await harness((c) => {
      c.limits.longPolls = 2;
      c.limits.longPollsPerUser = 1;
      // The session is made with no user: these three may reach it all the same.
      c.access.superusers = ['alice', 'bob', 'carol'];
    });
    const id = await idleSession(hh);
    const slow = (await hh.json('POST', `/sessions/${id}/statements`, { code: 'sleep:60000' })).body.id;
    const as = (user: string) => ({ 'x-test-user': user });
    const url = `/sessions/${id}/statements/${slow}?wait=30`;
    const alice = hh.json('GET', url, undefined, as('alice'));
    await hh.waitFor(() => hh.app.inject({ method: 'GET', url: '/metrics' }).then((r) => /sparkport_long_polls 1/.test(r.body)), 'alice waits');
    assertLimit(await hh.json('GET', url, undefined, as('alice')), 'TOO_MANY_WAITS', 'limits.longPollsPerUser');
    const bob = hh.json('GET', url, undefined, as('bob'));
    await hh.waitFor(() => hh.app.inject({ method: 'GET', url: '/metrics' }).then((r) => /sparkport_long_polls 2/.test(r.body)), 'bob waits');
    assertLimit(await hh.json('GET', url, undefined, as('carol')), 'TOO_MANY_WAITS', 'limits.longPolls');
    const before = (await hh.json('GET', `/sessions/${id}/statements`)).body.total_statements;
    assertLimit(await hh.json('POST', `/sessions/${id}/statements?wait=5`, { code: 'x' }, as('carol')), 'TOO_MANY_WAITS', 'limits.longPolls');
    assert.equal((await hh.json('GET', `/sessions/${id}/statements`)).body.total_statements, before, 'nothing was created');
    assert.equal((await hh.json('GET', url.replace('?wait=30', ''), undefined, as('carol'))).status, 200, 'without ?wait it answers');
    await hh.json('POST', `/sessions/${id}/statements/${slow}/cancel`);
    assert.equal((await alice).body.state, 'cancelled');
    assert.equal((await bob).body.state, 'cancelled');
    assert.equal((await hh.json('GET', url, undefined, as('carol'))).status, 200, 'the slots came back');
  });

  test('limits.eventStreams: one stream more is 429 as JSON, before any event; a closed stream frees its slot', async () => {
    const hh = await harness((c) => { c.limits.eventStreams = 1; });
    await hh.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (hh.app.server.address() as { port: number }).port;
    const id = await idleSession(hh);
    const slow = (await hh.json('POST', `/sessions/${id}/statements`, { code: 'sleep:60000' })).body.id;
    const open = () => new Promise<http.IncomingMessage>((resolve, reject) => {
      http.get(`http://127.0.0.1:${port}/sessions/${id}/statements/${slow}/events`, resolve).on('error', reject);
    });
    const first = await open();
    assert.equal(first.statusCode, 200);
    const second = await open();
    let body = '';
    for await (const c of second) body += c;
    assert.equal(second.statusCode, 429);
    assert.ok(Number(second.headers['retry-after']) > 0);
    assert.equal(JSON.parse(body).code, 'TOO_MANY_STREAMS');
    assert.match(JSON.parse(body).msg, /limits\.eventStreams/);
    first.destroy();
    await hh.waitFor(async () => {
      const r = await open();
      r.destroy();
      return r.statusCode === 200;
    }, 'the slot is back');
    await hh.json('POST', `/sessions/${id}/statements/${slow}/cancel`);
  });
});
