/**
 * The one place the server is assembled: from injected parts (store, clock, launchers, driver
 * listener, log) it builds the event bus, the session and batch managers, shared data, the
 * reconciler and the HTTP app. server.ts hands it the real adapters and listens; the test
 * harness hands it fakes and drives the HTTP app with `inject`. Nothing here picks an adapter,
 * listens on the HTTP port or starts timers on its own.
 */
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
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
import { StoreGuard } from './domain/store-guard.ts';
import { removeOrphanWorkDirs } from './domain/work-dirs.ts';
import { statementPage } from './domain/statement-pages.ts';
import type { DriverChannel } from './domain/ports/driver-link.ts';
import { driverSocketPath } from './driver/driver-socket.ts';
import { listenPorts } from './driver/listener.ts';
import { buildHttp } from './http/build-http.ts';
import { HeldRequests } from './http/held-requests.ts';
import { closeHttp } from './http/shutdown.ts';
import { ServerMetrics } from './metrics/server-metrics.ts';

export interface AppParts {
  config: Config;
  store: Store;
  clock: Clock;
  /** Starts a session's driver. */
  launcher: SessionManagerDeps['launcher'];
  batchLauncher: BatchLauncher;
  /** Where drivers call back; createApp makes it listen on config.driver. */
  listener: DriverChannel & {
    listen(host: string, ports: number | number[]): Promise<{ host: string; port: number }>;
    close(): Promise<void>;
    /** Whether it takes connections now (GET /ready); without it, from listen until close. */
    accepting?(): boolean;
    /** Also listens on a Unix socket, which local drivers then call back on. */
    listenSocket?(file: string): Promise<void>;
  };
  sparkVersion: string | null;
  log: (msg: string) => void;
  /** Where the audit log goes (closed with the app). */
  audit: AuditLog;
  /** The JSON log the HTTP layer writes its request lines to (the real server's); none in the tests. */
  logger?: FastifyBaseLogger;
  /** The built web UI (packages/web/dist unless given). */
  uiDir?: string;
}

export interface CloseOptions {
  /** Stop every session driver and batch too; otherwise they are left running (shutdown.stopDrivers). */
  stopDrivers?: boolean;
  /** How long requests in flight get to finish (shutdown.drainMs). */
  drainMs?: number;
}

export interface App {
  http: FastifyInstance;
  sessions: SessionManager;
  batches: BatchManager;
  bus: EventBus;
  shared: SharedData;
  reconciler: Reconciler;
  metrics: ServerMetrics;
  /** Starts the background upkeep. Tests leave it off and call `reconciler.tick()`. */
  start(): void;
  /**
   * Stops the upkeep, lets HTTP requests in flight finish (new ones are refused), stops sessions
   * and batches unless `stopDrivers` is false, then closes the driver listener and the store; once.
   */
  close(reason?: string, opts?: CloseOptions): Promise<void>;
}

/** Listens for drivers, builds everything, and recovers what the store remembers. */
export async function createApp(p: AppParts): Promise<App> {
  const { config, clock, log } = p;
  // Background state changes survive a store that can't write for a while (store-guard.ts).
  const store = new StoreGuard(p.store, log);
  const addr = await p.listener.listen(config.driver.listenHost, listenPorts(config.driver));
  const socket = p.listener.listenSocket ? driverSocketPath(config) : null;
  if (socket) await p.listener.listenSocket!(socket);
  const tcpHost = config.driver.advertiseHost ?? (addr.host === '0.0.0.0' || addr.host === '::' ? '127.0.0.1' : addr.host);
  const tcpAddress = `${tcpHost.includes(':') ? `[${tcpHost}]` : tcpHost}:${addr.port}`;
  let listening = true;
  const bus = new EventBus();
  const metrics = new ServerMetrics();
  const sessions = new SessionManager({
    store,
    clock,
    config,
    launcher: p.launcher,
    listener: p.listener,
    bus,
    // Local drivers call back on the Unix socket when there is one (driver-socket.ts says why);
    // drivers in the cluster on the TCP listener, at the address they can reach.
    driverAddress: { local: socket ? `unix:${socket}` : tcpAddress, cluster: tcpAddress },
    log,
    metrics,
  });
  sessions.recover();
  const batches = new BatchManager({ store, clock, config, launcher: p.batchLauncher, bus });
  batches.recover();
  for (const [kind, known] of [['sessions', sessions.list()], ['batches', batches.list()]] as const) {
    removeOrphanWorkDirs(config.dataDir, kind, new Set(known.map((t) => t.id)));
  }
  const reconciler = new Reconciler({ sessions, batches, clock, config, log, store });
  const shared = new SharedData(config);
  const held = new HeldRequests(config, (n) => metrics.eventsDropped(n));
  metrics.observe({ sessions, batches, held });
  const notReadyBecause = () => {
    try {
      store.checkWritable();
    } catch (e) {
      return `the store cannot take writes: ${(e as Error).message}`;
    }
    return (p.listener.accepting?.() ?? listening) ? null : 'the driver listener is not accepting connections: drivers cannot call back';
  };
  const http = buildHttp({
    config, sessions, batches, bus, shared, sparkVersion: p.sparkVersion, log, audit: p.audit, metrics, held, notReadyBecause,
    statementPages: (sessionId, q) => statementPage(store, sessionId, q, config.limits.statementListBytes),
    logger: p.logger,
    uiDir: p.uiDir,
  });
  let closing: Promise<void> | undefined;
  return {
    http,
    sessions,
    batches,
    bus,
    shared,
    reconciler,
    metrics,
    start: () => {
      reconciler.start();
      sessions.warmUp();
    },
    close(reason = 'server shutting down', opts = {}) {
      closing ??= (async () => {
        reconciler.stop();
        // Answers first, while the drivers are still there to give them; then the drivers, if asked.
        await closeHttp(http, held, opts.drainMs ?? config.shutdown.drainMs);
        // Warm drivers belong to no session: they never outlive the server.
        await sessions.closeWarm();
        const stopDrivers = opts.stopDrivers ?? true;
        if (stopDrivers) await Promise.all([sessions.stopAll(reason), batches.stopAll(reason)]);
        listening = false;
        // The listener's close waits for its connections to end; drivers left running keep theirs
        // until this process exits, which is when they notice and wait to reconnect.
        const listenerClosed = p.listener.close();
        if (stopDrivers) await listenerClosed;
        store.close();
        p.audit.close();
      })();
      return closing;
    },
  };
}
