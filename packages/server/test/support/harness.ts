/**
 * The server as createApp assembles it for production, but on fakes: a fake driver launcher,
 * a fake spark-submit, a memory store and a fake clock. HTTP tests go through `app.inject`
 * (no port, no Spark); the driver listener is real, since fake drivers connect to it.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { afterEach } from 'node:test';
import os from 'node:os';
import path from 'node:path';
import { createApp } from '../../src/app.ts';
import { FileAuditLog, auditFile } from '../../src/audit/audit-log.ts';
import { FakeClock } from '../../src/clock.ts';
import { defaultConfig, type Config } from '../../src/config.ts';
import type { Store } from '../../src/domain/ports/store.ts';
import { DriverListener } from '../../src/driver/listener.ts';
import { MemoryStore } from '../../src/store/memory-store.ts';
import { FakeBatchLauncher } from './fake-batch-launcher.ts';
import { FakeLauncher } from './fake-driver.ts';

export interface HarnessOptions {
  /**
   * Test only: a request's `x-test-user` header becomes its `req.user`, so tests act as different
   * users without an authentication method. Never in production code: there, only the
   * authentication hook sets `req.user`.
   */
  testUserHeader?: boolean;
  /** The web UI's build folder (the real one unless given). */
  uiDir?: string;
}

export async function makeHarness(tweak: (c: Config) => void = () => undefined, store: Store = new MemoryStore(), opts: HarnessOptions = {}) {
  const config = defaultConfig();
  config.dataDir = mkdtempSync(path.join(os.tmpdir(), 'sparkport-test-'));
  config.shared.allowedDirs = [path.join(config.dataDir, 'shared')];
  config.batches.allowedDirs = [path.join(config.dataDir, 'batch-files')];
  // Every response in the tests is checked against its declaration, so the API document can't drift.
  config.http.checkResponses = true;
  tweak(config);
  const clock = new FakeClock();
  const launcher = new FakeLauncher();
  const batchLauncher = new FakeBatchLauncher(config);
  const logs: string[] = [];
  const built = await createApp({
    config,
    store,
    clock,
    launcher,
    batchLauncher,
    listener: new DriverListener({ rows: config.limits.outputRows, text_bytes: config.limits.outputTextBytes }, { reconnectGraceMs: config.sessions.reconnectGraceMs }),
    sparkVersion: '4.1.2',
    log: (m) => logs.push(m),
    audit: new FileAuditLog(auditFile(config)),
    uiDir: opts.uiDir,
  });
  const { http: app, sessions, batches, bus, reconciler } = built;
  // Added after the app's own onRequest hooks (authentication included), so the header has the last word.
  if (opts.testUserHeader) {
    app.addHook('onRequest', async (req) => {
      const u = req.headers['x-test-user'];
      if (typeof u === 'string') req.user = u;
    });
  }
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
    app, config, clock, launcher, sessions, batches, bus, batchLauncher, reconciler, store, logs, json, waitFor, waitState,
    close: () => built.close('test over'),
  };
}

/** A Python file inside the batches' allowed directory, for tests that submit one. */
export function batchJob(config: Config, name = 'job.py'): string {
  const dir = config.batches.allowedDirs[0]!;
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  writeFileSync(file, 'print("hi")\n');
  return file;
}

export type Harness = Awaited<ReturnType<typeof makeHarness>>;

/**
 * A harness of its own for each test of the enclosing describe, closed after it, and a way to
 * get an idle session on it.
 */
export function harnessPerTest(opts: HarnessOptions = {}) {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });
  return {
    harness: async (tweak: (c: Config) => void) => (h = await makeHarness(tweak, undefined, opts)),
    idleSession: async (hh: Harness) => {
      const id = (await hh.json('POST', '/sessions', { kind: 'pyspark' })).body.id as number;
      await hh.waitState(id, 'idle');
      return id;
    },
  };
}

/** Access and audit tests' users: vera may view everything; anyone else only their own. */
export function veraViews(c: Config): void {
  c.access = { superusers: [], viewUsers: ['vera'], modifyUsers: [], impersonation: {}, runAsOwner: false };
}

/** The audit log's lines so far, parsed. */
export function auditLines<T = Record<string, unknown>>(config: Config): T[] {
  return readFileSync(auditFile(config), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as T);
}
