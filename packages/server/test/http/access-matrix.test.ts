/**
 * Every endpoint's declared right, tried by every kind of user: on a session and a batch owned by
 * alice, bob (a stranger) is answered everywhere exactly as if they did not exist (404), a view
 * user is refused exactly the modify endpoints (403), a modify user and a superuser nothing. The
 * matrix runs over ENDPOINTS, so a new endpoint is tried as soon as it is declared (it fails here
 * until it has a request below).
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ENDPOINTS, type Endpoint } from '@sparkport/protocol';
import { batchJob, makeHarness } from '../support/harness.ts';

type Harness = Awaited<ReturnType<typeof makeHarness>>;

const USERS = { alice: 'alice', bob: 'bob', viewer: 'vera', modifier: 'mo', superuser: 'root' } as const;

/** What each endpoint is called with: a valid request, so only the right decides. */
const BODIES: Record<string, unknown> = {
  createStatement: { code: '1 + 1' },
  completeCode: { code: 'sp' },
  putSharedEntries: { entries: { k: 1 } },
  getSharedEntries: { keys: ['k'] },
  putSharedKey: '2',
};
/** Endpoints that end what they act on get a fresh one each time. */
const ENDS_IT = new Set(['deleteSession', 'stopSession', 'interruptSession', 'stopBatch', 'deleteBatch']);
/** Streams only end on their own for a finished session or statement, and are read over a socket (inject waits for an end). */
const STREAMS = new Set(['sessionEvents', 'statementEvents']);

describe('every route declares its right, and the matrix of users and endpoints holds', () => {
  let h: Harness;
  let job: string;
  let live: number;
  let ended: number;
  let batch: number;
  let port: number;
  const stream = (url: string, headers: Record<string, string>) => new Promise<{ status: number; body: unknown }>((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: url, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode!, body: res.headers['content-type']?.startsWith('application/json') ? JSON.parse(text) : text }));
    }).on('error', reject);
  });
  const as = (user: string | null) => (method: string, url: string, body?: unknown) => {
    const headers: Record<string, string> = user === null ? {} : { 'x-test-user': user };
    return /\/events$/.test(url) ? stream(url, headers) as Promise<Awaited<ReturnType<Harness['json']>>> : h.json(method, url, body, headers);
  };
  const alice = as(USERS.alice);

  const newSession = async () => {
    const r = await alice('POST', '/sessions', { kind: 'pyspark' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    await h.waitFor(async () => (await alice('GET', `/sessions/${r.body.id}/state`)).body.state === 'idle', 'idle');
    return r.body.id as number;
  };
  const newBatch = async () => {
    const r = await alice('POST', '/batches', { file: job });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body.id as number;
  };

  before(async () => {
    h = await makeHarness((c) => {
      c.sessions.max = 100;
      c.batches.max = 100;
      c.access = { superusers: [USERS.superuser], viewUsers: [USERS.viewer], modifyUsers: [USERS.modifier], impersonation: {}, runAsOwner: false };
    }, undefined, { testUserHeader: true });
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    port = (h.app.server.address() as { port: number }).port;
    job = batchJob(h.config);
    live = await newSession();
    assert.equal((await alice('POST', `/sessions/${live}/statements?wait=5`, { code: '1 + 1' })).body.state, 'available');
    ended = await newSession();
    await alice('POST', `/sessions/${ended}/statements?wait=5`, { code: '1 + 1' });
    await alice('POST', `/sessions/${ended}/stop`);
    batch = await newBatch();
  });
  after(async () => { await h.close(); });

  /** The request for one endpoint, on alice's things (or on an id that does not exist). */
  const request = async (ep: Endpoint, missing?: number) => {
    const isBatch = ep.url.startsWith('/batches');
    const id = missing ?? (ENDS_IT.has(ep.operationId) ? await (isBatch ? newBatch() : newSession())
      : isBatch ? batch : STREAMS.has(ep.operationId) ? ended : live);
    if (ep.tags.includes('shared')) await alice('PUT', `/sessions/${live}/shared/m/k`, '1');
    const url = ep.url.replace(':id', String(id)).replace(':sid', '0').replace(':name', 'm').replace(':key', 'k');
    const body = ['saveShared', 'loadShared'].includes(ep.operationId) ? { path: path.join(h.config.shared.allowedDirs[0]!, 'm') }
      : BODIES[ep.operationId];
    return { id, method: ep.method, url, body };
  };

  const resourceEndpoints = ENDPOINTS.filter((ep) => ep.access === 'view' || ep.access === 'modify');

  const tryAll = async (user: string) => {
    const outcome: Record<string, number> = {};
    for (const ep of resourceEndpoints) {
      const r = await request(ep);
      const res = await as(user)(r.method, r.url, r.body);
      if (res.status === 403) {
        assert.equal(res.body.code, 'FORBIDDEN', `${ep.operationId}: ${JSON.stringify(res.body)}`);
        assert.doesNotMatch(res.body.msg, /alice|owned/, `${ep.operationId}: a refusal does not name the owner`);
      } else assert.ok(res.status < 500 || res.status === 502, `${ep.operationId}: ${res.status} ${JSON.stringify(res.body)}`);
      outcome[ep.operationId] = res.status;
    }
    return outcome;
  };
  const refused = (o: Record<string, number>) => Object.keys(o).filter((k) => o[k] === 403).sort();
  const names = (eps: Endpoint[]) => eps.map((ep) => ep.operationId).sort();

  test('the rights cover every endpoint, resource rights are on /sessions/:id and /batches/:id only, and the document says each', async () => {
    assert.deepEqual(ENDPOINTS.filter((ep) => !ep.access).map((ep) => ep.operationId), []);
    for (const ep of resourceEndpoints) assert.match(ep.url, /^\/(sessions|batches)\/:id/, ep.operationId);
    assert.ok(resourceEndpoints.length >= 29, `${resourceEndpoints.length}`);
    const doc = (await as(USERS.bob)('GET', '/openapi.json')).body as { paths: Record<string, Record<string, Record<string, unknown>>> };
    for (const ep of ENDPOINTS) {
      const op = doc.paths[ep.url.replace(/:(\w+)/g, '{$1}')]![ep.method.toLowerCase()]!;
      assert.equal(op['x-sparkport-access'], ep.access, `${ep.operationId} in /openapi.json`);
    }
  });

  test('bob, a stranger, gets on every view and modify endpoint exactly what a missing id gets', async () => {
    const o = await tryAll(USERS.bob);
    assert.deepEqual(refused(o), []);
    assert.deepEqual(Object.keys(o).filter((k) => o[k] === 404).sort(), names(resourceEndpoints));
    for (const ep of resourceEndpoints) {
      const r = await request(ep);
      const seen = await as(USERS.bob)(r.method, r.url, r.body);
      const m = await request(ep, 987654);
      const missing = await as(USERS.bob)(m.method, m.url, m.body);
      const code = ep.url.startsWith('/batches') ? 'BATCH_NOT_FOUND' : 'SESSION_NOT_FOUND';
      assert.deepEqual([missing.status, missing.body.code], [404, code], ep.operationId);
      assert.deepEqual(
        [seen.status, seen.body],
        [missing.status, { ...missing.body, msg: missing.body.msg.replace('987654', String(r.id)) }],
        ep.operationId,
      );
    }
  });

  test('a view user may do exactly the view endpoints, and is refused the others with 403, not told the owner', async () => {
    const o = await tryAll(USERS.viewer);
    assert.deepEqual(refused(o), names(resourceEndpoints.filter((ep) => ep.access === 'modify')));
    const r = await as(USERS.viewer)('POST', `/sessions/${live}/statements`, { code: 'print(1)' });
    assert.deepEqual([r.status, r.body.code], [403, 'FORBIDDEN']);
    assert.match(r.body.msg, new RegExp(`^User 'vera' lacks the modify right over session ${live}: only its owner, access\\.modifyUsers and access\\.superusers have it$`));
  });

  test('a modify user and a superuser may do everything', async () => {
    assert.deepEqual(refused(await tryAll(USERS.modifier)), []);
    assert.deepEqual(refused(await tryAll(USERS.superuser)), []);
  });

  test('the owner may do everything, and so may anyone with authentication off (no user)', async () => {
    assert.deepEqual(refused(await tryAll(USERS.alice)), []);
    for (const ep of resourceEndpoints) {
      const r = await request(ep);
      assert.notEqual((await as(null)(r.method, r.url, r.body)).status, 403, ep.operationId);
    }
  });

  test('what bob was refused did not happen', async () => {
    const bob = as(USERS.bob);
    const before = (await alice('GET', `/sessions/${live}/statements`)).body.total_statements;
    await bob('POST', `/sessions/${live}/statements`, { code: 'x' });
    await bob('DELETE', `/sessions/${live}`);
    await bob('PUT', `/sessions/${live}/shared/m/k`, '"bob was here"');
    await bob('DELETE', `/batches/${batch}`);
    assert.equal((await alice('GET', `/sessions/${live}/statements`)).body.total_statements, before);
    assert.equal((await alice('GET', `/sessions/${live}/state`)).body.state, 'idle');
    assert.deepEqual((await alice('GET', `/sessions/${live}/shared/m/k`)).body.value, 1);
    assert.equal((await alice('GET', `/batches/${batch}`)).status, 200);
  });

  test('lists show each user what they may view, and count only that', async () => {
    const mine = await as(USERS.bob)('POST', '/sessions', { kind: 'sql' });
    assert.equal(mine.body.owner, USERS.bob, 'the creator owns it');
    const ids = async (user: string, what: 'sessions' | 'batches') => {
      const r = await as(user)('GET', `/${what}`);
      assert.equal(r.body.total, r.body.sessions.length);
      return r.body.sessions.map((s: { id: number; owner: string }) => s.owner);
    };
    assert.deepEqual([...new Set(await ids(USERS.bob, 'sessions'))], [USERS.bob]);
    assert.deepEqual(await ids(USERS.bob, 'batches'), []);
    assert.ok(!(await ids(USERS.alice, 'sessions')).includes(USERS.bob));
    for (const u of [USERS.viewer, USERS.modifier, USERS.superuser]) {
      assert.deepEqual([...new Set(await ids(u, 'sessions'))].sort(), [USERS.alice, USERS.bob], u);
      assert.deepEqual([...new Set(await ids(u, 'batches'))], [USERS.alice], u);
    }
    assert.equal((await as(USERS.alice)('GET', `/sessions/${mine.body.id}`)).status, 404);
    assert.equal((await as(USERS.bob)('GET', `/sessions/${mine.body.id}`)).status, 200);
  });

  test('a session created with authentication off has no owner: only view, modify and super users reach it', async () => {
    const anon = await h.json('POST', '/sessions', { kind: 'sql' });
    assert.equal(anon.body.owner, null);
    assert.equal((await alice('GET', `/sessions/${anon.body.id}/state`)).status, 404);
    assert.equal((await as(USERS.viewer)('GET', `/sessions/${anon.body.id}/state`)).status, 200);
    assert.equal((await as(USERS.modifier)('DELETE', `/sessions/${anon.body.id}`)).status, 200);
  });

  test('an unknown id is 404 for everyone: the check needs something to check', async () => {
    const r = await as(USERS.bob)('GET', '/sessions/9999');
    assert.equal(r.status, 404);
    assert.equal(r.body.code, 'SESSION_NOT_FOUND');
  });
});
