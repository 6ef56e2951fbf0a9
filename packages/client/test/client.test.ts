/**
 * The TypeScript client against a real HTTP server on fake drivers: every call, the waits,
 * the SSE iterator, and typed errors.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeHarness } from '../../server/test/harness.ts';
import { NetworkError, SparkportClient, SparkportError } from '../src/index.ts';

describe('SparkportClient', () => {
  let h: Awaited<ReturnType<typeof makeHarness>>;
  let c: SparkportClient;
  before(async () => {
    h = await makeHarness();
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    c = new SparkportClient(`http://127.0.0.1:${(h.app.server.address() as { port: number }).port}`);
  });
  after(async () => { await h.close(); });

  test('version, create, wait, run, list, log, delete', async () => {
    assert.match((await c.version()).version, /^\d+\.\d+\.\d+/);
    const s = await c.createSession({ kind: 'pyspark', name: 'client-test' });
    assert.equal(s.state, 'starting');
    const ready = await c.waitForSession('client-test');
    assert.equal(ready.state, 'idle');
    const st = await c.run(s.id, '1 + 1');
    assert.equal(st.state, 'available');
    assert.deepEqual(st.output?.status === 'ok' && st.output.data, { 'text/plain': 'fake:1 + 1' });
    assert.equal((await c.listStatements(s.id)).total_statements, 1);
    assert.ok((await c.listSessions()).sessions.some((x) => x.id === s.id));
    assert.equal((await c.sessionLog(s.id)).id, s.id);
    assert.deepEqual(await c.deleteSession(s.id), { msg: 'deleted' });
  });

  test('statement events iterate until done', async () => {
    const s = await c.createSession({ kind: 'pyspark' });
    await c.waitForSession(s.id);
    const st = await c.submit(s.id, 'print:x,y');
    const seen: string[] = [];
    for await (const ev of c.statementEvents(s.id, st.id)) seen.push(ev.event);
    assert.equal(seen[0], 'statement');
    assert.equal(seen.at(-1), 'done');
  });

  test('errors carry status, code and the server\'s message; an unreachable server is a NetworkError', async () => {
    await assert.rejects(c.getSession(424242), (e: unknown) => {
      assert.ok(e instanceof SparkportError);
      assert.equal(e.status, 404);
      assert.equal(e.code, 'SESSION_NOT_FOUND');
      assert.match(e.message, /not found/);
      return true;
    });
    await assert.rejects(c.createSession({ kind: 'cobol' }), (e: unknown) => e instanceof SparkportError && e.status === 400);
    const dead = new SparkportClient('http://127.0.0.1:1');
    await assert.rejects(dead.version(), (e: unknown) => e instanceof NetworkError);
  });
});
