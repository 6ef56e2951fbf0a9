/**
 * The server side of the driver protocol (PROTOCOL.md) after the handshake, over real loopback
 * TCP: driver events, malformed and unknown lines, request/reply matching by id, per-request
 * stream and progress events, error replies, a dropped socket and timeouts. The "driver" is a
 * hand-written client socket (test/support/raw-driver.ts), so every byte on the wire is the
 * test's choice. The handshake itself is in driver-protocol-handshake.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DriverCallError, type RequestEvent } from '../../src/domain/ports/driver-link.ts';
import { driverListenerFixture, within, type Msg } from '../support/raw-driver.ts';

const rejectsWith = async (p: Promise<unknown>, code: string) => {
  await assert.rejects(within(p, `for a ${code} rejection`), (e: unknown) => {
    assert.ok(e instanceof DriverCallError, `expected DriverCallError, got ${String(e)}`);
    assert.equal(e.code, code);
    return true;
  });
};

describe('driver protocol over TCP', () => {
  const { connected } = driverListenerFixture();

  describe('after the handshake', () => {
    test('ready and fatal reach the server as events', async () => {
      const { d, conn } = await connected();
      const ready = new Promise((r) => conn.once('ready', r));
      d.send({ type: 'ready', app_id: 'local-42', spark_ui_url: 'http://127.0.0.1:4040', spark_version: '4.1.2', master: 'local[2]' });
      assert.deepEqual(await within(ready, 'for ready'), {
        type: 'ready', app_id: 'local-42', spark_ui_url: 'http://127.0.0.1:4040', spark_version: '4.1.2', master: 'local[2]',
      });
      const fatal = new Promise((r) => conn.once('fatal', r));
      d.send({ type: 'fatal', message: 'SparkContext failed', traceback: ['x'] });
      assert.equal(((await within(fatal, 'for fatal')) as Msg).message, 'SparkContext failed');
    });

    test('malformed lines are answered with BAD_MESSAGE and the connection keeps working', async () => {
      const { d, conn } = await connected();
      for (const line of ['this is not json', '{"no":"type"}', '[1,2,3]', 'null', '"hello"', '{"type":5}']) {
        d.line(line);
        const err = await d.next(`an answer to ${line}`);
        assert.deepEqual({ type: err.type, code: err.code, re: err.re }, { type: 'error', code: 'BAD_MESSAGE', re: null }, line);
        assert.equal(typeof err.message, 'string');
      }
      assert.equal(conn.isOpen, true);
      const pong = conn.request({ type: 'ping' });
      const req = await d.next('ping');
      assert.equal(req.type, 'ping');
      d.send({ type: 'reply', re: req.id, ok: true, result: {} });
      assert.deepEqual(await within(pong, 'for pong'), {});
    });

    test('a reply nested deeper than the protocol allows fails its request; the connection keeps working', async () => {
      const nest = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
      const { d, conn } = await connected();
      const streamed: RequestEvent[] = [];
      const call = conn.request({ type: 'execute', statement_id: 3, kind: 'pyspark', code: 'x' }, { onEvent: (e) => streamed.push(e) });
      const failed = rejectsWith(call, 'BAD_MESSAGE');
      const req = await d.next('execute');
      // An event that deep is dropped; the reply's output at 100,000 levels fails the call.
      d.line(`{"type":"stream","re":${req.id},"seq":1,"name":"stdout","text":"x","extra":${nest(600)}}`);
      assert.equal((await d.next('the refusal of the event')).code, 'BAD_MESSAGE');
      d.line(`{"type":"reply","re":${req.id},"seq":2,"ok":true,"result":{"output":{"status":"ok","data":{"application/json":${nest(100_000)}}},"cancelled":false}}`);
      const refusal = await d.next('the refusal of the reply');
      assert.deepEqual({ type: refusal.type, code: refusal.code, re: refusal.re }, { type: 'error', code: 'BAD_MESSAGE', re: null });
      assert.match(String(refusal.message), /nested more than 512 levels deep/);
      await failed;
      assert.deepEqual(streamed, []);
      assert.equal((await d.next('the ack of both')).seq, 2, 'their numbers are used up, so neither is replayed');
      // 512 levels in all is still a line the server takes.
      const ok = conn.request({ type: 'ping' });
      const ping = await d.next('ping');
      d.line(`{"type":"reply","re":${ping.id},"seq":3,"ok":true,"result":{"deep":${nest(510)}}}`);
      const result = (await within(ok, 'for the reply at the limit')) as { deep: unknown[] };
      assert.ok(Array.isArray(result.deep));
    });

    test('a known message with a field of the wrong type is answered BAD_MESSAGE, never thrown; a reply so malformed fails its request', async () => {
      const { d, conn } = await connected();
      const problems: string[] = [];
      conn.on('protocolError', (m: string) => problems.push(m));
      let fatal = 0;
      conn.on('fatal', () => fatal++);
      // Each of these once threw in the server's socket handler, which ended the whole server.
      for (const msg of [
        { type: 'error', re: null, code: { toString: 1 }, message: 'x' },
        { type: 'error', re: null, code: 'X', message: ['a'] },
        { type: 'fatal', message: 'x', traceback: 1 },
        { type: 'fatal', message: { toString: 1 } },
        { type: 'stream', re: 1, seq: 50, name: 'stdout', text: { toString: 1 } },
        { type: 'ready', app_id: { toString: 1 }, spark_ui_url: null },
      ]) {
        d.send(msg);
        const err = await d.next(`an answer to ${JSON.stringify(msg)}`);
        assert.deepEqual({ type: err.type, code: err.code, re: err.re }, { type: 'error', code: 'BAD_MESSAGE', re: null });
        assert.match(String(err.message), new RegExp(`malformed '${msg.type}' message \\(/`));
      }
      assert.equal(fatal, 0, 'a malformed fatal is not taken for the driver\'s last words');
      assert.deepEqual(problems, []);
      const call = conn.request({ type: 'ping' });
      const failed = rejectsWith(call, 'BAD_MESSAGE');
      const req = await d.next('ping');
      d.send({ type: 'reply', re: req.id, ok: false, error: { code: 'X', message: { toString: 1 } } });
      assert.equal((await d.next('the answer to the reply')).code, 'BAD_MESSAGE');
      await failed;
      assert.equal(conn.isOpen, true);
      const pong = conn.request({ type: 'ping' });
      let next = await d.next('ping');
      if (next.type === 'ack') next = await d.next('ping'); // the failed reply's
      assert.equal(next.type, 'ping');
      d.send({ type: 'reply', re: next.id, ok: true, result: {} });
      assert.deepEqual(await within(pong, 'for pong'), {});
    });

    test('a line the server fails on closes that connection only, and no later line of its chunk is acted on', async () => {
      const { d, conn } = await connected();
      const problems: string[] = [];
      conn.on('protocolError', (m: string) => problems.push(m));
      let settled = false;
      const call = conn.request({ type: 'execute', statement_id: 1, kind: 'pyspark', code: 'x' }, { onEvent: () => { throw new Error('a bug of ours'); } });
      call.then(() => { settled = true; }, () => { settled = true; });
      const req = await d.next('execute');
      d.line([
        JSON.stringify({ type: 'stream', re: req.id, seq: 1, name: 'stdout', text: 'x' }),
        JSON.stringify({ type: 'reply', re: req.id, seq: 2, ok: true, result: { output: { status: 'ok', execution_count: 1, data: {} }, cancelled: false } }),
      ].join('\n'));
      await d.ended();
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(settled, false, 'the reply behind the broken line was not taken: the driver replays it when it is back');
      assert.equal(problems.length, 1);
      assert.match(problems[0]!, /a bug of ours.*connection closed/);
      conn.close();
      await call.catch(() => undefined);
    });

    test('blank lines are ignored, not answered', async () => {
      const { d, conn } = await connected();
      d.line('');
      d.line('   ');
      const pong = conn.request({ type: 'ping' });
      const req = await d.next('ping');
      assert.equal(req.type, 'ping', 'the next thing the driver hears is the request, not an error');
      d.send({ type: 'reply', re: req.id, ok: true, result: {} });
      await within(pong, 'for pong');
    });

    test('an unknown message type is answered with UNKNOWN_TYPE, carrying its id', async () => {
      const { d, conn } = await connected();
      d.send({ type: 'frobnicate', id: 12 });
      const err = await d.next();
      assert.equal(err.type, 'error');
      assert.equal(err.code, 'UNKNOWN_TYPE');
      assert.equal(err.re, 12);
      assert.match(String(err.message), /frobnicate/);
      d.send({ type: 'frobnicate' });
      assert.equal((await d.next()).re, null);
      assert.equal(conn.isOpen, true);
    });

    test('requests get increasing ids; replies are matched by id whatever their order', async () => {
      const { d, conn } = await connected();
      const a = conn.request<{ candidates: string[] }>({ type: 'complete', kind: 'pyspark', code: 'spark.ra', cursor: 8 });
      const b = conn.request({ type: 'ping' });
      const ra = await d.next('complete');
      const rb = await d.next('ping');
      assert.equal(ra.type, 'complete');
      assert.equal(ra.code, 'spark.ra');
      assert.equal(ra.cursor, 8);
      assert.equal(rb.type, 'ping');
      assert.equal(typeof ra.id, 'number');
      assert.ok((rb.id as number) > (ra.id as number));
      d.send({ type: 'reply', re: rb.id, ok: true, result: { which: 'b' } });
      d.send({ type: 'reply', re: ra.id, ok: true, result: { candidates: ['range('] } });
      assert.deepEqual(await within(b, 'for b'), { which: 'b' });
      assert.deepEqual(await within(a, 'for a'), { candidates: ['range('] });
    });

    test('a request carries the id it goes out with', async () => {
      const { d, conn } = await connected();
      const p = conn.request({ type: 'ping' });
      const req = await d.next();
      assert.equal(req.id, p.id);
      d.send({ type: 'reply', re: req.id, ok: true });
      assert.deepEqual(await within(p, 'for pong'), {}, 'a reply without result resolves to {}');
    });

    test('stream and progress events reach their own request, in order, before its reply', async () => {
      const { d, conn } = await connected();
      const order: string[] = [];
      const onEvent = (ev: RequestEvent) => order.push(ev.type === 'stream' ? `stream:${ev.re}:${ev.name}:${ev.text}` : `progress:${ev.re}:${ev.progress}`);
      const call = conn.request({ type: 'execute', statement_id: 0, kind: 'pyspark', code: 'print(1)' }, { onEvent });
      const run = call.then((r) => {
        order.push('reply');
        return r;
      });
      const req = await d.next('execute');
      assert.deepEqual({ type: req.type, statement_id: req.statement_id, kind: req.kind, code: req.code },
        { type: 'execute', statement_id: 0, kind: 'pyspark', code: 'print(1)' });
      const output = { status: 'ok', execution_count: 0, data: { 'text/plain': '1' } };
      d.send({ type: 'stream', re: req.id, name: 'stdout', text: '1\n' });
      d.send({ type: 'progress', re: req.id, progress: 0.5 });
      d.send({ type: 'stream', re: req.id, name: 'stderr', text: 'warn\n' });
      d.send({ type: 'reply', re: req.id, ok: true, result: { output, cancelled: false } });
      assert.deepEqual(await within(run, 'for the execute reply'), { output, cancelled: false });
      assert.deepEqual(order, [`stream:${req.id}:stdout:1\n`, `progress:${req.id}:0.5`, `stream:${req.id}:stderr:warn\n`, 'reply']);
    });

    test('with two requests in flight each hears only its own events; stray and late events are dropped', async () => {
      const { d, conn } = await connected();
      const heard: Record<string, string[]> = { execute: [], complete: [] };
      const exec = conn.request({ type: 'execute', statement_id: 1, kind: 'pyspark', code: 'x' }, {
        onEvent: (ev) => heard.execute!.push(ev.type === 'stream' ? ev.text : String(ev.progress)),
      });
      const comp = conn.request({ type: 'complete', kind: 'pyspark', code: 'sp', cursor: 2 }, {
        onEvent: (ev) => heard.complete!.push(ev.type === 'stream' ? ev.text : String(ev.progress)),
      });
      const e = await d.next('execute');
      const c = await d.next('complete');
      assert.equal(exec.id, e.id);
      assert.equal(comp.id, c.id);
      d.send({ type: 'stream', re: e.id, name: 'stdout', text: 'a\n' });
      d.send({ type: 'stream', re: c.id, name: 'stdout', text: 'for the completion\n' });
      d.send({ type: 'reply', re: c.id, ok: true, result: { candidates: ['spark'] } });
      d.send({ type: 'stream', re: 999, name: 'stdout', text: 'nobody\n' });
      d.send({ type: 'progress', re: e.id, progress: 1 });
      d.send({ type: 'reply', re: e.id, ok: true, result: { output: {}, cancelled: false } });
      d.send({ type: 'stream', re: e.id, name: 'stdout', text: 'after the reply\n' });
      await within(Promise.all([exec, comp]), 'for both replies');
      const pong = conn.request({ type: 'ping' });
      d.send({ type: 'reply', re: (await d.next('ping')).id, ok: true, result: {} });
      await within(pong, 'for pong');
      assert.deepEqual(heard, { execute: ['a\n', '1'], complete: ['for the completion\n'] });
      assert.equal(conn.isOpen, true);
    });

    test('an ok:false reply rejects with the driver\'s code and message', async () => {
      const { d, conn } = await connected();
      const p = conn.request({ type: 'cancel', target: 99 });
      const req = await d.next();
      d.send({ type: 'reply', re: req.id, ok: false, error: { code: 'UNKNOWN_TARGET', message: 'no request 99' } });
      await assert.rejects(within(p, 'for the rejection'), (e: unknown) =>
        e instanceof DriverCallError && e.code === 'UNKNOWN_TARGET' && /no request 99/.test(e.message));
    });

    test('an error message with re rejects that request; the connection stays open', async () => {
      const { d, conn } = await connected();
      const p = conn.request({ type: 'ping' });
      const req = await d.next();
      d.send({ type: 'error', re: req.id, code: 'UNKNOWN_TYPE', message: 'old driver' });
      await rejectsWith(p, 'UNKNOWN_TYPE');
      assert.equal(conn.isOpen, true);
    });

    test('a reply for no pending request is ignored', async () => {
      const { d, conn } = await connected();
      d.send({ type: 'reply', re: 12345, ok: true, result: {} });
      const p = conn.request({ type: 'ping' });
      const req = await d.next();
      assert.equal(req.type, 'ping', 'no error was sent back for the stray reply');
      d.send({ type: 'reply', re: req.id, ok: true, result: { fine: true } });
      assert.deepEqual(await within(p, 'for pong'), { fine: true });
    });

    test('when the socket drops, pending requests wait for the driver; close() rejects them with DRIVER_LOST', async () => {
      const { d, conn } = await connected();
      const dropped = new Promise<void>((r) => conn.once('disconnect', () => r()));
      const closed = new Promise<void>((r) => conn.once('close', () => r()));
      const pending = [
        conn.request({ type: 'execute', statement_id: 0, kind: 'sql', code: 'select 1' }),
        conn.request({ type: 'ping' }),
        conn.request({ type: 'complete', kind: 'pyspark', code: 'x', cursor: 1 }, { timeoutMs: 60_000 }),
      ];
      let settled = false;
      void Promise.allSettled(pending).then(() => { settled = true; });
      await d.next();
      d.destroy();
      await within(dropped, 'for the disconnect');
      assert.equal(conn.isOpen, false);
      await rejectsWith(conn.request({ type: 'ping' }), 'DRIVER_LOST');
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(settled, false, 'nothing pending is given up while the driver may come back');
      conn.close();
      await Promise.all(pending.map((p) => rejectsWith(p, 'DRIVER_LOST')));
      await within(closed, 'for close');
      assert.equal(conn.isOpen, false);
      await rejectsWith(conn.request({ type: 'ping' }), 'DRIVER_LOST');
    });

    test('a request not answered in time is rejected with TIMEOUT; a late reply is ignored', async () => {
      const { d, conn } = await connected();
      const p = conn.request({ type: 'ping' }, { timeoutMs: 50 });
      const req = await d.next();
      await assert.rejects(within(p, 'for the timeout'), (e: unknown) =>
        e instanceof DriverCallError && e.code === 'TIMEOUT' && /ping/.test(e.message) && /50 ms/.test(e.message));
      d.send({ type: 'reply', re: req.id, ok: true, result: {} });
      const q = conn.request({ type: 'ping' });
      const req2 = await d.next();
      d.send({ type: 'reply', re: req2.id, ok: true, result: { late: false } });
      assert.deepEqual(await within(q, 'for pong'), { late: false });
      assert.equal(conn.isOpen, true);
    });
  });
});
