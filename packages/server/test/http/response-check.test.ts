/**
 * http.checkResponses: a response that drifts from its declaration is caught (a 500 naming the
 * route and the mismatch) instead of being silently reshaped by serialisation.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Type } from '@sinclair/typebox';
import { endpoint } from '@sparkport/protocol';
import Fastify, { type FastifyInstance } from 'fastify';
import { loadConfig } from '../../src/config.ts';
import { DomainError } from '../../src/domain/errors.ts';
import { installErrorHandler } from '../../src/http/errors.ts';
import { installResponseCheck } from '../../src/http/response-check.ts';
import { route } from '../../src/http/route.ts';
import { makeHarness } from '../support/harness.ts';

const thing = endpoint({
  method: 'GET', url: '/things/:n', tags: ['test'], access: 'public', summary: 'A thing',
  params: Type.Object({ n: Type.String() }),
  responses: { 200: Type.Object({ n: Type.Integer(), tags: Type.Array(Type.String()), extra: Type.Optional(Type.Null()) }) },
});

/** Each `n` answers with a different body: right, or drifting in one way. */
const BODIES: Record<string, unknown> = {
  ok: { n: 1, tags: ['a'] },
  wrongType: { n: 'one', tags: [] },
  unknownField: { n: 1, tags: [], colour: 'red' },
  missingField: { n: 1 },
};

async function app(check: boolean, logs: string[] = []): Promise<FastifyInstance> {
  const a = Fastify();
  installErrorHandler(a, (m) => logs.push(m));
  if (check) installResponseCheck(a, (m) => logs.push(m));
  route(a, thing, async (req, reply) => {
    const n = req.params.n;
    if (n === 'missing') throw new DomainError('NOT_FOUND', 'no such thing');
    if (n === 'accepted') reply.status(202);
    return (BODIES[n] ?? BODIES.ok) as never;
  });
  await a.ready();
  return a;
}

describe('response check', () => {
  let checked: FastifyInstance;
  let unchecked: FastifyInstance;
  const logs: string[] = [];
  before(async () => { checked = await app(true, logs); unchecked = await app(false); });
  after(async () => { await checked.close(); await unchecked.close(); });

  const get = async (a: FastifyInstance, n: string) => {
    const r = await a.inject({ method: 'GET', url: `/things/${n}` });
    return { status: r.statusCode, body: r.json() };
  };

  test('a response that matches passes untouched', async () => {
    assert.deepEqual(await get(checked, 'ok'), { status: 200, body: { n: 1, tags: ['a'] } });
  });

  test('without the check, serialisation hides drift: unknown fields vanish, wrong types are coerced', async () => {
    assert.deepEqual((await get(unchecked, 'unknownField')).body, { n: 1, tags: [] });
    assert.equal((await get(unchecked, 'wrongType')).status, 500, 'fast-json-stringify cannot make an integer of "one"');
  });

  for (const [n, re] of [['wrongType', /body\/n must be integer/], ['unknownField', /must NOT have additional properties/], ['missingField', /must have required property 'tags'/]] as const) {
    test(`drift is a 500 INTERNAL naming the route and the mismatch: ${n}`, async () => {
      const r = await get(checked, n);
      assert.equal(r.status, 500);
      assert.equal(r.body.code, 'INTERNAL');
      assert.match(r.body.msg, /^The response of GET \/things\/:n \(status 200\) does not match its declaration: /);
      assert.match(r.body.msg, re);
      assert.ok(logs.some((l) => l.includes('GET /things/:n') && re.test(l)), 'and it is logged');
    });
  }

  test('a status the endpoint does not declare is drift too', async () => {
    const r = await get(checked, 'accepted');
    assert.equal(r.status, 500);
    assert.match(r.body.msg, /status 202 with a JSON body is not declared/);
  });

  test('errors are checked against the error body, and pass', async () => {
    assert.deepEqual(await get(checked, 'missing'), { status: 404, body: { msg: 'no such thing', code: 'NOT_FOUND' } });
  });
});

describe('response check in the app', () => {
  let h: Awaited<ReturnType<typeof makeHarness>>;
  before(async () => { h = await makeHarness(); });
  after(async () => { await h.close(); });

  test('is switched on by SPARKPORT_HTTP__CHECK_RESPONSES (the end-to-end server sets it)', () => {
    assert.equal(loadConfig({ env: {} }).http.checkResponses, false);
    assert.equal(loadConfig({ env: { SPARKPORT_HTTP__CHECK_RESPONSES: 'true' } }).http.checkResponses, true);
  });

  test('is on in the tests, and a domain value outside the declared ones fails the request', async () => {
    assert.equal(h.config.http.checkResponses, true);
    const { id } = (await h.json('POST', '/sessions', { kind: 'pyspark' })).body;
    await h.waitState(id, 'idle');
    const rt = h.sessions.resolve(String(id));
    const state = rt.record.state;
    (rt.record as { state: string }).state = 'sleeping';
    try {
      const r = await h.json('GET', `/sessions/${id}/state`);
      assert.equal(r.status, 500);
      assert.match(r.body.msg, /GET \/sessions\/:id\/state \(status 200\).*body\/state must be equal to one of the allowed values/);
    } finally {
      (rt.record as { state: string }).state = state;
    }
  });
});
