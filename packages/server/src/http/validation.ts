/**
 * Request validation from the declared schemas. Bodies are taken exactly as sent: unknown fields
 * and wrong types are the client's mistake to hear about, not to have silently dropped or
 * coerced. Path and query parameters can only arrive as text, so the numeric ones are read as
 * numbers first (by the same strict rules for every parameter), then defaults fill in the rest.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import type { FastifySchemaCompiler } from 'fastify';

type Schema = Record<string, unknown>;
type Validator = ((data: unknown) => boolean) & { errors?: ValidateFunction['errors'] };

// One instance each for the whole process: ajv caches by schema object, so every app built
// from the same declarations (the tests build many) compiles each schema once.
const options = { addUsedSchema: false, removeAdditional: false, coerceTypes: false } as const;
// The first error only: a body of a million wrong items made a million error objects (seconds of
// the event loop, gigabytes). Parameters are few and short, so they hear of each mistake.
const bodyAjv = new Ajv({ ...options, allErrors: false, useDefaults: false });
// verbose: errors carry the offending value and its schema, so messages can quote both.
const textAjv = new Ajv({ ...options, allErrors: true, useDefaults: true, verbose: true });

const INTEGER = /^-?\d+$/;

/** Reads one text value as its schema's type; anything unreadable is left for ajv to refuse. */
function readText(value: unknown, s: Schema): unknown {
  if (typeof value !== 'string') return value;
  if (s.type === 'integer' || s.type === 'number') {
    if (value === '') return undefined; // `?size=` is no size at all
    if (s.type === 'integer') return INTEGER.test(value) ? Number(value) : value;
    return value.trim() !== '' && Number.isFinite(Number(value)) ? Number(value) : value;
  }
  // Enumerated words match in either case (`order=DESC`), as they always have here.
  if (Array.isArray(s.enum) && s.enum.includes(value.toLowerCase())) return value.toLowerCase();
  return value;
}

function compileText(schema: Schema): Validator {
  const validate = textAjv.compile(schema);
  const props = Object.entries((schema.properties ?? {}) as Record<string, Schema>)
    .filter(([, s]) => s.type === 'integer' || s.type === 'number' || Array.isArray(s.enum));
  if (!props.length) return validate; // text is all it takes (`/sessions/:id`): nothing to read
  const check: Validator = (data) => {
    if (data && typeof data === 'object') {
      const obj = data as Record<string, unknown>;
      for (const [name, s] of props) {
        if (obj[name] === undefined) continue;
        const v = readText(obj[name], s);
        if (v === undefined) delete obj[name];
        else obj[name] = v;
      }
    }
    const ok = validate(data);
    check.errors = validate.errors;
    return ok;
  };
  return check;
}

export const compileValidator: FastifySchemaCompiler<Schema> = ({ schema, httpPart }) =>
  httpPart === 'body' ? bodyAjv.compile(schema) : compileText(schema);
