/**
 * GET /openapi.json describes the API the app actually serves: every registered route is in
 * the document, and every documented operation is a registered route.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeHarness } from './harness.ts';

type Harness = Awaited<ReturnType<typeof makeHarness>>;
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'];

/**
 * Every (method, path) the app registers, read from Fastify's route tree. Each printed node is a
 * radix-tree fragment; a route's path is the concatenation of the fragments down to it.
 */
function registeredRoutes(h: Harness): { method: string; path: string }[] {
  const tree = h.app.printRoutes({ commonPrefix: false });
  const stack: string[] = [];
  const out: { method: string; path: string }[] = [];
  for (const line of tree.split('\n')) {
    const m = /^((?:│ {3}| {4})*)(?:├── |└── )(\S+)(?: \(([^)]*)\))?$/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    stack.length = depth;
    stack.push(m[2]!);
    for (const method of (m[3] ?? '').split(',').map((s) => s.trim()).filter((s) => METHODS.includes(s))) {
      out.push({ method, path: stack.join('') });
    }
  }
  return out;
}

/** Fastify's `/sessions/:id` is OpenAPI's `/sessions/{id}`. */
const toOpenApi = (p: string) => p.replace(/:(\w+)/g, '{$1}');
const toFastify = (p: string) => p.replace(/\{(\w+)\}/g, ':$1');

describe('OpenAPI document', () => {
  let h: Harness;
  let doc: { openapi: string; info: { title: string; version: string }; paths: Record<string, Record<string, { responses: Record<string, unknown>; summary?: string }>> };
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
    assert.equal(typeof doc.info.version, 'string');
    assert.ok(doc.info.version.length > 0);
  });

  test('documents the core routes', () => {
    assert.ok(doc.paths['/sessions']?.get && doc.paths['/sessions']?.post);
    assert.ok(doc.paths['/sessions/{id}/statements']?.get && doc.paths['/sessions/{id}/statements']?.post);
    assert.ok(doc.paths['/sessions/{id}/statements/{sid}/events']?.get);
    assert.ok(doc.paths['/sessions/{id}/events']?.get);
  });

  test('the route reader sees what the app serves (self-check)', () => {
    const routes = registeredRoutes(h);
    assert.ok(routes.length >= 10, `read ${routes.length} routes`);
    for (const r of routes) assert.ok(h.app.hasRoute({ method: r.method as 'GET', url: r.path }), `${r.method} ${r.path}`);
    assert.ok(routes.some((r) => r.method === 'GET' && r.path === '/sessions/:id/statements/:sid/events'));
  });

  test('every route the app registers is documented, with its method', () => {
    // The document does not describe itself.
    const routes = registeredRoutes(h).filter((r) => r.path !== '/openapi.json');
    const missing = routes
      .filter((r) => !doc.paths[toOpenApi(r.path)]?.[r.method.toLowerCase()])
      .map((r) => `${r.method} ${toOpenApi(r.path)}`);
    assert.deepEqual(missing, [], `routes served but not documented: ${missing.join(', ')}`);
  });

  test('every documented operation is a route the app serves', () => {
    const phantom: string[] = [];
    for (const [p, ops] of Object.entries(doc.paths)) {
      for (const method of Object.keys(ops)) {
        if (!h.app.hasRoute({ method: method.toUpperCase() as 'GET', url: toFastify(p) })) phantom.push(`${method.toUpperCase()} ${p}`);
      }
    }
    assert.deepEqual(phantom, []);
  });

  test('every operation has a summary, a success response and an error response', () => {
    for (const [p, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        assert.ok(op.summary, `${method} ${p} summary`);
        assert.ok(Object.keys(op.responses).some((c) => /^2\d\d$/.test(c)), `${method} ${p} success`);
        assert.ok(op.responses.default, `${method} ${p} error response`);
      }
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

  test('SSE routes are documented as text/event-stream', () => {
    for (const p of ['/sessions/{id}/events', '/sessions/{id}/statements/{sid}/events']) {
      const ok = doc.paths[p]!.get!.responses['200'] as { content: Record<string, unknown> };
      assert.ok(ok.content['text/event-stream'], p);
    }
  });
});
