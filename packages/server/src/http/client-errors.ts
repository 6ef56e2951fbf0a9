/**
 * Answers to requests Node's HTTP parser gives up on before Fastify sees them: a request not
 * received in time (408), a request line or headers over http.maxHeaderBytes (414 or 431), and
 * bytes that are not HTTP (400). They get the same `{msg, code}` body as every other error
 * (Node's own answers have no body, Fastify's default another shape). And a URL under the
 * parser's limit but over http.maxUrlBytes is a 414 before anything else looks at it.
 */
import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { ERROR_CODES, type ErrorCode } from '@sparkport/protocol';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Config } from '../config.ts';
import { DomainError } from '../domain/errors.ts';

/** Node's parser errors; `rawPacket` is the chunk it choked on. */
type ParserError = Error & { code?: string; rawPacket?: unknown };

/**
 * Whether the request line alone is what overflowed: the bytes the parser choked on start a
 * request line that has no end yet, or one whose URL is over the URL limit. Best effort: the
 * parser hands over only the last chunk it read, so a long URL split over chunks reads as 431.
 */
function urlOverflowed(raw: unknown, maxUrlBytes: number): boolean {
  if (!Buffer.isBuffer(raw) || !raw.length) return false;
  const head = raw.toString('latin1', 0, Math.min(raw.length, 256 * 1024));
  const m = /^[A-Z]+ (\S*)/.exec(head);
  if (!m) return false;
  return !/\r?\n/.test(head) || m[1]!.length > maxUrlBytes;
}

function describe(err: ParserError, cfg: Config['http']): { code: ErrorCode; msg: string } {
  switch (err.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return {
        code: 'REQUEST_TIMEOUT',
        msg: `The request was not received in time: its headers must arrive within ${cfg.headersTimeoutMs} ms and the whole request within ${cfg.requestTimeoutMs} ms (settings http.headersTimeoutMs, http.requestTimeoutMs)`,
      };
    case 'HPE_HEADER_OVERFLOW':
      return urlOverflowed(err.rawPacket, cfg.maxUrlBytes)
        ? { code: 'URI_TOO_LONG', msg: `The URL is too long: at most ${cfg.maxUrlBytes} bytes (setting http.maxUrlBytes)` }
        : { code: 'HEADERS_TOO_LARGE', msg: `The request line and headers are larger than ${cfg.maxHeaderBytes} bytes (setting http.maxHeaderBytes)` };
    default:
      return { code: 'MALFORMED_REQUEST', msg: `Malformed HTTP request (${String(err.code ?? err.message).slice(0, 80)})` };
  }
}

/** Fastify's clientErrorHandler; `answered` is told each status sent (for the metrics). */
export function clientErrorHandler(cfg: Config, log?: FastifyBaseLogger, answered?: (status: number) => void) {
  return (err: ParserError, socket: Socket): void => {
    // A connection reset has no one left to answer.
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    const { code, msg } = describe(err, cfg.http);
    const status = ERROR_CODES[code];
    // As Node does: no answer if one has begun on this socket, which would corrupt it.
    const inFlight = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
    if (socket.writable && !inFlight?.headersSent) {
      const body = JSON.stringify({ msg, code });
      socket.write(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n`
        + `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\nX-Content-Type-Options: nosniff\r\n\r\n${body}`,
      );
      answered?.(status);
    }
    log?.info({ err: { code: err.code, message: err.message } }, `client error: ${status} ${code}`);
    socket.destroy(err);
  };
}

/** The 414 for a URL the parser let through (it is under http.maxHeaderBytes) but over http.maxUrlBytes; none for one within it. */
export function urlTooLong(url: string, cfg: Config): DomainError | undefined {
  const n = Buffer.byteLength(url);
  const max = cfg.http.maxUrlBytes;
  return n > max ? new DomainError('URI_TOO_LONG', `The URL is ${n} bytes, over the limit of ${max} (setting http.maxUrlBytes)`) : undefined;
}

export function installUrlLimit(app: FastifyInstance, cfg: Config): void {
  app.addHook('onRequest', async (req) => {
    const e = urlTooLong(req.raw.url ?? '', cfg);
    if (e) throw e;
  });
}
