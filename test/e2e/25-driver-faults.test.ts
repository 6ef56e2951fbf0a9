/**
 * Drivers that die or misbehave, on real processes, on a server of the test's own (small
 * drivers: local[1], 640m): the JVM or the Python driver SIGKILLed mid-statement, a statement
 * that exits the driver, one that prints 100 MB, one that exhausts the driver's heap. Each time
 * the session ends (or the statement fails) with the reason, within seconds, and the server and
 * its other sessions go on as if nothing happened.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { api, run, text, waitForState } from './helpers.ts';
import { startOwnServer, type OwnServer } from './own-server.ts';
import { jvmOf, memoryOf, pythonDriverOf } from './proc-find.ts';

const MB = 1024 * 1024;
const ENDED = ['dead', 'killed'];

describe('driver faults', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'sparkport-driver-faults-'));
  let server: OwnServer;
  let base: string;
  const ids: Record<'spare' | 'jvm' | 'python' | 'exit' | 'oom', number> = { spare: -1, jvm: -1, python: -1, exit: -1, oom: -1 };
  const workDir = (id: number) => path.join(dataDir, 'sessions', String(id));

  before(async () => {
    server = await startOwnServer({ dataDir, env: { SPARKPORT_SESSIONS__MAX_STARTING: '3' } });
    base = server.base;
    for (const name of Object.keys(ids) as (keyof typeof ids)[]) {
      const r = await api('POST', '/sessions', { kind: 'pyspark', name }, base);
      assert.equal(r.status, 201, JSON.stringify(r.body));
      ids[name] = r.body.id;
    }
    await Promise.all(Object.values(ids).map((id) => waitForState(id, ['idle'], 180_000, base)));
  });
  after(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** Submits code and waits until it runs on the driver. */
  async function running(id: number, code: string): Promise<number> {
    const s = await api('POST', `/sessions/${id}/statements`, { code }, base);
    assert.equal(s.status, 201, JSON.stringify(s.body));
    for (const end = Date.now() + 30_000; ;) {
      const g = await api('GET', `/sessions/${id}/statements/${s.body.id}`, undefined, base);
      if (g.body.state === 'running') return s.body.id;
      assert.ok(Date.now() < end, `statement still ${g.body.state}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Waits for the session to end; returns it and how long that took. */
  async function ended(id: number, withinMs: number): Promise<{ session: any; ms: number }> {
    const t0 = Date.now();
    const session = await waitForState(id, ENDED, withinMs, base).catch(async (e: Error) => {
      const now = await api('GET', `/sessions/${id}`, undefined, base);
      throw new Error(`${e.message}\nlog: ${JSON.stringify(now.body.log)}`);
    });
    const ms = Date.now() - t0;
    // The whole log, not the view's last lines: a traceback can push the reason out of those.
    const log = await api('GET', `/sessions/${id}/log?from=0&size=10000`, undefined, base);
    return { session: { ...session, log: log.body.log }, ms };
  }

  async function statement(id: number, stmt: number): Promise<any> {
    return (await api('GET', `/sessions/${id}/statements/${stmt}?wait=10`, undefined, base)).body;
  }

  async function spareStillWorks(): Promise<void> {
    assert.equal((await api('GET', '/version', undefined, base)).status, 200);
    assert.equal(text(await run(ids.spare, '1 + 1', undefined, base)), '2');
  }

  test('(a) the JVM SIGKILLed mid-statement: the session ends within 5 s saying so, and the statement fails saying the driver died', async () => {
    // Python code, not a Spark job: the driver's JVM watcher, not a py4j error, is what notices.
    const stmt = await running(ids.jvm, 'import time\ntime.sleep(120)');
    process.kill(jvmOf(workDir(ids.jvm)), 'SIGKILL');
    const { session, ms } = await ended(ids.jvm, 5000);
    console.log(`# JVM SIGKILL: session ${session.state} after ${ms} ms`);
    const s = await statement(ids.jvm, stmt);
    assert.equal(s.state, 'available', `the statement is failed, not ${s.state}: ${JSON.stringify(s.output)}`);
    assert.equal(s.output.status, 'error');
    assert.match(`${s.output.ename}: ${s.output.evalue}`, /died|JVM|exited/i, JSON.stringify(s.output));
    assert.match(session.log.join('\n'), /JVM/, JSON.stringify(session.log));
    await spareStillWorks();
  });

  let pythonKilled: any;
  test('(b) the Python driver SIGKILLed mid-statement: the session ends within 5 s with the reason, the statement fails saying the interpreter died', async () => {
    const stmt = await running(ids.python, 'import time\ntime.sleep(120)');
    process.kill(pythonDriverOf(workDir(ids.python)), 'SIGKILL');
    const { session, ms } = await ended(ids.python, 5000);
    console.log(`# Python driver SIGKILL: session ${session.state} after ${ms} ms`);
    pythonKilled = session;
    assert.match(session.log.join('\n'), /SIGKILL|killed/, JSON.stringify(session.log));
    const s = await statement(ids.python, stmt);
    assert.equal(s.state, 'available', `the statement is failed, not ${s.state}`);
    assert.equal(s.output.status, 'error');
    assert.match(s.output.evalue, /Interpreter died|died/i, JSON.stringify(s.output));
    await spareStillWorks();
  });

  test('(b) and a driver killed by a signal nobody here sent is Livy\'s `killed`', () => {
    assert.ok(pythonKilled, 'needs (b)');
    assert.equal(pythonKilled.state, 'killed');
  });

  test('(c) a statement that exits the driver (os._exit(1)): the session is dead with the reason', async () => {
    const s = await api('POST', `/sessions/${ids.exit}/statements`, { code: 'import os\nos._exit(1)' }, base);
    assert.equal(s.status, 201);
    const { session, ms } = await ended(ids.exit, 5000);
    console.log(`# os._exit(1): session ${session.state} after ${ms} ms`);
    assert.equal(session.state, 'dead');
    assert.match(session.log.join('\n'), /exited with code 1/, JSON.stringify(session.log));
    const st = await statement(ids.exit, s.body.id);
    assert.equal(st.state, 'available');
    assert.equal(st.output.status, 'error');
    await spareStillWorks();
  });

  /** Runs code on the spare session, sampling the server's RSS meanwhile; checks the output is cut and the server did not grow. */
  async function printsWithBoundedServer(what: string, code: string, waitSeconds: number): Promise<any> {
    const pid = server.child.pid!;
    const before = memoryOf(pid);
    let peak = before.rss;
    const sampler = setInterval(() => { peak = Math.max(peak, memoryOf(pid).rss); }, 20);
    const t0 = Date.now();
    let r;
    try {
      r = await api('POST', `/sessions/${ids.spare}/statements?wait=${waitSeconds}`, { code }, base);
    } finally {
      clearInterval(sampler);
    }
    const after = memoryOf(pid);
    console.log(`# ${what}: ${r.body?.state} after ${Date.now() - t0} ms; server RSS ${Math.round(before.rss / MB)} MB before, ` +
      `peak ${Math.round(peak / MB)} MB, ${Math.round(after.rss / MB)} MB after; VmHWM ${Math.round(before.hwm / MB)} → ${Math.round(after.hwm / MB)} MB`);
    assert.equal(r.status, 201, JSON.stringify(r.body).slice(0, 500));
    assert.ok(Math.max(peak, after.hwm) - Math.max(before.rss, before.hwm) < 400 * MB, 'the server grew by less than 400 MB');
    return r.body;
  }

  function assertCut(s: any): void {
    assert.equal(s.state, 'available', `finished, not ${s.state}`);
    assert.equal(s.output.status, 'ok', JSON.stringify(s.output).slice(0, 500));
    assert.equal(s.output.truncated, true);
    assert.ok(s.output.data['text/plain'].length <= 2 * MB, `${s.output.data['text/plain'].length} characters kept`);
  }

  test('(d) a statement that prints 100 MB in lines: the server\'s memory stays bounded, the output is cut and marked truncated, and the server goes on', async () => {
    assertCut(await printsWithBoundedServer('100 MB in 1 KB lines', 'for _ in range(100 * 1024):\n    print("x" * 1023)', 120));
    assert.equal((await api('GET', `/sessions/${ids.spare}/statements`, undefined, base)).status, 200);
    await spareStillWorks();
  });

  test('(e) a statement that exhausts the driver\'s heap: the statement fails with OutOfMemoryError or the session dies, and the server goes on', async () => {
    const t0 = Date.now();
    const r = await api('POST', `/sessions/${ids.oom}/statements?wait=120`, { code: 'spark.range(10**9).collect()' }, base);
    assert.equal(r.status, 201);
    let session = (await api('GET', `/sessions/${ids.oom}`, undefined, base)).body;
    // The statement can fail with the JVM's exit a moment before the session is marked ended.
    if (!ENDED.includes(session.state) && /Interpreter died/.test(r.body.output?.evalue ?? '')) session = await waitForState(ids.oom, ENDED, 30_000, base);
    console.log(`# heap exhausted: ${Date.now() - t0} ms; statement ${r.body.state} ${r.body.output?.ename ?? ''}; session ${session.state}`);
    assert.equal(r.body.state, 'available', `finished, not ${r.body.state}`);
    assert.equal(r.body.output.status, 'error');
    if (!ENDED.includes(session.state)) {
      assert.match(`${r.body.output.ename}: ${r.body.output.evalue}\n${r.body.output.traceback.join('')}`, /OutOfMemory/);
      // A session that lives on must still work, not sit idle with a broken Spark.
      const next = await api('POST', `/sessions/${ids.oom}/statements?wait=30`, { code: '1 + 1' }, base);
      assert.equal(next.body.output?.status, 'ok', `the session is ${session.state} but its next statement fails: ${JSON.stringify(next.body.output).slice(0, 300)}`);
    } else {
      // The reason reaches the user: in the statement's error (the JVM's exit) or the session's log.
      const told = `${r.body.output.evalue ?? ''}\n${session.log.join('\n')}`;
      assert.match(told, /OutOfMemory|exited|JVM/, told);
    }
    await spareStillWorks();
  });

  test('(d) one 100 MB line: the same, and it finishes within 30 s', async () => {
    const s = await printsWithBoundedServer('one 100 MB line', 'print("x" * (100 * 1024 * 1024))', 30);
    if (s.state !== 'available') await api('POST', `/sessions/${ids.spare}/statements/${s.id}/cancel`, undefined, base);
    assertCut(s);
    await spareStillWorks();
  });
});
