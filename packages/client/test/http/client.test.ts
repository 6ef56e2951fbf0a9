/**
 * The TypeScript client against a real HTTP server on fake drivers: every call, the waits,
 * the SSE iterator, and typed errors.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeHarness } from '../../../server/test/support/harness.ts';
import { NetworkError, SparkportClient, SparkportError, splitLivyLog } from '../../src/index.ts';

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

  test("a session's Spark Connect URL and token; a 404 when the server has Spark Connect off", async () => {
    const off = await c.createSession({ kind: 'pyspark' });
    await c.waitForSession(off.id);
    await assert.rejects(c.sparkConnect(off.id), (e: unknown) => e instanceof SparkportError && e.status === 404 && /connect\.enabled/.test(e.message));
    h.config.connect.enabled = true;
    try {
      const s = await c.createSession({ kind: 'pyspark' });
      const ready = await c.waitForSession(s.id);
      const { url, token } = await c.sparkConnect(s.id);
      assert.match(url, new RegExp(`^sc://127\\.0\\.0\\.1:15002/;session_id=[0-9a-f-]+;user_id=sparkport;x-sparkport-token=${token}$`));
      assert.equal(ready.appInfo.sparkConnectUrl, url.replace(`;x-sparkport-token=${token}`, ''));
    } finally {
      h.config.connect.enabled = false;
    }
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

  test('batches: create, list, get, state, log, follow, wait, delete', async () => {
    const dir = h.config.batches.allowedDirs[0]!;
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'job.py');
    writeFileSync(file, 'print(1)\n');
    const b = await c.createBatch({ file, args: ['a'], name: 'client-batch' });
    assert.equal(typeof b.id, 'number');
    assert.ok(['starting', 'running'].includes(b.state));
    assert.ok((await c.listBatches()).sessions.some((x) => x.id === b.id));
    assert.equal((await c.getBatch('client-batch')).id, b.id);
    const proc = h.batchLauncher.last();
    proc.print('line one');
    const lines: string[] = [];
    const follow = (async () => { for await (const l of c.followBatchLog(b.id, { intervalMs: 10 })) lines.push(l); })();
    await h.waitFor(() => lines.includes('line one'), 'first line followed');
    proc.print('line two');
    proc.exit(0);
    const done = await c.waitForBatch(b.id, 5_000, 10);
    assert.equal(done.state, 'success');
    await follow;
    assert.ok(lines.indexOf('line one') < lines.indexOf('line two'), lines.join('|'));
    assert.deepEqual(await c.batchState(b.id), { id: b.id, state: 'success' });
    const log = await c.batchLog(b.id, 0, 1000);
    assert.equal(log.id, b.id);
    assert.ok(log.log.includes('line two'));
    assert.deepEqual(await c.deleteBatch(b.id), { msg: 'deleted' });
    await assert.rejects(c.getBatch(b.id), (e: unknown) => e instanceof SparkportError && e.status === 404 && e.code === 'BATCH_NOT_FOUND');
    await assert.rejects(c.createBatch({ file: '/etc/passwd' }), (e: unknown) => e instanceof SparkportError && e.status === 403);
  });

  test('cancel, completion and shared maps through the client', async () => {
    const s = await c.createSession({ kind: 'pyspark' });
    await c.waitForSession(s.id);
    const st = await c.submit(s.id, 'sleep:5000');
    assert.deepEqual(await c.cancel(s.id, st.id), { msg: 'canceled' });
    const end = await c.waitForStatement(s.id, st.id, 5_000);
    assert.equal(end.state, 'cancelled');
    assert.ok(Array.isArray((await c.complete(s.id, 'spark.ran')).candidates));
    const m = c.shared(s.id, 'client_map');
    await m.set('k', { v: 1 });
    assert.deepEqual(await m.get('k'), { v: 1 });
    await c.deleteSession(s.id);
  });

  test('Livy log layout splits into its stdout and stderr lines', () => {
    assert.deepEqual(splitLivyLog(['stdout: ', 'a', 'b', '\nstderr: ', 'e']), [['a', 'b'], ['e']]);
    assert.deepEqual(splitLivyLog(['stdout: ', '\nstderr: ']), [[], []]);
    assert.deepEqual(splitLivyLog(['only line']), [['only line'], []]);
  });
});
