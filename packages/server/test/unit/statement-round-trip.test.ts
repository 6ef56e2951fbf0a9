/**
 * A statement's round trip through the session manager (fake driver, real listener): submit,
 * run and wait write the store but never read it; only a finished statement is read back.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FakeClock } from '../../src/clock.ts';
import { defaultConfig } from '../../src/config.ts';
import { EventBus } from '../../src/domain/event-bus.ts';
import type { Store } from '../../src/domain/ports/store.ts';
import { SessionManager } from '../../src/domain/session-manager.ts';
import { DriverListener } from '../../src/driver/listener.ts';
import { MemoryStore } from '../../src/store/memory-store.ts';
import { ok } from '../support/dispatcher-world.ts';
import { FakeLauncher } from '../support/fake-driver.ts';

/** Counts every store call by method name. */
function countingStore(inner: Store) {
  const calls: string[] = [];
  const store = new Proxy(inner, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        calls.push(String(prop));
        return v.apply(target, args);
      };
    },
  });
  return { store, calls };
}

describe('a statement through the session manager', () => {
  test('submit, run and ?wait for the result write the store but never read it', async () => {
    const config = defaultConfig();
    config.dataDir = '/tmp/sparkport-unit-dispatch';
    const counted = countingStore(new MemoryStore());
    const listener = new DriverListener({ rows: 10, text_bytes: 4096 });
    const addr = await listener.listen('127.0.0.1', 0);
    const sessions = new SessionManager({
      store: counted.store, clock: new FakeClock(), config, launcher: new FakeLauncher(), listener, bus: new EventBus(),
      driverAddress: `127.0.0.1:${addr.port}`,
    });
    try {
      const rt = sessions.resolve(sessions.create({ kind: 'pyspark' }).id);
      for (let i = 0; i < 400 && rt.record.state !== 'idle'; i++) await new Promise((r) => setTimeout(r, 5));
      assert.equal(rt.record.state, 'idle');
      counted.calls.length = 0;
      const s = sessions.submit(rt, '1 + 1', undefined);
      const done = await sessions.waitForStatement(rt, s.id, 5000);
      assert.equal(done.state, 'available');
      assert.deepEqual(done.output, ok(s.id, 'fake:1 + 1'));
      assert.deepEqual(counted.calls, ['insertStatement', 'updateStatement', 'updateSession', 'updateStatement', 'updateSession']);
      assert.equal(sessions.getStatement(rt, s.id).state, 'available');
      assert.deepEqual(counted.calls.slice(5), ['getStatement'], 'a finished statement is read from the store');
    } finally {
      await sessions.stopAll('test over');
      await listener.close();
    }
  });
});
