/**
 * The real server's log: JSON lines (pino, as Fastify's own logger) on stderr. Every line of a
 * request, its own and what the app logs while handling it, carries the request's id (`reqId`,
 * also in the `x-request-id` answer header: http/request-id.ts).
 *
 * No secret is ever logged. A request is logged as method, URL and address only, never its
 * headers (Authorization, Cookie and the proxy's user header stay out) nor its body; in the URL,
 * the values of every query parameter the API does not declare are replaced (an `access_token`
 * or `?token=` a client adds lands nowhere), and so are declared ones whose name sounds secret.
 * `redact` is the second line: should an object with such fields be logged anyway, they are
 * censored.
 */
import { ENDPOINTS } from '@sparkport/protocol';
import type { FastifyReply, FastifyRequest } from 'fastify';
import pino, { type DestinationStream, type Logger } from 'pino';
import type { Config } from '../config.ts';

const SECRET_NAME = /pass|secret|token|key|auth|cookie|sig|credential|session_?id|code/i;
/** The query parameters the API declares; their values are data, not credentials (unless their names say otherwise). */
const DECLARED_QUERY = new Set(
  ENDPOINTS.flatMap((ep) => Object.keys(ep.querystring?.properties ?? {})).filter((n) => !SECRET_NAME.test(n)),
);
const CENSOR = '[REDACTED]';
const MAX_URL_CHARS = 2048;

/** The URL with the value of every undeclared (or secret-sounding) query parameter replaced, and every bare word. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url.slice(0, MAX_URL_CHARS);
  const query = url.slice(q + 1).split('&').map((pair) => {
    const eq = pair.indexOf('=');
    const name = eq < 0 ? pair : pair.slice(0, eq);
    let decoded = name;
    try {
      decoded = decodeURIComponent(name.replace(/\+/g, ' '));
    } catch {
      // Undecodable: certainly not a declared name.
    }
    if (DECLARED_QUERY.has(decoded)) return pair;
    // A bare word (`?abc123`) may be the secret itself.
    return eq < 0 ? CENSOR : `${name.slice(0, 64)}=${CENSOR}`;
  });
  return `${url.slice(0, q)}?${query.join('&')}`.slice(0, MAX_URL_CHARS);
}

/** What a request line says about the request: never its headers or body. */
function requestSerializer(req: FastifyRequest) {
  return { method: req.method, url: redactUrl(req.url), remoteAddress: req.ip };
}

function responseSerializer(reply: FastifyReply) {
  return { statusCode: reply.statusCode };
}

const REDACT_PATHS = [
  'req.headers.authorization', 'req.headers.cookie', 'req.headers["proxy-authorization"]', 'req.headers["x-api-key"]',
  'res.headers["set-cookie"]', 'headers.authorization', 'headers.cookie', 'headers["proxy-authorization"]',
  'authorization', 'cookie', 'password', 'token', 'secret',
  '*.authorization', '*.cookie', '*.password', '*.token', '*.secret', '*.accessToken', '*.access_token',
];

export function createLogger(config: Pick<Config, 'log'>, destination: DestinationStream = pino.destination({ fd: 2, sync: true })): Logger {
  return pino({
    level: config.log.level,
    redact: { paths: REDACT_PATHS, censor: CENSOR },
    serializers: { req: requestSerializer, res: responseSerializer, err: pino.stdSerializers.err },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Level names, not numbers: the log is read by people and by tools that expect words.
    formatters: { level: (label) => ({ level: label }) },
  }, destination);
}
