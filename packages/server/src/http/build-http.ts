/**
 * The HTTP app, built from injected parts; nothing here listens or launches on its own, so tests
 * drive it with `app.inject` and fake drivers.
 */
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import type { AuditLog } from '../audit/audit-log.ts';
import type { Config } from '../config.ts';
import type { BatchManager } from '../domain/batch-manager.ts';
import type { EventBus } from '../domain/event-bus.ts';
import type { SessionManager } from '../domain/session-manager.ts';
import type { SharedData } from '../domain/shared-data.ts';
import { installAccess } from './access.ts';
import { installAudit } from './audit.ts';
import { installAuth } from './auth/install.ts';
import { installErrorHandler } from './errors.ts';
import { installBrowserGuards } from './guards/index.ts';
import { installIdentity } from './identity.ts';
import { installJsonBodyParser } from './json-body.ts';
import { registerOpenApi } from './openapi.ts';
import { installResponseCheck } from './response-check.ts';
import { batchRoutes } from './routes/batches.ts';
import { sessionRoutes } from './routes/sessions.ts';
import { sharedRoutes } from './routes/shared.ts';
import { statementRoutes } from './routes/statements.ts';
import { SPARKPORT_VERSION, versionRoutes } from './routes/version.ts';
import { installCsrf, installSecurityHeaders } from './security.ts';
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
}

export function buildHttp(d: HttpDeps): FastifyInstance {
  // HTTPS when a certificate is configured (tls.ts); the app is the same either way.
  const tls = readTls(d.config);
  const app = Fastify({
    ...(tls ? { https: tls } : {}),
    logger: false,
    bodyLimit: d.config.limits.bodyBytes,
    return503OnClosing: true,
    // Names may be 200 characters, percent-encoded up to three times as long.
    routerOptions: { maxParamLength: 1024 },
    // A URL the router can't even decode gets the same {msg, code} body as every other error.
    frameworkErrors: (err, req, reply) => {
      const body = { msg: `Bad request URL ${JSON.stringify(req.url.slice(0, 200))}: ${err.message.slice(0, 300)}`, code: 'VALIDATION' };
      (reply as FastifyReply).code(400).type('application/json').send(body);
    },
  });
  app.setValidatorCompiler(compileValidator);
  installSecurityHeaders(app);
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
    sessionRoutes(api, d.sessions, d.bus);
    statementRoutes(api, d.sessions, d.bus, d.config);
    sharedRoutes(api, d.sessions, d.shared);
    batchRoutes(api, d.batches);
  });
  return app;
}
