/**
 * One declaration per endpoint (@sparkport/protocol's api): the app registers exactly the
 * declared endpoints, and GET /openapi.json, generated from the registered routes, describes each
 * with its parameters, body and responses.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ENDPOINTS, isMediaResponse, type Endpoint } from '@sparkport/protocol';
import { buildHttp, type HttpDeps } from '../../src/http/build-http.ts';
import { makeHarness } from '../support/harness.ts';

type Harness = Awaited<ReturnType<typeof makeHarness>>;
interface Schema { $ref?: string; properties?: Record<string, unknown>; type?: string }
interface Operation {
  operationId: string; summary: string; tags: string[];
  parameters?: { name: string; in: string; required: boolean; schema: Schema }[];
  requestBody?: { required: boolean; content: Record<string, { schema: Schema }> };
  responses: Record<string, { $ref?: string; description?: string; content?: Record<string, { schema: Schema }> }>;
}
interface Document {
  openapi: string; info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas?: Record<string, Schema>; responses?: Record<string, { content: Record<string, { schema: Schema }> }> };
}

/** Fastify's `/sessions/:id` is OpenAPI's `/sessions/{id}`. */
const toOpenApi = (p: string) => p.replace(/:(\w+)/g, '{$1}');
const name = (ep: Endpoint) => `${ep.method} ${ep.url}`;
const keys = (o: object | undefined) => Object.keys(o ?? {}).sort();

describe('endpoints and the OpenAPI document', () => {
  let h: Harness;
  let doc: Document;
  const operation = (ep: Endpoint) => doc.paths[toOpenApi(ep.url)]?.[ep.method.toLowerCase()];
  const resolve = (s: Schema): Schema => (s.$ref ? doc.components.schemas![s.$ref.split('/').pop()!]! : s);

  before(async () => {
    h = await makeHarness();
    const r = await h.json('GET', '/openapi.json');
    assert.equal(r.status, 200);
    assert.match(String(r.headers['content-type']), /^application\/json/);
    doc = r.body;
  });
  after(async () => { await h.close(); });

  test('is an OpenAPI 3.1 document with a title and version', () => {
    assert.match(doc.openapi, /^3\.1\.\d+$/);
    assert.equal(doc.info.title, 'Sparkport');
    assert.ok(doc.info.version.length > 0);
  });

  test('every declared endpoint is registered', () => {
    assert.ok(ENDPOINTS.length >= 35, `${ENDPOINTS.length} endpoints`);
    const missing = ENDPOINTS.filter((ep) => !h.app.hasRoute({ method: ep.method, url: ep.url })).map(name);
    assert.deepEqual(missing, []);
  });

  test('every registered route is declared: the document (which lists every route) has exactly the declared ones', () => {
    const documented = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`));
    const declared = ENDPOINTS.map((ep) => `${ep.method} ${toOpenApi(ep.url)}`);
    assert.deepEqual(documented.sort(), declared.sort());
  });

  test('a route registered without a declaration stops the app from starting', async () => {
    const deps = { config: h.config, sessions: h.sessions, batches: h.batches, sparkVersion: null, log: () => undefined } as unknown as HttpDeps;
    const app = buildHttp(deps);
    app.register(async (api) => { api.get('/undeclared', async () => ({})); });
    await assert.rejects(async () => { await app.ready(); }, /GET \/undeclared is registered but not declared/);
  });

  test('each endpoint is documented with its id, summary, parameters, body and responses', () => {
    for (const ep of ENDPOINTS) {
      const op = operation(ep);
      assert.ok(op, name(ep));
      assert.equal(op.operationId, ep.operationId, name(ep));
      assert.equal(op.summary, ep.summary, name(ep));
      assert.deepEqual(op.tags, [...ep.tags], name(ep));
      const params = (where: string) => (op.parameters ?? []).filter((p) => p.in === where).map((p) => p.name).sort();
      assert.deepEqual(params('path'), [...ep.url.matchAll(/:(\w+)/g)].map((m) => m[1]).sort(), `${name(ep)} path`);
      assert.deepEqual(params('path'), keys(ep.params?.properties), `${name(ep)} path schema`);
      assert.deepEqual(params('query'), keys(ep.querystring?.properties), `${name(ep)} query`);
      assert.equal(Boolean(op.requestBody), Boolean(ep.body), `${name(ep)} body`);
      if (ep.body) {
        assert.equal(op.requestBody!.required, !ep.bodyOptional, `${name(ep)} body required`);
        const body = resolve(op.requestBody!.content['application/json']!.schema);
        assert.deepEqual(keys(body.properties), keys((ep.body as Schema).properties), `${name(ep)} body fields`);
      }
      for (const [status, spec] of Object.entries(ep.responses)) {
        const res = op.responses[status.toUpperCase()];
        assert.ok(res, `${name(ep)} ${status}`);
        if (/^\dxx$/.test(status)) {
          assert.equal(res.$ref, '#/components/responses/Error', `${name(ep)} ${status}`);
          continue;
        }
        const [type] = Object.keys(res.content ?? {});
        // No body (a redirect, a 304): no content at all.
        const none = !isMediaResponse(spec) && (spec as Schema).type === 'null';
        assert.equal(type, isMediaResponse(spec) ? Object.keys(spec.content)[0] : none ? undefined : 'application/json', `${name(ep)} ${status}`);
        if (!isMediaResponse(spec) && !none) {
          const schema = resolve(res.content![type!]!.schema);
          assert.deepEqual(keys(schema.properties), keys((spec as Schema).properties), `${name(ep)} ${status} fields`);
        }
      }
    }
  });

  test('errors are {msg, code} for every endpoint', () => {
    const error = resolve(doc.components.responses!.Error!.content['application/json']!.schema);
    assert.deepEqual(keys(error.properties), ['code', 'msg']);
    for (const ep of ENDPOINTS) assert.ok(ep.responses['4xx'] && ep.responses['5xx'], name(ep));
  });

  test('SSE routes are documented as text/event-stream', () => {
    for (const p of ['/sessions/{id}/events', '/sessions/{id}/statements/{sid}/events']) {
      assert.ok(doc.paths[p]!.get!.responses['200']!.content!['text/event-stream'], p);
    }
  });

  test('documented success codes match what the app answers', async () => {
    assert.ok(doc.paths['/sessions']!.post!.responses['201'], 'POST /sessions is documented as 201');
    const created = await h.json('POST', '/sessions', { kind: 'pyspark' });
    assert.equal(created.status, 201);
    await h.waitState(created.body.id, 'idle');
    assert.ok(doc.paths['/sessions/{id}/statements']!.post!.responses['201']);
    const st = await h.json('POST', `/sessions/${created.body.id}/statements?wait=5`, { code: '1' });
    assert.equal(st.status, 201);
    assert.ok(doc.paths['/sessions/{id}']!.delete!.responses['200']);
    assert.equal((await h.json('DELETE', `/sessions/${created.body.id}`)).status, 200);
  });
});
