/**
 * The HTTP app, built from injected parts; nothing here listens or launches on its own, so tests
 * drive it with `app.inject` and fake drivers.
 */
import type { ServerOptions } from 'node:http';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import type { AuditLog } from '../audit/audit-log.ts';
import type { Config } from '../config.ts';
import type { BatchManager } from '../domain/batch-manager.ts';
import type { EventBus } from '../domain/event-bus.ts';
import type { SessionManager } from '../domain/session-manager.ts';
import type { SharedData } from '../domain/shared-data.ts';
import type { StatementPage, StatementPageQuery } from '../domain/statement-pages.ts';
import type { ServerMetrics } from '../metrics/server-metrics.ts';
import { installAccess } from './access.ts';
import { installAudit } from './audit.ts';
import { installAuth } from './auth/install.ts';
import { clientErrorHandler, installUrlLimit, urlTooLong } from './client-errors.ts';
import { installConnectionLimits } from './connection-limit.ts';
import { installErrorHandler } from './errors.ts';
import { installBrowserGuards } from './guards/index.ts';
import type { HeldRequests } from './held-requests.ts';
import { installIdentity } from './identity.ts';
import { installJsonBodyParser } from './json-body.ts';
import { registerOpenApi } from './openapi.ts';
import { installRequestId, requestIdOf } from './request-id.ts';
import { installRequestMetrics } from './request-metrics.ts';
import { installResponseCheck } from './response-check.ts';
import { batchRoutes } from './routes/batches.ts';
import { operationsRoutes, type ReadinessCheck } from './routes/operations.ts';
import { sessionRoutes } from './routes/sessions.ts';
import { sharedRoutes } from './routes/shared.ts';
import { statementRoutes } from './routes/statements.ts';
import { uiRoutes } from './routes/ui.ts';
import { SPARKPORT_VERSION, versionRoutes } from './routes/version.ts';
import { installCsrf, installSecurityHeaders } from './security.ts';
import { installShutdownRefusal } from './shutdown.ts';
import { readTls } from './tls.ts';
import { compileValidator } from './validation.ts';

export interface HttpDeps {
  config: Config;
  sessions: SessionManager;
  batches: BatchManager;
  bus: EventBus;
  shared: SharedData;
  sparkVersion: string | null;
  log: (msg: string) => void;
  /** Where who-did-what goes (http/audit.ts decides what). */
  audit: AuditLog;
  metrics: ServerMetrics;
  /** Long polls and event streams, counted and limited, and ended at shutdown. */
  held: HeldRequests;
  notReadyBecause: ReadinessCheck;
  /** A page of a session's statements, bounded in bytes (domain/statement-pages.ts). */
  statementPages: (sessionId: number, q: StatementPageQuery) => StatementPage;
  /** The JSON log (the real server's); none in the tests, which read `log` instead. */
  logger?: FastifyBaseLogger;
  /** The built web UI (packages/web/dist unless given). */
  uiDir?: string;
}

const PROBES = new Set(['/health', '/ready']);

/** Node's own limits on how a request arrives (http.* settings): under Fastify's, which only knows some of them. */
function nodeServerOptions(cfg: Config): ServerOptions {
  const h = cfg.http;
  return {
    maxHeaderSize: h.maxHeaderBytes,
    // Node refuses a headers timeout longer than the request timeout.
    headersTimeout: h.requestTimeoutMs > 0 ? Math.min(h.headersTimeoutMs, h.requestTimeoutMs) : h.headersTimeoutMs,
    requestTimeout: h.requestTimeoutMs,
    connectionsCheckingInterval: h.timeoutCheckIntervalMs,
  };
}

/** The socket idle limit, never under the longest `?wait` a client may ask for: a long poll sends nothing while it waits. */
function socketIdleMs(cfg: Config): number {
  const idle = cfg.http.socketIdleTimeoutMs;
  return idle > 0 ? Math.max(idle, cfg.limits.maxWaitSeconds * 1000 + 30_000) : 0;
}

export function buildHttp(d: HttpDeps): FastifyInstance {
  // HTTPS when a certificate is configured (tls.ts); the app is the same either way.
  const tls = readTls(d.config);
  const node = nodeServerOptions(d.config);
  const app = Fastify({
    ...(tls ? { https: { ...tls, ...node } } : { http: node }),
    ...(d.logger ? { loggerInstance: d.logger } : { logger: false }),
    genReqId: requestIdOf,
    // Load balancers probe every few seconds: their lines would bury the others.
    logController: new LogController({ disableRequestLogging: (req) => !d.config.log.requests || PROBES.has(req.url) }),
    requestTimeout: d.config.http.requestTimeoutMs,
    keepAliveTimeout: d.config.http.keepAliveTimeoutMs,
    connectionTimeout: socketIdleMs(d.config),
    clientErrorHandler: clientErrorHandler(d.config, d.logger, (status) => d.metrics.httpRequest('none', '', status)),
    bodyLimit: d.config.limits.bodyBytes,
    // Refused with a {msg, code} body by installShutdownRefusal instead of Fastify's own.
    return503OnClosing: false,
    // Names may be 200 characters, percent-encoded up to three times as long.
    routerOptions: { maxParamLength: 1024 },
    // A URL the router can't even decode gets the same {msg, code} body as every other error.
    frameworkErrors: (err, req, reply) => {
      // The router refuses a long parameter before the URL limit's hook could run.
      const long = urlTooLong(req.url, d.config);
      if (long) return void (reply as FastifyReply).code(414).type('application/json').send({ msg: long.message, code: long.code });
      const body = { msg: `Bad request URL ${JSON.stringify(req.url.slice(0, 200))}: ${err.message.slice(0, 300)}`, code: 'VALIDATION' };
      (reply as FastifyReply).code(400).type('application/json').send(body);
    },
  });
  installConnectionLimits(app.server, d.config, (reason) => d.metrics.connectionRefused(reason), d.log);
  app.setValidatorCompiler(compileValidator);
  installRequestId(app);
  installSecurityHeaders(app);
  installUrlLimit(app, d.config);
  installShutdownRefusal(app, d.held);
  installRequestMetrics(app, d.metrics);
  // Before the other onRequest hooks: a page's cross-site request is refused before authentication.
  installBrowserGuards(app, d.config, tls ? 'https' : 'http');
  installIdentity(app);
  installJsonBodyParser(app);
  installErrorHandler(app, d.log);
  installCsrf(app, d.config);
  // Who is asking (req.user), before any other check needs to know; off when no method is configured.
  const auth = installAuth(app, d.config, d.log);
  if (d.config.http.checkResponses) installResponseCheck(app, d.log);
  // Each route's declared right, enforced for all of them before any handler runs (http/access.ts).
  installAudit(app, d.audit, d.log);
  const finders = { sessions: (id: string) => d.sessions.resolve(id), batches: (id: string) => d.batches.resolve(id) };
  installAccess(app, d.config.access, finders, auth.authenticators.length > 0);
  // A route that is not declared would be missing from the document and unchecked.
  app.addHook('onRoute', (r) => {
    if (r.method !== 'HEAD' && !r.config?.endpoint) throw new Error(`${String(r.method)} ${r.url} is registered but not declared in @sparkport/protocol's api`);
  });
  registerOpenApi(app, SPARKPORT_VERSION, auth.securitySchemes);
  // Registered as a plugin so that it loads after the OpenAPI plugin, which must see every route.
  app.register(async (api) => {
    versionRoutes(api, d.sparkVersion);
    operationsRoutes(api, d.metrics, d.notReadyBecause);
    sessionRoutes(api, d.sessions, d.bus, d.held, d.config);
    statementRoutes(api, d.sessions, d.bus, d.config, d.held, d.statementPages);
    sharedRoutes(api, d.sessions, d.shared);
    batchRoutes(api, d.batches, { bus: d.bus, held: d.held, maxWaitSeconds: d.config.limits.maxWaitSeconds });
    uiRoutes(api, d.uiDir);
  });
  return app;
}
