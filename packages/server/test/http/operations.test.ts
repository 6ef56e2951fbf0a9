/**
 * For operators: GET /metrics in Prometheus' text format (sessions and batches by state,
 * statements by kind and outcome with their latency, driver starts and failures, HTTP requests
 * by route and status, the event loop's lag), GET /health and GET /ready, and who may call them.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, test } from 'node:test';
import type { Config } from '../../src/config.ts';
import { MemoryStore } from '../../src/store/memory-store.ts';
import { batchJob, makeHarness } from '../support/harness.ts';

type Harness = Awaited<ReturnType<typeof makeHarness>>;

/** The value of one series, by its name and labels as Prometheus prints them; undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{([^}]*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = (m[3] ?? '').split(',').filter(Boolean);
    if (want.every((w) => have.includes(w)) && have.length === want.length) return Number(m[4]);
  }
  return undefined;
}

describe('operations endpoints', () => {
  let h: Harness | undefined;
  const harness = async (tweak: (c: Config) => void = () => undefined, store = new MemoryStore()) => {
    h = await makeHarness(tweak, store);
    return h;
  };
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });
  const metrics = async (hh: Harness, headers: Record<string, string> = {}) => {
    const r = await hh.app.inject({ method: 'GET', url: '/metrics', headers });
    assert.equal(r.statusCode, 200, r.body);
    assert.match(String(r.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    return r.body;
  };

  test('/metrics: sessions and batches by state, read when scraped', async () => {
    const hh = await harness();
    const a = (await hh.json('POST', '/sessions', { kind: 'pyspark' })).body.id;
    await hh.waitState(a, 'idle');
    await hh.json('POST', '/sessions', { kind: 'sql' });
    await hh.json('POST', '/batches', { file: batchJob(hh.config) });
    const text = await metrics(hh);
    assert.equal(sample(text, 'sparkport_sessions', { state: 'idle' }), 1);
    assert.equal(sample(text, 'sparkport_sessions', { state: 'dead' }), 0, 'every state has a series, 0 included');
    assert.equal((sample(text, 'sparkport_sessions', { state: 'starting' }) ?? 0) + (sample(text, 'sparkport_sessions', { state: 'idle' }) ?? 0), 2);
    assert.equal(sample(text, 'sparkport_batches', { state: 'running' }), 1);
    await hh.json('DELETE', `/sessions/${a}`);
    assert.equal(sample(await metrics(hh), 'sparkport_sessions', { state: 'idle' }), 0, 'a deleted session is gone from the gauge');
  });

  test('/metrics: statements by kind and outcome, their latency, driver starts and failures', async () => {
    const hh = await harness();
    const id = (await hh.json('POST', '/sessions', { kind: 'pyspark' })).body.id;
    await hh.waitState(id, 'idle');
    await hh.json('POST', `/sessions/${id}/statements?wait=5`, { code: '1 + 1' });
    await hh.json('POST', `/sessions/${id}/statements?wait=5`, { code: 'raise' });
    await hh.json('POST', `/sessions/${id}/statements?wait=5`, { code: 'SELECT 1', kind: 'sql' });
    const slow = (await hh.json('POST', `/sessions/${id}/statements`, { code: 'sleep:10000' })).body.id;
    await hh.json('POST', `/sessions/${id}/statements/${slow}/cancel`);
    await hh.waitFor(async () => (await hh.json('GET', `/sessions/${id}/statements/${slow}`)).body.state === 'cancelled', 'cancelled');
    hh.launcher.behaviour = 'crash-start';
    const bad = (await hh.json('POST', '/sessions', { kind: 'pyspark' })).body.id;
    await hh.waitState(bad, 'dead');
    const text = await metrics(hh);
    assert.equal(sample(text, 'sparkport_statements_total', { kind: 'pyspark', outcome: 'ok' }), 1);
    assert.equal(sample(text, 'sparkport_statements_total', { kind: 'pyspark', outcome: 'error' }), 1);
    assert.equal(sample(text, 'sparkport_statements_total', { kind: 'sql', outcome: 'ok' }), 1);
    assert.equal(sample(text, 'sparkport_statements_total', { kind: 'pyspark', outcome: 'cancelled' }), 1);
    assert.equal(sample(text, 'sparkport_statement_duration_seconds_count', { kind: 'pyspark' }), 3);
    assert.ok(sample(text, 'sparkport_statement_duration_seconds_bucket', { kind: 'sql', le: '+Inf' }) === 1);
    assert.equal(sample(text, 'sparkport_driver_starts_total'), 2);
    assert.equal(sample(text, 'sparkport_driver_failures_total', { phase: 'starting' }), 1);
    assert.equal(sample(text, 'sparkport_driver_reconnects_total'), 0);
    assert.equal(sample(text, 'sparkport_statements_waiting'), 0);
  });

  test('/metrics: HTTP requests by route pattern and status (no ids), the event loop, the process', async () => {
    const hh = await harness();
    await hh.json('GET', '/sessions/7');
    await hh.json('GET', '/sessions/8');
    await hh.json('GET', '/version');
    await hh.json('GET', '/no/such/thing');
    const text = await metrics(hh);
    assert.equal(sample(text, 'sparkport_http_requests_total', { route: '/sessions/:id', method: 'GET', status: '404' }), 2);
    assert.equal(sample(text, 'sparkport_http_requests_total', { route: '/version', method: 'GET', status: '200' }), 1);
    assert.equal(sample(text, 'sparkport_http_requests_total', { route: 'none', method: 'GET', status: '404' }), 1);
    assert.doesNotMatch(text, /sessions\/7/);
    assert.ok(sample(text, 'nodejs_eventloop_lag_seconds') !== undefined, 'event-loop lag');
    assert.ok(sample(text, 'nodejs_eventloop_lag_p99_seconds') !== undefined);
    assert.ok((sample(text, 'process_resident_memory_bytes') ?? 0) > 0);
  });

  test('/metrics scraped many times at once always answers 200 with the exposition text', async () => {
    const hh = await harness();
    const answers = await Promise.all(Array.from({ length: 200 }, () => hh.app.inject({ method: 'GET', url: '/metrics' })));
    assert.deepEqual([...new Set(answers.map((r) => r.statusCode))], [200]);
    assert.ok(answers.every((r) => r.body.includes('# TYPE')));
  });

  test('/health and /ready answer; /ready is 503 NOT_READY with a msg while the store cannot take writes', async () => {
    const store = new MemoryStore();
    let broken = false;
    const check = store.checkWritable.bind(store);
    store.checkWritable = () => {
      if (broken) throw new Error('disk I/O error');
      check();
    };
    const hh = await harness(undefined, store);
    assert.deepEqual((await hh.json('GET', '/health')).body, { status: 'ok' });
    const ready = await hh.json('GET', '/ready');
    assert.deepEqual([ready.status, ready.body], [200, { status: 'ready', checks: { store: 'ok', driverListener: 'ok' } }]);
    broken = true;
    const not = await hh.json('GET', '/ready');
    assert.equal(not.status, 503);
    assert.equal(not.body.code, 'NOT_READY');
    assert.match(not.body.msg, /store cannot take writes: disk I\/O error/);
    assert.equal((await hh.json('GET', '/health')).status, 200, 'the process is still up');
  });

  test('with authentication on: /health and /ready are public, /metrics needs an authenticated user', async () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'sparkport-ops-'));
    try {
      writeFileSync(path.join(tmp, 'tokens'), `prometheus:${createHash('sha256').update('scrape-token').digest('hex')}\n`);
      const hh = await harness((c) => { c.auth.tokens.file = path.join(tmp, 'tokens'); });
      assert.equal((await hh.json('GET', '/health')).status, 200);
      assert.equal((await hh.json('GET', '/ready')).status, 200);
      const anon = await hh.json('GET', '/metrics');
      assert.deepEqual([anon.status, anon.body.code], [401, 'UNAUTHORIZED']);
      await metrics(hh, { authorization: 'Bearer scrape-token' });
      const doc = (await hh.json('GET', '/openapi.json')).body;
      assert.deepEqual(doc.paths['/health'].get.security, []);
      assert.equal(doc.paths['/metrics'].get['x-sparkport-access'], 'authenticated');
      assert.ok(doc.paths['/metrics'].get.responses['200'].content['text/plain']);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
