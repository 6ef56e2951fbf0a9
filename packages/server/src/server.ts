/**
 * The real server: picks the real adapters (SQLite store, driver listener, local launchers,
 * system clock), assembles them with createApp and listens. `startServer` is what
 * `sparkport serve` runs; any part can be swapped for a test double.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { DestinationStream, Logger } from 'pino';
import { createApp, type App } from './app.ts';
import { FileAuditLog, auditFile, type AuditLog } from './audit/audit-log.ts';
import { systemClock, type Clock } from './clock.ts';
import type { Config } from './config.ts';
import { DataDirLock } from './data-dir-lock.ts';
import type { BatchManager } from './domain/batch-manager.ts';
import type { BatchLauncher } from './domain/ports/batch-launcher.ts';
import type { Store } from './domain/ports/store.ts';
import type { SessionManager, SessionManagerDeps } from './domain/session-manager.ts';
import { driverTls } from './driver/driver-tls.ts';
import { DriverListener } from './driver/listener.ts';
import { LocalBatchLauncher } from './driver/local-batch-launcher.ts';
import { SessionLaunchers } from './driver/session-launchers.ts';
import { checkAuthAtStart } from './http/auth/methods.ts';
import { requestLogger } from './http/request-id.ts';
import { tlsEnabled } from './http/tls.ts';
import { createLogger } from './log/logger.ts';
import { ensurePrivateDir, privateKey } from './private-files.ts';
import { SqliteStore } from './store/sqlite-store.ts';

export interface RunningServer {
  app: FastifyInstance;
  url: string;
  sessions: SessionManager;
  batches: BatchManager;
  /** The JSON log (log/logger.ts). */
  logger: Logger;
  /** Stops everything, drivers and batches included, at once (the tests' way). */
  close(): Promise<void>;
  /**
   * SIGTERM's way: stop taking requests, let those in flight finish within shutdown.drainMs,
   * stop drivers and batches only if shutdown.stopDrivers, then close and let the data directory go.
   */
  shutdown(): Promise<void>;
}

export interface ServerParts {
  store?: Store;
  launcher?: SessionManagerDeps['launcher'];
  batchLauncher?: BatchLauncher;
  clock?: Clock;
  log?: (msg: string) => void;
  audit?: AuditLog;
  /** Where the JSON log goes instead of stderr (tests read it). */
  logStream?: DestinationStream;
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
  const logger = createLogger(config, parts.logStream);
  // A line written while a request is handled goes through that request's logger, so it carries its id.
  const log = parts.log ?? ((m: string) => (requestLogger() ?? logger).info(m));
  // Before anything opens: bad auth settings, or no authentication beyond loopback, stop the start here.
  await checkAuthAtStart(config, log);
  // The store, work directories and shared data live here: the server's user's alone (mode 700).
  ensurePrivateDir(config.dataDir);
  // Before the store or the driver listener opens: a second server on this directory stops here.
  const lock = DataDirLock.acquire(config.dataDir);
  let app: App;
  try {
    app = await assemble(config, parts, log, logger);
  } catch (e) {
    lock.release();
    throw e;
  }
  try {
    await app.http.listen({ host: config.host, port: config.port });
  } catch (e) {
    // A taken port must not leave the driver listener, the store and the lock held behind it.
    await app.close();
    lock.release();
    throw e;
  }
  app.start();
  const a = app.http.server.address();
  const port = typeof a === 'object' && a ? a.port : config.port;
  const url = `${tlsEnabled(config) ? 'https' : 'http'}://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  const end = (opts?: { stopDrivers: boolean; drainMs: number }) => app.close('server shutting down', opts).finally(() => lock.release());
  return {
    app: app.http, url, sessions: app.sessions, batches: app.batches, logger,
    close: () => end(),
    shutdown: () => end(config.shutdown),
  };
}

function assemble(config: Config, parts: ServerParts, log: (msg: string) => void, logger: Logger): Promise<App> {
  return createApp({
    config,
    store: parts.store ?? new SqliteStore(path.join(config.dataDir, 'sparkport.db')),
    clock: parts.clock ?? systemClock,
    launcher: parts.launcher ?? new SessionLaunchers(config),
    batchLauncher: parts.batchLauncher ?? new LocalBatchLauncher(config),
    listener: new DriverListener({ rows: config.limits.outputRows, text_bytes: config.limits.outputTextBytes }, {
      sessionKey: privateKey(path.join(config.dataDir, 'driver-session.key')),
      reconnectGraceMs: config.sessions.reconnectGraceMs,
      tls: driverTls(config),
      log,
    }),
    sparkVersion: detectSparkVersion(config.spark.python),
    log,
    audit: parts.audit ?? new FileAuditLog(auditFile(config)),
    logger,
  });
}

