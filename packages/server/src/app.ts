/**
 * Builds the HTTP app from injected parts; nothing here listens or launches on its own, so
 * tests drive it with `app.inject` and fake drivers.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { Config } from './config.ts';
import type { BatchManager } from './domain/batch-manager.ts';
import type { EventBus } from './domain/event-bus.ts';
import type { SessionManager } from './domain/session-manager.ts';
import { installErrorHandler } from './http/errors.ts';
import { installJsonBodyParser } from './http/json-body.ts';
import { batchRoutes } from './http/routes/batches.ts';
import { sessionRoutes } from './http/routes/sessions.ts';
import { sharedRoutes } from './http/routes/shared.ts';
import type { SharedData } from './domain/shared-data.ts';
import { statementRoutes } from './http/routes/statements.ts';
import { versionRoutes } from './http/routes/version.ts';
import { installSecurityHeaders } from './http/security.ts';

export interface AppDeps {
  config: Config;
  sessions: SessionManager;
  batches: BatchManager;
  bus: EventBus;
  shared: SharedData;
  sparkVersion: string | null;
  log: (msg: string) => void;
}

export function buildApp(d: AppDeps): FastifyInstance {
  const app = Fastify({
    logger: false,
    bodyLimit: d.config.limits.bodyBytes,
    // Unknown fields and wrong types are the client's mistake to hear about, not to have
    // silently dropped or coerced.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: true } },
    return503OnClosing: true,
  });
  installJsonBodyParser(app);
  installErrorHandler(app, d.log);
  installSecurityHeaders(app, d.config);
  versionRoutes(app, d.sparkVersion);
  sessionRoutes(app, d.sessions, d.bus);
  statementRoutes(app, d.sessions, d.bus, d.config);
  sharedRoutes(app, d.sessions, d.shared);
  batchRoutes(app, d.batches);
  return app;
}
