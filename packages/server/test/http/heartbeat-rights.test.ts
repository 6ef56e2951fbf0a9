/**
 * Heartbeats and rights: a request about a session keeps it alive (heartbeatTimeoutInSecond)
 * only when made by one who may modify it (its owner, modify users, superusers, anyone with
 * authentication off). A view user's polling, or a stranger's probing, does not keep someone
 * else's session alive. Driven by the fake clock and explicit reconciler ticks, as in
 * reconciler.test.ts.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { makeHarness } from '../support/harness.ts';

type Harness = Awaited<ReturnType<typeof makeHarness>>;

const SECOND = 1000;

describe('heartbeats come only from those who may modify the session', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  const harness = async () => {
    h = await makeHarness((c) => {
      c.sessions.max = 20;
      c.access = { superusers: ['root'], viewUsers: ['vera'], modifyUsers: ['mo'], impersonation: {}, runAsOwner: false };
    }, undefined, { testUserHeader: true });
    return h;
  };
  const as = (hh: Harness, user: string | null) => (method: string, url: string, body?: unknown) =>
    hh.json(method, url, body, user === null ? {} : { 'x-test-user': user });

  test('a view user\'s and a stranger\'s polling lets it expire; the owner\'s, a modify user\'s and a superuser\'s keep it', async () => {
    const hh = await harness();
    const alice = as(hh, 'alice');
    const create = async () => {
      const r = await alice('POST', '/sessions', { kind: 'pyspark', heartbeatTimeoutInSecond: 60 });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return r.body.id as number;
    };
    const pollers = ['vera', 'bob', 'alice', 'mo', 'root'] as const;
    const ids = new Map<string, number>();
    for (const p of pollers) ids.set(p, await create());
    for (const id of ids.values()) await hh.waitState(id, 'idle');
    const alive = async (id: number) => (await alice('GET', `/sessions/${id}/state`)).status === 200;

    // Each session is polled every 30 s of server time by one user, through every view route.
    const reads = (id: number) => [`/sessions/${id}`, `/sessions/${id}/state`, `/sessions/${id}/statements`, `/sessions/${id}/log`, `/sessions/${id}/shared`];
    const expired: number[][] = [];
    for (let i = 0; i < 4; i++) {
      hh.clock.advance(30 * SECOND);
      for (const p of pollers) {
        if (expired.flat().includes(ids.get(p)!)) continue;
        for (const url of reads(ids.get(p)!)) {
          const r = await as(hh, p)('GET', url);
          assert.equal(r.status, p === 'bob' ? 404 : 200, `${p} ${url}`);
        }
      }
      expired.push((await hh.reconciler.tick()).map((d) => d.id).sort());
    }
    // Past 60 s without a heartbeat (at 90 s), the sessions only vera and bob polled are gone.
    assert.deepEqual(expired, [[], [], [ids.get('vera')!, ids.get('bob')!].sort(), []]);
    for (const p of ['alice', 'mo', 'root']) assert.ok(await alive(ids.get(p)!), `${p}'s polling kept it alive`);
  });

  test('with authentication off (no user), every request is a heartbeat, as before', async () => {
    const hh = await harness();
    const anon = as(hh, null);
    const r = await anon('POST', '/sessions', { kind: 'pyspark', heartbeatTimeoutInSecond: 60 });
    await hh.waitState(r.body.id, 'idle');
    for (let i = 0; i < 4; i++) {
      hh.clock.advance(30 * SECOND);
      assert.equal((await anon('GET', `/sessions/${r.body.id}/state`)).status, 200);
      assert.deepEqual(await hh.reconciler.tick(), []);
    }
  });

  test('a view user\'s statement-level reads are no heartbeat either; the owner\'s connect is', async () => {
    const hh = await harness();
    const alice = as(hh, 'alice');
    const r = await alice('POST', '/sessions', { kind: 'pyspark', heartbeatTimeoutInSecond: 60 });
    const id = r.body.id as number;
    await hh.waitState(id, 'idle');
    const st = await alice('POST', `/sessions/${id}/statements?wait=5`, { code: '1 + 1' });
    assert.equal(st.body.state, 'available');
    hh.clock.advance(50 * SECOND);
    assert.equal((await alice('POST', `/sessions/${id}/connect`)).status, 200, 'the owner re-attaches: a heartbeat');
    hh.clock.advance(50 * SECOND);
    assert.equal((await as(hh, 'vera')('GET', `/sessions/${id}/statements/${st.body.id}`)).status, 200);
    assert.deepEqual(await hh.reconciler.tick(), [], '50 s after the connect');
    hh.clock.advance(11 * SECOND);
    assert.deepEqual((await hh.reconciler.tick()).map((d) => d.id), [id], 'vera\'s read 11 s ago did not count');
  });
});
