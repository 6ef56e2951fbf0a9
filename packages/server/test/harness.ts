/**
 * Builds a server on a fake launcher, a memory store and a fake clock, for HTTP tests through
 * `app.inject` (no port, no Spark).
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildApp } from '../src/app.ts';
import { FakeClock } from '../src/clock.ts';
import { defaultConfig, type Config } from '../src/config.ts';
import { BatchManager } from '../src/domain/batch-manager.ts';
import { EventBus } from '../src/domain/event-bus.ts';
import { Reconciler } from '../src/domain/reconciler.ts';
import { SessionManager } from '../src/domain/session-manager.ts';
import { SharedData } from '../src/domain/shared-data.ts';
import { DriverListener } from '../src/driver/listener.ts';
import { MemoryStore } from '../src/store/memory-store.ts';
import type { Store } from '../src/store/store.ts';
import { FakeBatchLauncher } from './fake-batch-launcher.ts';
import { FakeLauncher } from './fake-driver.ts';

export async function makeHarness(tweak: (c: Config) => void = () => undefined, store: Store = new MemoryStore()) {
  const config = defaultConfig();
  config.dataDir = mkdtempSync(path.join(os.tmpdir(), 'sparkport-test-'));
  config.shared.allowedDirs = [path.join(config.dataDir, 'shared')];
  config.batches.allowedDirs = [path.join(config.dataDir, 'batch-files')];
  tweak(config);
  const clock = new FakeClock();
  const launcher = new FakeLauncher();
  const listener = new DriverListener({ rows: config.limits.outputRows, text_bytes: config.limits.outputTextBytes });
  const addr = await listener.listen('127.0.0.1', 0);
  const bus = new EventBus();
  const logs: string[] = [];
  const sessions = new SessionManager({
    store, clock, config, launcher, listener, bus, driverAddress: `127.0.0.1:${addr.port}`, log: (m) => logs.push(m),
  });
  sessions.recover();
  const batchLauncher = new FakeBatchLauncher();
  const batches = new BatchManager({ store, clock, config, launcher: batchLauncher });
  batches.recover();
  const reconciler = new Reconciler(sessions, clock, config, batches);
  const app = buildApp({ config, sessions, batches, bus, shared: new SharedData(config), sparkVersion: '4.1.2', log: (m) => logs.push(m) });
  await app.ready();
  const json = async (method: string, url: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await app.inject({
      method: method as 'GET',
      url,
      payload: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    });
    return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : undefined, headers: res.headers };
  };
  const waitFor = async (pred: () => boolean | Promise<boolean>, what: string, ms = 3000) => {
    const end = Date.now() + ms;
    while (!(await pred())) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  const waitState = (id: number, state: string) =>
    waitFor(async () => (await json('GET', `/sessions/${id}/state`)).body?.state === state, `session ${id} ${state}`);
  return {
    app, config, clock, launcher, sessions, batches, batchLauncher, reconciler, store, logs, json, waitFor, waitState,
    async close() {
      await Promise.all([sessions.stopAll('test over'), batches.stopAll('test over')]);
      await app.close();
      await listener.close();
    },
  };
}
