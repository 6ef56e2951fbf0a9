/**
 * Wires the real parts together: SQLite store, driver listener, local launcher, session
 * manager, reconciler and HTTP app. `startServer` is what `sparkport serve` and the tests run.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.ts';
import { systemClock, type Clock } from './clock.ts';
import type { Config } from './config.ts';
import { BatchManager } from './domain/batch-manager.ts';
import { EventBus } from './domain/event-bus.ts';
import { Reconciler } from './domain/reconciler.ts';
import { SessionManager } from './domain/session-manager.ts';
import { SharedData } from './domain/shared-data.ts';
import type { BatchLauncher } from './driver/batch-launcher.ts';
import type { Launcher } from './driver/launcher.ts';
import { DriverListener } from './driver/listener.ts';
import { LocalBatchLauncher, venvSparkHome } from './driver/local-batch-launcher.ts';
import { LocalLauncher } from './driver/local-launcher.ts';
import { SqliteStore } from './store/sqlite-store.ts';
import type { Store } from './store/store.ts';

export interface RunningServer {
  app: FastifyInstance;
  url: string;
  sessions: SessionManager;
  batches: BatchManager;
  close(): Promise<void>;
}

export interface ServerParts {
  store?: Store;
  launcher?: Launcher;
  batchLauncher?: BatchLauncher;
  clock?: Clock;
  log?: (msg: string) => void;
}

/** Reads the pinned Spark version from the venv's pyspark, without starting Python. */
export function detectSparkVersion(python: string): string | null {
  try {
    const lib = path.join(path.dirname(path.dirname(python)), 'lib');
    for (const py of readdirSync(lib)) {
      const f = path.join(lib, py, 'site-packages', 'pyspark', 'version.py');
      if (existsSync(f)) return /__version__\s*(?::\s*str\s*)?=\s*["']([^"']+)["']/.exec(readFileSync(f, 'utf8'))?.[1] ?? null;
    }
  } catch {
    // No venv: the version is simply unknown.
  }
  return null;
}

export async function startServer(config: Config, parts: ServerParts = {}): Promise<RunningServer> {
  const log = parts.log ?? ((m: string) => process.stderr.write(`[sparkport] ${m}\n`));
  const clock = parts.clock ?? systemClock;
  const store = parts.store ?? new SqliteStore(path.join(config.dataDir, 'sparkport.db'));
  const listener = new DriverListener({ rows: config.limits.outputRows, text_bytes: config.limits.outputTextBytes });
  const addr = await listener.listen(config.driver.listenHost, config.driver.listenPort);
  const bus = new EventBus();
  const sessions = new SessionManager({
    store,
    clock,
    config,
    launcher: parts.launcher ?? new LocalLauncher(config.spark.python, config.spark.driverPackageDir),
    listener,
    bus,
    driverAddress: `${config.driver.advertiseHost ?? (addr.host === '0.0.0.0' ? '127.0.0.1' : addr.host)}:${addr.port}`,
    log,
  });
  sessions.recover();
  const batches = new BatchManager({
    store,
    clock,
    config,
    launcher: parts.batchLauncher ?? new LocalBatchLauncher(config.batches.sparkHome ?? venvSparkHome(config.spark.python), config.spark.python),
  });
  batches.recover();
  const reconciler = new Reconciler(sessions, clock, config, batches);
  reconciler.start();
  const app = buildApp({ config, sessions, batches, bus, shared: new SharedData(config), sparkVersion: detectSparkVersion(config.spark.python), log });
  await app.listen({ host: config.host, port: config.port });
  const a = app.server.address();
  const port = typeof a === 'object' && a ? a.port : config.port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  let closing: Promise<void> | undefined;
  return {
    app,
    url,
    sessions,
    batches,
    close() {
      closing ??= (async () => {
        reconciler.stop();
        await Promise.all([sessions.stopAll('server shutting down'), batches.stopAll('server shutting down')]);
        await app.close();
        await listener.close();
        store.close();
      })();
      return closing;
    },
  };
}
