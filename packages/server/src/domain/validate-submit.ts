/**
 * The spark-submit fields sessions and batches share (Livy gives both the same ones): one set
 * of rules for names, memory sizes and server-owned conf keys, one mapping to defaults.
 */
import { invalid } from './errors.ts';
import type { SubmitSpec } from './records.ts';

export const MEMORY = /^\d+[kmgt]?b?$/i;

export interface SubmitRequest {
  name?: string;
  proxyUser?: string;
  driverMemory?: string;
  driverCores?: number;
  executorMemory?: string;
  executorCores?: number;
  numExecutors?: number;
  queue?: string;
  conf?: Record<string, string>;
  jars?: string[];
  pyFiles?: string[];
  files?: string[];
  archives?: string[];
}

/** Checks the shared fields; `mapPath` vets (and may resolve) every file the request names. */
export function validateSubmitFields(
  req: SubmitRequest,
  what: 'session' | 'batch',
  blockedConf: string[],
  mapPath: (p: string) => string = (p) => p,
): SubmitSpec & { name: string | null } {
  if (req.name !== undefined && /^\d+$/.test(req.name)) {
    throw invalid(`Invalid ${what} name '${req.name}': a name can't be all digits (it would clash with ids)`);
  }
  for (const field of ['driverMemory', 'executorMemory'] as const) {
    const v = req[field];
    if (v !== undefined && !MEMORY.test(v)) throw invalid(`Invalid ${field} '${v}': use a size such as 512m or 2g`);
  }
  const conf = req.conf ?? {};
  const blocked = Object.keys(conf).filter((k) => blockedConf.includes(k));
  if (blocked.length) {
    throw invalid(`Blocked configuration values in ${what} conf: ${blocked.join(', ')} (the server sets these)`);
  }
  return {
    name: req.name ?? null,
    proxyUser: req.proxyUser ?? null,
    driverMemory: req.driverMemory ?? null,
    driverCores: req.driverCores ?? 0,
    executorMemory: req.executorMemory ?? null,
    executorCores: req.executorCores ?? 0,
    numExecutors: req.numExecutors ?? 0,
    queue: req.queue ?? null,
    conf,
    jars: (req.jars ?? []).map(mapPath),
    pyFiles: (req.pyFiles ?? []).map(mapPath),
    files: (req.files ?? []).map(mapPath),
    archives: (req.archives ?? []).map(mapPath),
  };
}
