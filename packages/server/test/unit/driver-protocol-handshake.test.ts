/**
 * The driver protocol's handshake (PROTOCOL.md) over real loopback TCP: DriverListener checks
 * the hello (token, protocol version, framing) before a session's DriverConnection exists. The
 * "driver" is a hand-written client socket (test/support/raw-driver.ts), so every byte on the
 * wire is the test's choice. What follows the handshake is in driver-protocol-requests.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { DriverConnection } from '../../src/driver/connection.ts';
import { driverListenerFixture, LIMITS, within, type Msg } from '../support/raw-driver.ts';

describe('driver protocol over TCP', () => {
  const { listener, conns, driver } = driverListenerFixture();

  describe('handshake', () => {
    test('a good hello gets a welcome with the session id and limits, and onConnect fires once', async () => {
      const seen: DriverConnection[] = [];
      const { token } = listener.expect(17, (c) => { conns.push(c); seen.push(c); });
      const d = await driver();
      d.send({ type: 'hello', token, pid: 999, protocol: 2 });
      const welcome = await d.next();
      assert.deepEqual({ ...welcome, session_token: undefined }, { type: 'welcome', session_id: 17, limits: LIMITS, reconnect_grace_ms: 0, session_token: undefined });
      assert.equal(welcome.session_token, listener.sessionToken(17), 'the welcome hands the driver its session token');
      assert.match(String(welcome.session_token), /^[0-9a-f]{64}$/);
      assert.equal(seen.length, 1);
      assert.equal(seen[0]!.pid, 999);
      assert.equal(seen[0]!.isOpen, true);
    });

    test("a launch's welcome carries what it was expected with (a Spark Connect face to start), and only that launch's", async () => {
      const connect = { host: '127.0.0.1', port_low: 15002, port_high: 15101 };
      const { token } = listener.expect(18, (c) => conns.push(c), { connect });
      const d = await driver();
      d.send({ type: 'hello', token, pid: 998, protocol: 2 });
      const welcome = await d.next();
      assert.deepEqual(welcome.connect, connect);
      const plain = listener.expect(19, (c) => conns.push(c));
      const e = await driver();
      e.send({ type: 'hello', token: plain.token, pid: 997, protocol: 2 });
      assert.equal((await e.next()).connect, undefined);
    });

    test('a wrong token is refused with BAD_TOKEN and the connection is closed', async () => {
      listener.expect(1, () => assert.fail('must not connect'));
      const d = await driver();
      d.send({ type: 'hello', token: 'f'.repeat(64), pid: 1, protocol: 2 });
      const err = await d.next();
      assert.equal(err.type, 'error');
      assert.equal(err.code, 'BAD_TOKEN');
      assert.equal(err.re, null);
      assert.equal(typeof err.message, 'string');
      await d.ended();
    });

    test('a token works for one hello only', async () => {
      let connects = 0;
      const { token } = listener.expect(2, (c) => { conns.push(c); connects++; });
      const first = await driver();
      first.send({ type: 'hello', token, pid: 1, protocol: 2 });
      assert.equal((await first.next()).type, 'welcome');
      const second = await driver();
      second.send({ type: 'hello', token, pid: 2, protocol: 2 });
      const err = await second.next();
      assert.equal(err.code, 'BAD_TOKEN');
      await second.ended();
      assert.equal(connects, 1);
    });

    test('a revoked token is refused', async () => {
      const { token, revoke } = listener.expect(4, () => assert.fail('must not connect'));
      revoke();
      const d = await driver();
      d.send({ type: 'hello', token, pid: 1, protocol: 2 });
      assert.equal((await d.next()).code, 'BAD_TOKEN');
      await d.ended();
    });

    test('a hello whose fields are of the wrong type is refused, and the listener goes on taking drivers', async () => {
      // Anyone who can reach the port sends a hello before any token is checked; these once threw
      // in its socket handler and ended the server.
      for (const [hello, code] of [
        [{ protocol: { toString: 1 } }, 'BAD_PROTOCOL'],
        [{ pid: { valueOf: 1, toString: 1 } }, 'BAD_MESSAGE'],
        [{ python: ['3'] }, 'BAD_MESSAGE'],
        [{ resume: { last_request: 'x' }, session_id: 1 }, 'BAD_MESSAGE'],
      ] as const) {
        listener.expect(30, () => assert.fail('must not connect'));
        const d = await driver();
        d.send(Object.assign({ type: 'hello', token: 'f'.repeat(64), pid: 1, protocol: 2 }, hello));
        const err = await d.next(`the answer to ${JSON.stringify(hello)}`);
        assert.equal(err.type, 'error');
        assert.equal(err.code, code, JSON.stringify(err));
        await d.ended();
      }
      const { token } = listener.expect(31, (c) => conns.push(c));
      const d = await driver();
      d.send({ type: 'hello', token, pid: 5, protocol: 2 });
      assert.equal((await d.next()).type, 'welcome');
    });

    test('an unsupported protocol version is refused with BAD_PROTOCOL and closed', async () => {
      const { token } = listener.expect(5, () => assert.fail('must not connect'));
      const d = await driver();
      d.send({ type: 'hello', token, pid: 1, protocol: 1 });
      const err = await d.next();
      assert.equal(err.type, 'error');
      assert.equal(err.code, 'BAD_PROTOCOL');
      assert.match(String(err.message), /1/);
      await d.ended();
    });

    test('a first line that is not a hello is refused with BAD_MESSAGE and closed', async () => {
      for (const line of ['not json', '{"type":"ready"}', '{"type":"hello","pid":1,"protocol":1}']) {
        const d = await driver();
        d.line(line);
        assert.equal((await d.next()).code, 'BAD_MESSAGE', line);
        await d.ended();
      }
    });

    test('a hello split over several TCP writes, with a message right behind it, is read whole', async () => {
      let resolveReady!: (m: Msg) => void;
      const ready = new Promise<Msg>((r) => { resolveReady = r; });
      const { token } = listener.expect(6, (c) => {
        conns.push(c);
        c.on('ready', (m) => resolveReady(m as unknown as Msg));
      });
      const d = await driver();
      const hello = JSON.stringify({ type: 'hello', token, pid: 7, protocol: 2 });
      d.sock.write(hello.slice(0, 10));
      await new Promise((r) => setTimeout(r, 10));
      // The rest of the hello and the ready in one write: the ready must not be lost.
      d.sock.write(`${hello.slice(10)}\n${JSON.stringify({ type: 'ready', app_id: 'local-1', spark_ui_url: null })}\n`);
      assert.equal((await d.next()).type, 'welcome');
      assert.equal((await within(ready, 'for ready')).app_id, 'local-1');
    });
  });
});
