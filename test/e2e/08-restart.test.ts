/**
 * Sessions outlive their server: SIGKILL the server while a statement runs with another queued
 * behind it, start a new one on the same data directory, and the session comes back as it was:
 * the running statement completes with its output, the queued one runs after it, every statement
 * is listed once, the Spark application and its cached table are the same, and new statements
 * run. The driver listener's port changes across the restart (it is chosen afresh), so the
 * driver finds the new one through its work directory.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { api, run, text, waitForState } from './helpers.ts';
import { freePort, startOwnServer, type OwnServer } from './own-server.ts';

async function waitStatement(base: string, sid: number, id: number, ms = 120_000): Promise<any> {
  const end = Date.now() + ms;
  for (;;) {
    const r = await api('GET', `/sessions/${sid}/statements/${id}`, undefined, base);
    if (['available', 'cancelled', 'error'].includes(r.body?.state)) return r.body;
    if (Date.now() > end) throw new Error(`statement ${id} still ${r.body?.state}`);
    await new Promise((res) => setTimeout(res, 200));
  }
}

describe('server restart', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'sparkport-restart-'));
  let server: OwnServer | undefined;
  after(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  let port = 0;
  let sid = -1;

  test('a SIGKILLed server comes back with its live session, its running and queued statements, and its Spark application', async () => {
    port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    server = await startOwnServer({ dataDir, port });
    const created = await api('POST', '/sessions', { kind: 'pyspark', name: 'keeper' }, base);
    sid = created.body.id;
    const before = await waitForState(sid, ['idle'], 180_000, base);
    assert.equal(text(await run(sid, 'df = spark.range(1000).cache(); df.count(); df.createOrReplaceTempView("kept"); 6 * 7', undefined, base)), '42');

    const slow = await api('POST', `/sessions/${sid}/statements`, { code: 'import time\nprint("before", flush=True)\ntime.sleep(8)\nprint("after")\n"slept"' }, base);
    const queued = await api('POST', `/sessions/${sid}/statements`, { code: 'spark.sql("select count(*) as n from kept").first().n' }, base);
    await new Promise((r) => setTimeout(r, 1500));
    server.child.kill('SIGKILL');
    await new Promise((r) => server!.child.once('exit', r));

    const t0 = Date.now();
    server = await startOwnServer({ dataDir, port });
    const back = await api('GET', `/sessions/${sid}`, undefined, base);
    assert.equal(back.status, 200);
    // Livy's `recovering` until its driver calls back, then busy with the statement it runs.
    assert.ok(['recovering', 'busy'].includes(back.body.state), `the session is live after the restart, not ${back.body.state}`);

    const slept = await waitStatement(base, sid, slow.body.id);
    assert.equal(slept.state, 'available');
    assert.equal(slept.output.status, 'ok', JSON.stringify(slept.output));
    assert.match(slept.output.data['text/plain'], /before\nafter\n'slept'/);
    const counted = await waitStatement(base, sid, queued.body.id);
    assert.equal(text(counted), '1000', 'the queued statement ran after the reconnect, on the cached view');
    const idle = await waitForState(sid, ['idle'], 60_000, base);
    console.log(`# session idle again ${Date.now() - t0} ms after the restart began`);
    assert.equal(idle.appId, before.appId, 'the same Spark application');

    const all = await api('GET', `/sessions/${sid}/statements`, undefined, base);
    const ids = all.body.statements.map((s: { id: number }) => s.id);
    assert.deepEqual(ids, [...new Set(ids)], 'every statement once');
    assert.equal(all.body.total_statements, 3);
    assert.equal(text(await run(sid, '1 + 1', undefined, base)), '2', 'new statements run');
    assert.ok(idle.log.some((l: string) => /reconnected/.test(l)), JSON.stringify(idle.log));
  });

  test('a statement that ends while no server runs keeps its output; a cancel asked while recovering reaches the driver', async () => {
    const base = `http://127.0.0.1:${port}`;
    const restart = async (downMs: number) => {
      server!.child.kill('SIGKILL');
      await new Promise((r) => server!.child.once('exit', r));
      await new Promise((r) => setTimeout(r, downMs));
      server = await startOwnServer({ dataDir, port });
    };
    const quick = await api('POST', `/sessions/${sid}/statements`, { code: 'import time\ntime.sleep(2)\nprint("done while away")\n"finished"' }, base);
    await new Promise((r) => setTimeout(r, 500));
    await restart(4000);
    const done = await waitStatement(base, sid, quick.body.id);
    assert.equal(done.state, 'available');
    assert.equal(done.output.status, 'ok', JSON.stringify(done.output));
    assert.equal(done.output.data['text/plain'], "done while away\n'finished'");

    await waitForState(sid, ['idle'], 60_000, base);
    const slow = await api('POST', `/sessions/${sid}/statements`, { code: 'import time\ntime.sleep(60)\n"slept"' }, base);
    await new Promise((r) => setTimeout(r, 1000));
    await restart(0);
    const cancel = await api('POST', `/sessions/${sid}/statements/${slow.body.id}/cancel`, undefined, base);
    assert.equal(cancel.status, 200);
    const t0 = Date.now();
    const cancelled = await waitStatement(base, sid, slow.body.id, 30_000);
    assert.equal(cancelled.state, 'cancelled', JSON.stringify(cancelled));
    assert.ok(Date.now() - t0 < 20_000, 'cancelled, not left to finish its minute');
    assert.equal(text(await run(sid, '1 + 1', undefined, base)), '2');

    await api('DELETE', `/sessions/${sid}`, undefined, base);
    const next = await api('POST', '/sessions', { kind: 'sql' }, base);
    assert.equal(next.body.id, sid + 1, 'ids keep counting after a restart');
    await api('DELETE', `/sessions/${next.body.id}`, undefined, base);
  });
});
