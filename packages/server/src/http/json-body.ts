/**
 * Request bodies are JSON, sent as JSON: `application/json` (any parameters, such as charset)
 * or a `+json` type. A web page can send text/plain, form or multipart bodies, or a body with no
 * type at all, to any address without asking first (no CORS preflight); reading those as JSON
 * would let any page a user visits run code here. So a body of another type is refused (415).
 * A request with no body is fine whatever its Content-Type: clients send
 * `Content-Type: application/json` on GET and DELETE too, and some libraries put a form type on
 * an empty POST. The guard in guards/ applies the same rule before authentication, with the
 * same words; the parsers here keep it even without the guard.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DomainError } from '../domain/errors.ts';
import { nestsDeeperThan } from '../json-depth.ts';

const JSON_TYPE = /^application\/(?:[\w!#$&^.+-]+\+)?json$/;

/** Whether a Content-Type header value names JSON: its media type, parameters aside. */
export function isJsonMediaType(contentType: string): boolean {
  return JSON_TYPE.test(contentType.split(';')[0]!.trim().toLowerCase());
}

/** Whether a request carries a body (as Node's parser will read it: a length or chunked). */
export function hasBody(req: FastifyRequest): boolean {
  const len = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (len !== undefined && len !== '0');
}

export function unsupportedMedia(contentType: string | undefined): DomainError {
  const what = contentType === undefined ? 'A request body without a Content-Type' : `Content-Type ${JSON.stringify(contentType.slice(0, 100))}`;
  return new DomainError('UNSUPPORTED_MEDIA',
    `${what} is not accepted: send the body as JSON with the header Content-Type: application/json (curl: -H 'Content-Type: application/json')`);
}

/** How deep a body may nest (see json-depth.ts). */
export const MAX_BODY_DEPTH = 256;

function badBody(message: string): Error {
  const err = new Error(message) as Error & { statusCode: number };
  err.statusCode = 400;
  return err;
}

function parseJson(_req: FastifyRequest, body: string | Buffer, done: (err: Error | null, body?: unknown) => void): void {
  const text = String(body);
  // An empty body is no body at all.
  if (text.trim() === '') return done(null, undefined);
  if (nestsDeeperThan(text, MAX_BODY_DEPTH)) {
    return done(badBody(`The JSON body nests arrays and objects more than ${MAX_BODY_DEPTH} levels deep: flatten it`), undefined);
  }
  try {
    done(null, JSON.parse(text));
  } catch (e) {
    done(badBody(`Malformed JSON body: ${(e as Error).message}`), undefined);
  }
}

export function installJsonBodyParser(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, parseJson);
  // Fastify tests this against the media type with its parameters.
  app.addContentTypeParser(/^application\/[\w!#$&^.+-]+\+json(?:;|$)/, { parseAs: 'string' }, parseJson);
  // Every other type, and a body with no type: empty is no body, anything else is refused
  // unread.
  app.addContentTypeParser('*', (req, _payload, done) => {
    if (!hasBody(req)) return done(null, undefined);
    done(unsupportedMedia(req.headers['content-type']), undefined);
  });
}
