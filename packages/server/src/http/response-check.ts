/**
 * The guard that keeps the OpenAPI document true (setting http.checkResponses, on in the tests):
 * every JSON body is checked against the schema declared for its route and status before it is
 * serialised, and one that does not match becomes a 500 naming the route and the mismatch. In
 * production the check is off: serialisation already shapes bodies by the same schemas, but it
 * does so silently (dropping unknown fields, coercing types), which is what hides drift.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import { ErrorBodySchema, isMediaResponse, type Endpoint, type ResponseSpec } from '@sparkport/protocol';
import type { FastifyInstance } from 'fastify';

const ajv = new Ajv({ allErrors: true, addUsedSchema: false, strict: false });
const compiled = new WeakMap<object, ValidateFunction>();

/** Keywords whose values are data, not schemas: left as they are. */
const DATA_KEYWORDS = new Set(['enum', 'const', 'default', 'examples', 'required']);

/**
 * The schema with every object closed to fields it does not list: serialisation would drop
 * those fields without a word, so here they count as a mismatch.
 */
export function closed(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closed);
  if (!schema || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === '$id') continue; // the same schema appears under many routes
    if (DATA_KEYWORDS.has(k)) out[k] = v;
    else if (k === 'properties' || k === 'patternProperties') {
      out[k] = Object.fromEntries(Object.entries(v as object).map(([name, s]) => [name, closed(s)]));
    } else out[k] = closed(v);
  }
  if (out.type === 'object' && out.properties && !('additionalProperties' in out) && !('patternProperties' in out)) {
    out.additionalProperties = false;
  }
  return out;
}

function validator(schema: object): ValidateFunction {
  let v = compiled.get(schema);
  if (!v) {
    v = ajv.compile(closed(schema) as object);
    compiled.set(schema, v);
  }
  return v;
}

/** The declared JSON schema for a status, looked up as Fastify's serialiser does: 404, then 4xx. */
function declared(responses: Endpoint['responses'], status: number): ResponseSpec | undefined {
  const r = responses as Record<string, ResponseSpec>;
  return r[String(status)] ?? r[`${String(status)[0]}xx`];
}

export function installResponseCheck(app: FastifyInstance, log: (msg: string) => void): void {
  app.addHook('preSerialization', async (req, reply, payload) => {
    const ep = req.routeOptions.config.endpoint;
    const status = reply.statusCode;
    // No endpoint: the not-found handler, whose answers are errors like any other.
    const spec = ep ? declared(ep.responses, status) : status >= 400 ? ErrorBodySchema : undefined;
    let problem: string | undefined;
    if (!spec || isMediaResponse(spec)) problem = `status ${status} with a JSON body is not declared`;
    else {
      const v = validator(spec);
      if (!v(payload)) problem = ajv.errorsText(v.errors, { dataVar: 'body' });
    }
    if (!problem) return payload;
    const where = ep ? `${ep.method} ${ep.url}` : `${req.method} ${req.url}`;
    const msg = `The response of ${where} (status ${status}) does not match its declaration: ${problem}`;
    log(`response check: ${msg}`);
    reply.code(500);
    reply.removeHeader('location');
    return { msg, code: 'INTERNAL' };
  });
}
