/**
 * What protects a user even with authentication off: a web page the user visits must not be
 * able to drive this server through the user's browser. Three rules, checked on every request
 * before authentication (a refused page never gets to try credentials, nor a login prompt):
 *  - Host names this server (host.ts: DNS rebinding);
 *  - a browser's cross-site marks (Origin, Sec-Fetch-Site) name this server or an allowed
 *    origin (origin.ts), and CORS preflights are answered for allowed origins only;
 *  - a body is JSON, sent as JSON (../json-body.ts), which a page can only send cross-origin
 *    after a preflight.
 * Programs send no Origin and no Sec-Fetch-Site and use the server's name: unaffected.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config.ts';
import { DomainError } from '../../domain/errors.ts';
import { hasBody, isJsonMediaType, unsupportedMedia } from '../json-body.ts';
import { hostRule } from './host.ts';
import { originRule } from './origin.ts';

/** What a page of an allowed origin may use: the API's methods and the headers clients send. */
const CORS_METHODS = 'GET, POST, PUT, DELETE';
const CORS_HEADERS = 'Content-Type, Authorization, X-Requested-By, Accept, Last-Event-ID';
/** Headers a page may read besides the simple ones: where a created thing is, when to retry, how to log in. */
const CORS_EXPOSED = 'Location, Retry-After, WWW-Authenticate';
const PREFLIGHT_MAX_AGE_S = 600;

const first = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

/**
 * Headers go on the raw response, so they reach streams too: the event streams write their
 * own head (sse.ts), and Node merges what was set here into it.
 */
function setRaw(reply: FastifyReply, headers: Record<string, string>): void {
  for (const [k, v] of Object.entries(headers)) reply.raw.setHeader(k, v);
}

export function installBrowserGuards(app: FastifyInstance, cfg: Config, scheme: 'http' | 'https'): void {
  // Built once, so a bad allowedHosts or allowedOrigins entry stops the server at start.
  const hosts = hostRule(cfg);
  const origins = originRule(cfg, scheme);

  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    const host = req.headers.host;
    // Browsers always send Host; a program speaking HTTP/1.0 may not, and needs no guarding.
    if (host !== undefined && !hosts.allows(host)) throw new DomainError('FORBIDDEN_HOST', hosts.refusal(host));

    const verdict = origins.judge({ origin: first(req.headers.origin), host, secFetchSite: first(req.headers['sec-fetch-site']) });
    if (origins.listsOrigins) reply.raw.setHeader('Vary', 'Origin');
    if (verdict.kind === 'refused') throw new DomainError('FORBIDDEN_ORIGIN', verdict.msg);
    const cors = verdict.kind === 'allowed'
      ? { 'Access-Control-Allow-Origin': verdict.origin, 'Access-Control-Allow-Credentials': 'true' }
      : undefined;

    // A CORS preflight: the browser asks before sending a request a page could not send
    // otherwise. No route answers OPTIONS, so it is answered here, before authentication
    // (browsers send preflights without credentials).
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined && verdict.kind !== 'none') {
      setRaw(reply, {
        ...cors,
        'Access-Control-Allow-Methods': CORS_METHODS,
        'Access-Control-Allow-Headers': CORS_HEADERS,
        'Access-Control-Max-Age': String(PREFLIGHT_MAX_AGE_S),
        Vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
      });
      return reply.code(204).send();
    }
    if (cors) setRaw(reply, { ...cors, 'Access-Control-Expose-Headers': CORS_EXPOSED });

    // Refused here rather than by the parser so that it comes before authentication.
    if (req.method !== 'GET' && req.method !== 'HEAD' && hasBody(req)) {
      const type = req.headers['content-type'];
      if (type === undefined || !isJsonMediaType(type)) throw unsupportedMedia(type);
    }
  });
}
