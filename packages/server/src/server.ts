/**
 * The real server: picks the real adapters (SQLite store, driver listener, local launchers,
 * system clock), assembles them with createApp and listens. `startServer` is what
 * `sparkport serve` runs; any part can be swapped for a test double.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createApp } from './app.ts';
import { FileAuditLog, auditFile, type AuditLog } from './audit/audit-log.ts';
import { systemClock, type Clock } from './clock.ts';
import type { Config } from './config.ts';
import type { BatchManager } from './domain/batch-manager.ts';
import type { BatchLauncher } from './domain/ports/batch-launcher.ts';
import type { Store } from './domain/ports/store.ts';
import type { SessionManager, SessionManagerDeps } from './domain/session-manager.ts';
import { DriverListener } from './driver/listener.ts';
import { LocalBatchLauncher } from './driver/local-batch-launcher.ts';
import { LocalLauncher } from './driver/local-launcher.ts';
import { checkAuthAtStart } from './http/auth/methods.ts';
import { tlsEnabled } from './http/tls.ts';
import { ensurePrivateDir } from './private-files.ts';
import { SqliteStore } from './store/sqlite-store.ts';

export interface RunningServer {
  app: FastifyInstance;
  url: string;
  sessions: SessionManager;
  batches: BatchManager;
  close(): Promise<void>;
}

export interface ServerParts {
  store?: Store;
  launcher?: SessionManagerDeps['launcher'];
  batchLauncher?: BatchLauncher;
  clock?: Clock;
  log?: (msg: string) => void;
  audit?: AuditLog;
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
  // Before anything opens: bad auth settings, or no authentication beyond loopback, stop the start here.
  await checkAuthAtStart(config, parts.log ?? ((m: string) => process.stderr.write(`[sparkport] ${m}\n`)));
  // The store, work directories and shared data live here: the server's user's alone (mode 700).
  ensurePrivateDir(config.dataDir);
  const app = await createApp({
    config,
    store: parts.store ?? new SqliteStore(path.join(config.dataDir, 'sparkport.db')),
    clock: parts.clock ?? systemClock,
    launcher: parts.launcher ?? new LocalLauncher(config),
    batchLauncher: parts.batchLauncher ?? new LocalBatchLauncher(config),
    listener: new DriverListener({ rows: config.limits.outputRows, text_bytes: config.limits.outputTextBytes }),
    sparkVersion: detectSparkVersion(config.spark.python),
    log: parts.log ?? ((m: string) => process.stderr.write(`[sparkport] ${m}\n`)),
    audit: parts.audit ?? new FileAuditLog(auditFile(config)),
  });
  try {
    await app.http.listen({ host: config.host, port: config.port });
  } catch (e) {
    // A taken port must not leave the driver listener and the store open behind it.
    await app.close();
    throw e;
  }
  app.start();
  const a = app.http.server.address();
  const port = typeof a === 'object' && a ? a.port : config.port;
  const url = `${tlsEnabled(config) ? 'https' : 'http'}://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  return { app: app.http, url, sessions: app.sessions, batches: app.batches, close: () => app.close('server shutting down') };
}
