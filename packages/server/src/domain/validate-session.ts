/**
 * Turns a (schema-checked) create request into a SessionSpec, applying the rules a schema
 * can't express: kinds and aliases, names, time strings, memory sizes, blocked conf keys, the
 * files Spark is to fetch and the shared data to preload.
 */
import { normaliseKind, RUNNABLE_KINDS, type CodeKind, type CreateSessionRequest } from '@sparkport/protocol';
import type { Config } from '../config.ts';
import { DomainError, invalid } from './errors.ts';
import { checkDataPath } from './paths.ts';
import type { SessionSpec } from './records.ts';
import { parseTimeString } from './time-strings.ts';
import { submitRules, validateSubmitFields } from './validate-submit.ts';

export function resolveCodeKind(kind: string, context: string): CodeKind {
  const k = normaliseKind(kind);
  if (k === undefined || k === 'shared') {
    throw new DomainError('UNSUPPORTED_KIND', `Unknown ${context} kind '${kind}': use pyspark (or python), sql, or spark (or scala)`);
  }
  if (k === 'sparkr') throw new DomainError('UNSUPPORTED_KIND', 'R (kind sparkr) is not supported by Sparkport: use pyspark, sql or spark');
  if (!RUNNABLE_KINDS.includes(k)) {
    throw new DomainError('UNSUPPORTED_KIND', `Kind '${kind}' is not supported: use pyspark, sql or spark`);
  }
  return k;
}

export function validateSessionRequest(req: CreateSessionRequest, config: Config): SessionSpec {
  // Checked now for a quick answer, and again when the driver is ready (the disk may change).
  for (const p of Object.values(req.preload ?? {})) checkDataPath(p.path, config.shared.allowedDirs, config.spark.allowedSchemes);
  const kind = req.kind === undefined ? 'shared' : req.kind === 'shared' ? 'shared' : resolveCodeKind(req.kind, 'session');
  for (const field of ['ttl', 'idleTimeout'] as const) {
    const v = req[field];
    if (v !== undefined && parseTimeString(v) === undefined) {
      throw invalid(`Invalid ${field} '${v}': use a number with a unit, e.g. 30s, 10m, 2h (no unit means milliseconds)`);
    }
  }
  return {
    ...validateSubmitFields(req, 'session', submitRules(config, 'session')),
    kind,
    heartbeatTimeoutInSecond: req.heartbeatTimeoutInSecond ?? 0,
    ttl: req.ttl ?? null,
    idleTimeout: req.idleTimeout ?? null,
    preload: req.preload ?? {},
  };
}
