/**
 * Statements through HTTP on fake drivers: queueing while starting, ?wait long-polls,
 * cancel, shared-session kinds, failures of the driver, and the SSE streams.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { makeHarness } from '../support/harness.ts';

const LIVY_STATEMENT_KEYS = ['code', 'completed', 'id', 'output', 'progress', 'started', 'state'];

describe('statements over HTTP', () => {
  let h: Awaited<ReturnType<typeof makeHarness>>;
  let sid: number;
  before(async () => {
    h = await makeHarness((c) => { c.sessions.max = 20; });
    sid = (await h.json('POST', '/sessions', { kind: 'pyspark' })).body.id;
    await h.waitState(sid, 'idle');
  });
  after(async () => { await h.close(); });

  test('POST ?wait answers with the finished statement in Livy\'s shape', async () => {
    const r = await h.json('POST', `/sessions/${sid}/statements?wait=5`, { code: '1 + 1' });
    assert.equal(r.status, 201);
    assert.match(String(r.headers.location), new RegExp(`^/sessions/${sid}/statements/\\d+$`));
    assert.deepEqual(Object.keys(r.body).sort(), LIVY_STATEMENT_KEYS);
    assert.equal(r.body.state, 'available');
    assert.equal(r.body.progress, 1);
    assert.deepEqual(r.body.output, { status: 'ok', execution_count: r.body.id, data: { 'text/plain': 'fake:1 + 1' } });
    assert.ok(r.body.started > 0 && r.body.completed >= r.body.started);
  });

  test('without wait the statement comes back waiting or running, and GET ?wait gets the result', async () => {
    const r = await h.json('POST', `/sessions/${sid}/statements`, { code: 'sleep:30' });
    assert.ok(['waiting', 'running'].includes(r.body.state));
    assert.equal(r.body.output, null);
    assert.equal(typeof r.body.progress, 'number');
    const g = await h.json('GET', `/sessions/${sid}/statements/${r.body.id}?wait=5`);
    assert.equal(g.body.state, 'available');
    assert.equal(g.body.output.data['text/plain'], 'slept');
  });

  test('a wait that runs out answers with the statement as it is', async () => {
    const r = await h.json('POST', `/sessions/${sid}/statements`, { code: 'sleep:100000' });
    const pending = h.json('GET', `/sessions/${sid}/statements/${r.body.id}?wait=2`);
    await new Promise((res) => setTimeout(res, 20));
    h.clock.advance(2000);
    const g = await pending;
    assert.equal(g.body.state, 'running');
    assert.equal(g.body.progress, 0.5);
    const c = await h.json('POST', `/sessions/${sid}/statements/${r.body.id}/cancel`);
    assert.deepEqual(c.body, { msg: 'canceled' });
    const done = await h.json('GET', `/sessions/${sid}/statements/${r.body.id}?wait=5`);
    assert.equal(done.body.state, 'cancelled');
  });

  test('statements run one at a time in arrival order; a waiting one can be cancelled', async () => {
    const a = await h.json('POST', `/sessions/${sid}/statements`, { code: 'sleep:100' });
    const b = await h.json('POST', `/sessions/${sid}/statements`, { code: 'second' });
    const c = await h.json('POST', `/sessions/${sid}/statements`, { code: 'third' });
    assert.equal(b.body.state, 'waiting');
    assert.equal((await h.json('GET', `/sessions/${sid}`)).body.state, 'busy');
    await h.json('POST', `/sessions/${sid}/statements/${b.body.id}/cancel`);
    const cc = await h.json('GET', `/sessions/${sid}/statements/${c.body.id}?wait=5`);
    assert.equal(cc.body.output.data['text/plain'], 'fake:third');
    const bb = await h.json('GET', `/sessions/${sid}/statements/${b.body.id}`);
    assert.equal(bb.body.state, 'cancelled');
    assert.equal(bb.body.output, null);
    const aa = await h.json('GET', `/sessions/${sid}/statements/${a.body.id}`);
    assert.ok(aa.body.completed <= cc.body.started);
    await h.waitState(sid, 'idle');
  });

  test('list statements: total_statements, paging, order=desc', async () => {
    const l = await h.json('GET', `/sessions/${sid}/statements`);
    assert.deepEqual(Object.keys(l.body).sort(), ['statements', 'total_statements']);
    assert.equal(l.body.total_statements, l.body.statements.length);
    const d = await h.json('GET', `/sessions/${sid}/statements?order=desc&size=1`);
    assert.equal(d.body.statements[0].id, l.body.statements.at(-1).id);
    assert.equal((await h.json('GET', `/sessions/${sid}/statements?order=sideways`)).status, 400);
  });

  test('error outputs pass through as statement output, not HTTP errors', async () => {
    const r = await h.json('POST', `/sessions/${sid}/statements?wait=5`, { code: 'raise' });
    assert.equal(r.status, 201);
    assert.equal(r.body.state, 'available');
    assert.equal(r.body.output.status, 'error');
    assert.equal(r.body.output.ename, 'ValueError');
  });

  test('bad statement requests get clear 4xx', async () => {
    const cases: [string, unknown, number, RegExp][] = [
      [`/sessions/${sid}/statements`, {}, 400, /missing required field 'code'/],
      [`/sessions/${sid}/statements`, { code: 1 }, 400, /code.*string/],
      [`/sessions/${sid}/statements`, { code: 'x', kind: 'fortran' }, 400, /Unknown statement kind/],
      [`/sessions/${sid}/statements`, { code: 'x', extra: 1 }, 400, /unknown field 'extra'/],
      [`/sessions/${sid}/statements?wait=never`, { code: 'x' }, 400, /'wait'/],
      [`/sessions/${sid}/statements`, '{oops', 400, /Malformed JSON/],
      ['/sessions/777/statements', { code: 'x' }, 404, /not found/],
    ];
    for (const [url, body, status, re] of cases) {
      const r = await h.json('POST', url, body);
      assert.equal(r.status, status, `${url} ${JSON.stringify(body)}`);
      assert.match(r.body.msg, re);
    }
    assert.equal((await h.json('GET', `/sessions/${sid}/statements/9999`)).status, 404);
    assert.equal((await h.json('GET', `/sessions/${sid}/statements/abc`)).status, 400);
  });

  test('a shared session needs kind on each statement', async () => {
    const s = (await h.json('POST', '/sessions', {})).body.id;
    const r = await h.json('POST', `/sessions/${s}/statements`, { code: '1' });
    assert.equal(r.status, 400);
    assert.match(r.body.msg, /must carry kind/);
    const ok = await h.json('POST', `/sessions/${s}/statements?wait=5`, { code: 'select 1', kind: 'sql' });
    assert.equal(ok.status, 201);
    assert.equal(ok.body.state, 'available');
    assert.equal(h.launcher.procs.at(-1)!.received.find((m) => m.type === 'execute')?.kind, 'sql');
  });

  test('statements posted while starting run when the session is ready', async () => {
    h.launcher.readyDelayMs = 100;
    const s = (await h.json('POST', '/sessions', { kind: 'pyspark' })).body.id;
    h.launcher.readyDelayMs = 5;
    const r = await h.json('POST', `/sessions/${s}/statements`, { code: 'early' });
    assert.equal(r.status, 201);
    assert.equal(r.body.state, 'waiting');
    const l = await h.json('GET', `/sessions/${s}/statements`);
    assert.equal(l.status, 200);
    const g = await h.json('GET', `/sessions/${s}/statements/${r.body.id}?wait=5`);
    assert.equal(g.body.output.data['text/plain'], 'fake:early');
  });

  test('a driver that fails to start: error then dead, waiting statements get an error output', async () => {
    for (const behaviour of ['crash-start', 'fatal'] as const) {
      h.launcher.behaviour = behaviour;
      const s = (await h.json('POST', '/sessions', { kind: 'pyspark' })).body.id;
      h.launcher.behaviour = 'ok';
      const r = await h.json('POST', `/sessions/${s}/statements`, { code: 'never' });
      const g = await h.json('GET', `/sessions/${s}/statements/${r.body.id}?wait=5`);
      assert.equal(g.body.state, 'available', behaviour);
      assert.equal(g.body.output.status, 'error');
      assert.match(g.body.output.evalue, /failed to start/);
      await h.waitState(s, 'dead');
      const after = await h.json('POST', `/sessions/${s}/statements`, { code: 'x' });
      assert.equal(after.status, 409);
      assert.equal(after.body.code, 'SESSION_NOT_ACTIVE');
      const list = await h.json('GET', `/sessions/${s}/statements`);
      assert.equal(list.status, 200);
    }
    const sess = await h.json('GET', '/sessions');
    assert.ok(sess.body.sessions.some((x: { state: string }) => x.state === 'idle'), 'other sessions unaffected');
  });

  test('a driver that never calls back is failed at the start deadline', async () => {
    h.launcher.behaviour = 'hang';
    const s = (await h.json('POST', '/sessions', { kind: 'pyspark' })).body.id;
    h.launcher.behaviour = 'ok';
    h.clock.advance(h.config.sessions.startTimeoutMs + 1);
    await h.waitState(s, 'dead');
    const log = await h.json('GET', `/sessions/${s}/log`);
    assert.ok(log.body.log.some((l: string) => /did not become ready/.test(l)));
  });

  test('a driver that dies mid-statement: the statement errors, the session ends dead, the server is fine', async () => {
    const s = (await h.json('POST', '/sessions', { kind: 'pyspark' })).body.id;
    await h.waitState(s, 'idle');
    h.launcher.procs.at(-1)!['behaviour' as never] = 'die-mid' as never;
    const r = await h.json('POST', `/sessions/${s}/statements?wait=5`, { code: 'x' });
    assert.equal(r.body.state, 'available');
    assert.match(r.body.output.evalue, /Interpreter died/);
    await h.waitState(s, 'dead');
    assert.equal((await h.json('GET', '/version')).status, 200);
  });

  test('garbage from a driver is answered and does not break it', async () => {
    h.launcher.behaviour = 'garbage';
    const s = (await h.json('POST', '/sessions', { kind: 'pyspark' })).body.id;
    h.launcher.behaviour = 'ok';
    await h.waitState(s, 'idle');
    const r = await h.json('POST', `/sessions/${s}/statements?wait=5`, { code: 'fine' });
    assert.equal(r.body.output.data['text/plain'], 'fake:fine');
    const log = (await h.json('GET', `/sessions/${s}/log?size=-1`)).body.log;
    assert.ok(Array.isArray(log));
  });

  test('completion goes to the driver', async () => {
    const r = await h.json('POST', `/sessions/${sid}/completion`, { code: 'spark.ra', kind: 'pyspark', cursor: 8 });
    assert.deepEqual(r.body, { candidates: ['spark.ra_x'] });
  });

  test('SSE: printed lines, progress and the final statement arrive as events', async () => {
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (h.app.server.address() as { port: number }).port;
    const post = await h.json('POST', `/sessions/${sid}/statements`, { code: 'sleep:150' });
    const events = await new Promise<string>((resolve, reject) => {
      http.get(`http://127.0.0.1:${port}/sessions/${sid}/statements/${post.body.id}/events`, (res) => {
        assert.equal(res.headers['content-type'], 'text/event-stream; charset=utf-8');
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => { text += c; });
        res.on('end', () => resolve(text));
      }).on('error', reject);
    });
    assert.match(events, /event: statement\n/);
    assert.match(events, /event: progress\ndata: \{"progress":1\}/);
    assert.match(events, /event: done\ndata: \{"id":\d+,"code":"sleep:150","state":"available"/);
    const p2 = await h.json('POST', `/sessions/${sid}/statements`, { code: 'print:a,b' });
    const late = await new Promise<string>((resolve) => {
      http.get(`http://127.0.0.1:${port}/sessions/${sid}/statements/${p2.body.id}/events`, (res) => {
        let text = '';
        res.on('data', (c) => { text += c; });
        res.on('end', () => resolve(text));
      });
    });
    assert.match(late, /event: done/);
  });
});
