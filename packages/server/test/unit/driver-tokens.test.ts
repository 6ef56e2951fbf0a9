/**
 * A driver can never speak for another session: each token the listener hands out belongs to
 * one session, whatever the hello claims, and is gone after one use (PROTOCOL.md §1, §3).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { DriverConnection } from '../../src/driver/connection.ts';
import { driverListenerFixture } from '../support/raw-driver.ts';

describe('driver tokens', () => {
  const { listener, conns, driver } = driverListenerFixture();

  test("a driver holding session A's token becomes A, never B, whatever its hello says", async () => {
    const a: DriverConnection[] = [];
    const b: DriverConnection[] = [];
    const tokenA = listener.expect(10, (c) => { conns.push(c); a.push(c); }).token;
    const tokenB = listener.expect(11, (c) => { conns.push(c); b.push(c); }).token;
    assert.notEqual(tokenA, tokenB);
    const d = await driver();
    d.send({ type: 'hello', token: tokenA, pid: 1, protocol: 2, session_id: 11 });
    const welcome = await d.next();
    assert.equal(welcome.type, 'welcome');
    assert.equal(welcome.session_id, 10);
    assert.equal(a.length, 1);
    assert.equal(b.length, 0, "B's driver is still awaited");
    // B's own driver still gets in with B's token.
    const db = await driver();
    db.send({ type: 'hello', token: tokenB, pid: 2, protocol: 2 });
    assert.equal((await db.next()).session_id, 11);
    assert.equal(b.length, 1);
  });

  test('a used token is refused, to a second driver as to the first one reconnecting', async () => {
    const { token } = listener.expect(12, (c) => conns.push(c));
    const first = await driver();
    first.send({ type: 'hello', token, pid: 1, protocol: 2 });
    assert.equal((await first.next()).type, 'welcome');
    for (let i = 0; i < 2; i++) {
      const again = await driver();
      again.send({ type: 'hello', token, pid: 1, protocol: 2 });
      assert.equal((await again.next()).code, 'BAD_TOKEN');
      await again.ended();
    }
  });

  test('a token that only differs in case or length is not the token', async () => {
    const { token } = listener.expect(13, () => assert.fail('must not connect'));
    for (const forged of [token.toUpperCase(), token.slice(0, -1), `${token}0`, '']) {
      const d = await driver();
      d.send({ type: 'hello', token: forged, pid: 1, protocol: 2 });
      assert.equal((await d.next()).code, 'BAD_TOKEN', forged);
      await d.ended();
    }
  });
});
