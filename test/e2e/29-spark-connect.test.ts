/**
 * A session's Spark Connect face on real Spark (connect.enabled, domain/spark-connect.ts), on a
 * server of the test's own, driven by a real Spark Connect client (pyspark-client from
 * .venv-connect, test/e2e/spark_connect_flow.py): appInfo has the face's address (127.0.0.1, plain
 * gRPC), GET /spark-connect its token (an x-sparkport-token parameter, sent as a header); a wrong
 * or missing token is refused UNAUTHENTICATED before anything else sees the call (it is no Connect
 * activity); the token is not in the session's SparkConf (what a statement could print); temp views
 * go both ways between statements and the client, and so do SQL settings;
 * a DataFrame the client caches and registers is a statement's `%json`, cached; a client's
 * stop() leaves the face to the next client; the token is in no log;
 * the CLI prints the URL; a server restarted after a SIGKILL learns the face again from the
 * reconnecting driver (it stores no token). A second session, whose face finds the range's one port taken, runs
 * without one and says why. A session used only through its face, with a short idleTimeout, outlives it:
 * the driver's ping replies (every second here) say when the face was last used.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { api, run, text, waitForState } from './helpers.ts';
import { freePort, startOwnServer, type OwnServer } from './own-server.ts';
import { ROOT, runPython } from './run-python.ts';

const CLIENT = path.join(ROOT, '.venv-connect/bin/python');

describe('Spark Connect faces on real Spark', { timeout: 420_000 }, () => {
  let server: OwnServer;
  let dataDir: string;
  let id: number;
  let url: string;
  let token: string;
  let env: Record<string, string>;
  let port: number;
  const call = (method: string, p: string, body?: unknown) => api(method, p, body, server.base);
  const stmt = (code: string) => run(id, code, undefined, server.base);
  /** One phase of the client script; its last line is what it saw. */
  const client = async (phase: string, extra: string[] = [], to = url, ms = 180_000) => {
    const r = await runPython(CLIENT, ['test/e2e/spark_connect_flow.py', phase, to, ...extra], {}, ms);
    for (const line of r.stdout.split('\n')) if (line.startsWith('ok: ')) console.log(`  [connect client] ${line}`);
    assert.equal(r.code, 0, `${phase}: exit ${r.code}\n${r.stdout}\n${r.stderr.slice(-3000)}`);
    return JSON.parse(r.stdout.trim().split('\n').at(-1)!);
  };

  before(async () => {
    assert.ok(existsSync(CLIENT), 'no .venv-connect: run `node scripts/setup.mjs --livy-clients`');
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'sparkport-connect-'));
    // One port: the first session's face takes it, the second session's finds none.
    const face = await freePort();
    env = {
      SPARKPORT_CONNECT__ENABLED: 'true', SPARKPORT_CONNECT__PORT_RANGE: `${face}-${face}`,
      // Each ping's reply says when the face was last used: the last test needs it often.
      SPARKPORT_SESSIONS__PING_INTERVAL_MS: '1000',
    };
    port = await freePort();
    server = await startOwnServer({ dataDir, port, env });
    const r = await call('POST', '/sessions', { kind: 'pyspark', name: 'connect' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    id = r.body.id;
    await waitForState(id, ['idle'], 180_000, server.base);
  });

  after(async () => {
    await server?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  test('appInfo has the sc:// address without its token; GET /spark-connect has it with', async () => {
    const s = (await call('GET', `/sessions/${id}`)).body;
    const pub = s.appInfo.sparkConnectUrl as string;
    assert.match(pub, /^sc:\/\/127\.0\.0\.1:\d+\/;session_id=[0-9a-f-]{36};user_id=sparkport$/, JSON.stringify(s.appInfo));
    const c = await call('GET', `/sessions/${id}/spark-connect`);
    assert.equal(c.status, 200, JSON.stringify(c.body));
    ({ url, token } = c.body);
    assert.ok(token.length >= 40);
    assert.equal(url, `${pub};x-sparkport-token=${token}`);
  });

  test('a wrong or missing token is refused UNAUTHENTICATED, before the calls count as Connect use', async () => {
    const r = await client('wrong-token');
    assert.equal(r.wrong.refused, true, r.wrong.error);
    assert.match(r.wrong.error, /wrong x-sparkport-token/);
    assert.equal(r.missing.refused, true, r.missing.error);
    assert.match(r.missing.error, /no x-sparkport-token/);
    // No call has passed yet: the token check ran first, and nothing behind it saw the calls.
    assert.equal(text(await stmt('print(sc._jvm.sparkport.ConnectFace.idleMs())')), '-1');
  });

  test("the token is not in the session's SparkConf: a statement that prints it all does not show it", async () => {
    const all = text(await stmt('print(sc.getConf().getAll())\nprint(sorted(spark.conf.getAll.items()))'));
    assert.match(all, /spark\.connect\.grpc\.interceptor\.classes/, 'the face\'s own settings are there');
    assert.ok(!all.includes(token), 'a statement printed the token');
    assert.doesNotMatch(all, /spark\.connect\.authenticate\.token/);
  });

  test('a temp view goes from a statement to the client and back; a cached DataFrame of the client is a %json, cached', async () => {
    text(await stmt('spark.range(5).createOrReplaceTempView("from_statement")'));
    assert.deepEqual(await client('share'), { from_statement: 5 });
    assert.equal(text(await stmt('spark.table("from_connect").count()')), '7');
    const j = await stmt('%json spark.table("cached_c").orderBy("x")');
    assert.deepEqual(j.output?.data?.['application/json'], [{ x: 0 }, { x: 2 }, { x: 4 }], JSON.stringify(j.output));
    assert.equal(text(await stmt('spark.catalog.isCached("cached_c")')), 'True', "the client's cache is the session's");
  });

  test("a client's stop() leaves the face to the next client, on the same session: views and SQL settings", async () => {
    text(await stmt('spark.range(2).createOrReplaceTempView("from_statement_2")\nspark.conf.set("spark.sql.session.timeZone", "Asia/Tokyo")'));
    assert.deepEqual(await client('again'), { from_statement_2: 2, from_connect: 7, timezone: 'Asia/Tokyo' });
  });

  test('the token is in no log: not the session\'s, not the server\'s; the CLI prints the URL for a client to take as it is', async () => {
    const log = (await call('GET', `/sessions/${id}/log?size=-1`)).body.log.join('\n');
    assert.match(log, /Spark Connect on 127\.0\.0\.1:\d+/);
    assert.ok(!log.includes(token), 'the session log has the token');
    assert.ok(!server.stderr().includes(token), "the server's log has the token");
    const cli = spawnSync(path.join(ROOT, 'bin/sparkport'), ['--url', server.base, 'sessions', 'connect', String(id)], { encoding: 'utf8' });
    assert.equal(cli.status, 0, cli.stderr);
    assert.equal(cli.stdout, `${url}\n`);
  });

  test('a server restarted after a SIGKILL knows the face again once the driver is back, and the face served on meanwhile', async () => {
    server.child.kill('SIGKILL');
    await new Promise((r) => server.child.once('exit', r));
    assert.deepEqual((await client('again')).from_connect, 7, 'with no server at all');
    server = await startOwnServer({ dataDir, port, env });
    await waitForState(id, ['idle'], 120_000, server.base);
    const c = await call('GET', `/sessions/${id}/spark-connect`);
    assert.equal(c.status, 200, JSON.stringify(c.body));
    assert.deepEqual(c.body, { url, token });
  });

  test('a face that cannot start (no free port in the range) costs the session only the face: idle, its log says why', async () => {
    const r = await call('POST', '/sessions', { kind: 'pyspark', name: 'no-face' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    try {
      const s = await waitForState(r.body.id, ['idle'], 180_000, server.base);
      assert.equal(s.appInfo.sparkConnectUrl, null);
      const c = await call('GET', `/sessions/${r.body.id}/spark-connect`);
      assert.deepEqual([c.status, c.body.code], [409, 'SESSION_NOT_ACTIVE']);
      // The driver's log file is followed, not pushed: its last lines may come a moment after `idle`.
      const why = /Spark Connect is off for this session: it could not start on 127\.0\.0\.1, ports (\d+)-\1: /;
      let log = '';
      for (let i = 0; i < 100 && !why.test(log); i++) {
        if (i) await new Promise((res) => setTimeout(res, 100));
        log = (await call('GET', `/sessions/${r.body.id}/log?size=-1`)).body.log.join('\n');
      }
      assert.match(log, why);
      assert.equal(text(await run(r.body.id, '1 + 1', undefined, server.base)), '2');
    } finally {
      await call('DELETE', `/sessions/${r.body.id}`);
    }
  });

  test('a session used only through its face is not idle: Connect queries for longer than its idleTimeout, and it is still idle, not gone', async () => {
    // The range's one port goes to a new session, with a short idleTimeout, once the first has given it up.
    assert.equal((await call('DELETE', `/sessions/${id}`)).status, 200);
    const r = await call('POST', '/sessions', { kind: 'pyspark', name: 'connect-only', idleTimeout: '12s' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const sid = r.body.id as number;
    await waitForState(sid, ['idle'], 180_000, server.base);
    const idleSince = Date.now();
    const c = await call('GET', `/sessions/${sid}/spark-connect`);
    assert.equal(c.status, 200, JSON.stringify(c.body));
    // A session ended under it leaves the client retrying: 60 s is plenty for 20 s of queries.
    const kept = await client('keep', ['20'], c.body.url, 60_000);
    // A query every 3 s or so (fewer on a loaded machine, whose first query plans slowly), over
    // longer than the 12 s idleTimeout: only the queries could have kept the session.
    assert.ok(kept.queries >= 3 && kept.span_s > 12, JSON.stringify(kept));
    assert.ok(Date.now() - idleSince > 12_000 + 5_000, 'longer than the idle timeout, and the upkeep pass (every second) had its chances');
    const s = await call('GET', `/sessions/${sid}`);
    assert.equal(s.status, 200, `the session was ended: ${JSON.stringify(s.body)}`);
    assert.equal(s.body.state, 'idle');
    assert.equal((await call('GET', `/sessions/${sid}/statements`)).body.total_statements, 0, 'no statement kept it');
  });
});
