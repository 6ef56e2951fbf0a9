/**
 * The one place where failures become HTTP: domain codes map to status codes, and every error
 * body is `{msg, code}`. Nothing internal (stack, SQL, paths) reaches a client.
 */
import { ERROR_CODES, type ErrorCode } from '@sparkport/protocol';
import type { FastifyError, FastifyInstance } from 'fastify';
import { DomainError } from '../domain/errors.ts';
import { allowedMethods } from './allowed-methods.ts';

interface AjvError {
  instancePath?: string; message?: string; keyword?: string; params?: Record<string, unknown>;
  /** Set when the error is about a key of the object at instancePath, not a value. */
  propertyName?: string;
  /** Present for parameters (see validation.ts): the value sent and the schema it broke. */
  data?: unknown; parentSchema?: { type?: string; minimum?: number; enum?: unknown[] };
}

/** What a parameter's schema accepts, in words: "an integer ≥ 0", "asc or desc". */
function expected(s: AjvError['parentSchema']): string {
  if (!s) return 'valid';
  if (s.enum) return s.enum.map(String).join(' or ');
  const what = s.type === 'integer' ? 'an integer' : s.type === 'number' ? 'a number' : `a ${String(s.type)}`;
  return s.minimum === undefined ? what : `${what} ≥ ${s.minimum}`;
}

/** Parameters arrive as text, so the message quotes the text: "Query parameter 'from' must be an integer ≥ 0, got 'x'". */
function describeParams(errors: AjvError[], context: string): string {
  const where = context === 'querystring' ? 'Query parameter' : 'Path parameter';
  return errors.slice(0, 3).map((e) => {
    const name = (e.instancePath ?? '').replace(/^\//, '') || String(e.params?.missingProperty ?? '');
    if (e.keyword === 'required') return `${where} '${name}' is required`;
    return `${where} '${name}' must be ${expected(e.parentSchema)}, got '${String(e.data)}'`;
  }).join('; ');
}

function describeValidation(errors: AjvError[], context: string | undefined): string {
  if (context === 'querystring' || context === 'params') return describeParams(errors, context);
  // A key's own error says it all; the object's "property name must be valid" that follows adds nothing.
  const keyErrors = errors.filter((e) => e.keyword !== 'propertyNames');
  const parts = keyErrors.slice(0, 3).map((e) => {
    const field = (e.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
    if (e.propertyName !== undefined) return `field '${field}' has an invalid key ${JSON.stringify(e.propertyName)}: it ${e.message}`;
    if (e.keyword === 'additionalProperties') return `unknown field '${String(e.params?.additionalProperty)}'`;
    if (e.keyword === 'required') return `missing required field '${String(e.params?.missingProperty)}'`;
    if (e.keyword === 'type' && !field) return `the body must be a JSON ${String(e.params?.type)}`;
    return field ? `field '${field}' ${e.message}` : String(e.message);
  });
  return `Invalid request body: ${parts.join('; ')}`;
}

export function installErrorHandler(app: FastifyInstance, log: (msg: string) => void): void {
  app.setErrorHandler((err: FastifyError & { validation?: AjvError[]; validationContext?: string }, _req, reply) => {
    let code: ErrorCode;
    let msg: string;
    if (err instanceof DomainError) {
      code = err.code;
      msg = err.message;
      if (err.retryAfterSeconds) reply.header('Retry-After', String(err.retryAfterSeconds));
      if (code === 'INTERNAL') log(`internal error: ${msg}`);
    } else if (err.validation) {
      code = 'VALIDATION';
      msg = describeValidation(err.validation, err.validationContext);
    } else if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      code = 'BODY_TOO_LARGE';
      msg = `Request body is larger than the limit of ${app.initialConfig.bodyLimit} bytes (setting limits.bodyBytes)`;
    } else if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      code = 'UNSUPPORTED_MEDIA';
      msg = 'Unsupported Content-Type: send JSON';
    } else if (err.statusCode === 400 && typeof err.message === 'string') {
      code = 'BAD_JSON';
      msg = err.message;
    } else {
      code = 'INTERNAL';
      msg = 'Internal server error';
      log(`internal error: ${err.stack ?? err.message}`);
    }
    reply.status(ERROR_CODES[code]).type('application/json').send({ msg, code });
  });

  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0]!;
    const allowed = allowedMethods(path);
    if (allowed.length && !allowed.includes(req.method)) {
      reply.status(405).header('Allow', allowed.join(', '));
      reply.send({ msg: `${req.method} is not allowed on ${path.slice(0, 200)}: it answers ${allowed.join(', ')}`, code: 'METHOD_NOT_ALLOWED' });
      return;
    }
    reply.status(404).send({ msg: `No such endpoint: ${req.method} ${path}`, code: 'NOT_FOUND' });
  });
}
