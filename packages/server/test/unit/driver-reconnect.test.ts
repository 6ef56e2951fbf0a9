/**
 * PROTOCOL.md §3a over real loopback TCP: a driver whose socket drops comes back with its
 * session token, onto the same link; its replayed replies settle what was pending, duplicates
 * are dropped, handled replies are acknowledged, and messages for requests a restarted server
 * never sent reach it by statement id.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { DriverLink } from '../../src/domain/ports/driver-link.ts';
import { driverListenerFixture, within, type Msg } from '../support/raw-driver.ts';

describe('driver reconnect', () => {
  const { listener, conns, driver, connected } = driverListenerFixture();

  const comeBack = async (sessionId: number, token: string, lastRequest: number) => {
    const d = await driver();
    d.send({ type: 'hello', token, pid: 4321, protocol: 2, session_id: sessionId, resume: { last_request: lastRequest } });
    return { d, welcome: await d.next('welcome') };
  };

  test('a dropped driver comes back on the same link: its replayed reply settles the request, once, and is acknowledged', async () => {
    const { d, conn } = await connected(21);
    const call = conn.request<{ n: number }>({ type: 'execute', statement_id: 0, kind: 'pyspark', code: '1' });
    const req = await d.next('execute');
    const returned: DriverLink[] = [];
    d.destroy();
    await within(new Promise((r) => conn.once('disconnect', () => r(undefined))), 'for the disconnect');
    listener.expectReturn(21, conn, (l) => returned.push(l));

    const back = await comeBack(21, listener.sessionToken(21), Number(req.id));
    assert.equal(back.welcome.type, 'welcome');
    assert.equal(back.welcome.session_id, 21);
    assert.equal(back.welcome.session_token, undefined, 'the session token is given once, at the first welcome');
    assert.deepEqual(returned, [conn], 'the same link, with its pending requests');
    assert.equal(conn.isOpen, true);
    const reply = { type: 'reply', re: req.id, ok: true, result: { n: 2 }, seq: 5, statement_id: 0 };
    back.d.send(reply);
    back.d.send(reply);
    assert.deepEqual(await within(call, 'for the replayed reply'), { n: 2 });
    const ack = await back.d.next('ack');
    assert.deepEqual(ack, { type: 'ack', seq: 5 });
    // New requests are numbered above what the driver has seen.
    const next = conn.request({ type: 'ping' });
    const ping = await back.d.next('ping');
    assert.ok(Number(ping.id) > Number(req.id));
    back.d.send({ type: 'reply', re: ping.id, ok: true, result: {}, seq: 6 });
    await next;
  });

  test('a wrong session token, another session\'s token, or a session nobody waits for is refused with BAD_TOKEN', async () => {
    listener.expectReturn(22, undefined, () => assert.fail('must not return'));
    for (const [id, token] of [[22, 'f'.repeat(64)], [22, listener.sessionToken(23)], [24, listener.sessionToken(24)]] as const) {
      const { d, welcome } = await comeBack(id, token, 0);
      assert.equal(welcome.type, 'error');
      assert.equal(welcome.code, 'BAD_TOKEN');
      await d.ended();
    }
  });

  test('a one-time launch token does not work as a session token, nor the reverse', async () => {
    const { token } = listener.expect(25, () => assert.fail('must not connect'));
    listener.expectReturn(25, undefined, () => assert.fail('must not return'));
    const { welcome } = await comeBack(25, token, 0);
    assert.equal(welcome.code, 'BAD_TOKEN');
    const d = await driver();
    d.send({ type: 'hello', token: listener.sessionToken(25), pid: 1, protocol: 2 });
    assert.equal((await d.next()).code, 'BAD_TOKEN');
  });

  test('after a server restart, replies and events of executes it never sent arrive as orphans, then resumed', async () => {
    const links: DriverLink[] = [];
    listener.expectReturn(26, undefined, (l) => links.push(l));
    const { d } = await comeBack(26, listener.sessionToken(26), 40);
    await within((async () => { while (!links.length) await new Promise((r) => setImmediate(r)); })(), 'for the link');
    const link = links[0]!;
    conns.push(link as never);
    const orphans: Msg[] = [];
    link.on('orphan', (m) => orphans.push(m as unknown as Msg));
    const resumed = new Promise<unknown>((r) => link.on('resumed', r));
    d.send({ type: 'stream', re: 39, name: 'stdout', text: 'hi\n', seq: 3, statement_id: 4 });
    d.send({ type: 'reply', re: 39, ok: true, result: { output: { status: 'ok', execution_count: 4, data: {} }, cancelled: false }, seq: 4, statement_id: 4 });
    d.send({ type: 'reply', re: 38, ok: true, result: {}, seq: 5 });
    d.send({ type: 'resumed', app: { app_id: 'local-1', spark_ui_url: null }, running: null });
    assert.deepEqual(await within(resumed, 'for resumed'), { type: 'resumed', app: { app_id: 'local-1', spark_ui_url: null }, running: null });
    assert.deepEqual(orphans.map((m) => [m.type, m.statement_id]), [['stream', 4], ['reply', 4]], 'a reply without a statement id has nobody to go to');
    assert.deepEqual(await d.next('ack'), { type: 'ack', seq: 5 });
    const ping = link.request({ type: 'ping' });
    assert.equal((await d.next('ping')).id, 41);
    d.send({ type: 'reply', re: 41, ok: true, result: {}, seq: 6 });
    await ping;
  });

  test('a peer that never sends a newline is cut off after 64 KiB, not buffered to 64 MiB', async () => {
    const d = await driver();
    for (let i = 0; i < 70; i++) d.sock.write('x'.repeat(1024));
    const err = await d.next('the refusal');
    assert.equal(err.code, 'BAD_MESSAGE');
    await d.ended();
  });
});
