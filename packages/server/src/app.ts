/**
 * The one place the server is assembled: from injected parts (store, clock, launchers, driver
 * listener, log) it builds the event bus, the session and batch managers, shared data, the
 * reconciler and the HTTP app. server.ts hands it the real adapters and listens; the test
 * harness hands it fakes and drives the HTTP app with `inject`. Nothing here picks an adapter,
 * listens on the HTTP port or starts timers on its own.
 */
import type { FastifyInstance } from 'fastify';
import type { AuditLog } from './audit/audit-log.ts';
import type { Clock } from './clock.ts';
import type { Config } from './config.ts';
import { BatchManager } from './domain/batch-manager.ts';
import { EventBus } from './domain/event-bus.ts';
import type { BatchLauncher } from './domain/ports/batch-launcher.ts';
import type { Store } from './domain/ports/store.ts';
import { Reconciler } from './domain/reconciler.ts';
import { SessionManager, type SessionManagerDeps } from './domain/session-manager.ts';
import { SharedData } from './domain/shared-data.ts';
import type { DriverChannel } from './domain/ports/driver-link.ts';
import { buildHttp } from './http/build-http.ts';

export interface AppParts {
  config: Config;
  store: Store;
  clock: Clock;
  /** Starts a session's driver. */
  launcher: SessionManagerDeps['launcher'];
  batchLauncher: BatchLauncher;
  /** Where drivers call back; createApp makes it listen on config.driver. */
  listener: DriverChannel & {
    listen(host: string, port: number): Promise<{ host: string; port: number }>;
    close(): Promise<void>;
  };
  sparkVersion: string | null;
  log: (msg: string) => void;
  /** Where the audit log goes (closed with the app). */
  audit: AuditLog;
}

export interface App {
  http: FastifyInstance;
  sessions: SessionManager;
  batches: BatchManager;
  bus: EventBus;
  shared: SharedData;
  reconciler: Reconciler;
  /** Starts the background upkeep. Tests leave it off and call `reconciler.tick()`. */
  start(): void;
  /** Stops sessions and batches, then closes HTTP, the driver listener and the store; once. */
  close(reason?: string): Promise<void>;
}

/** Listens for drivers, builds everything, and recovers what the store remembers. */
export async function createApp(p: AppParts): Promise<App> {
  const { config, store, clock, log } = p;
  const addr = await p.listener.listen(config.driver.listenHost, config.driver.listenPort);
  const bus = new EventBus();
  const sessions = new SessionManager({
    store,
    clock,
    config,
    launcher: p.launcher,
    listener: p.listener,
    bus,
    driverAddress: `${config.driver.advertiseHost ?? (addr.host === '0.0.0.0' ? '127.0.0.1' : addr.host)}:${addr.port}`,
    log,
  });
  sessions.recover();
  const batches = new BatchManager({ store, clock, config, launcher: p.batchLauncher, bus });
  batches.recover();
  const reconciler = new Reconciler({ sessions, batches, clock, config, log });
  const shared = new SharedData(config);
  const http = buildHttp({ config, sessions, batches, bus, shared, sparkVersion: p.sparkVersion, log, audit: p.audit });
  let closing: Promise<void> | undefined;
  return {
    http,
    sessions,
    batches,
    bus,
    shared,
    reconciler,
    start: () => reconciler.start(),
    close(reason = 'server shutting down') {
      closing ??= (async () => {
        reconciler.stop();
        await Promise.all([sessions.stopAll(reason), batches.stopAll(reason)]);
        await http.close();
        await p.listener.close();
        store.close();
        p.audit.close();
      })();
      return closing;
    },
  };
}
