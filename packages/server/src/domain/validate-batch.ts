/**
 * Turns a (schema-checked) batch request into a BatchSpec, applying the rules a schema can't
 * express: every local file must come from an allowed directory, names can't look like ids,
 * memory sizes must parse, and the server's own conf keys stay the server's.
 */
import type { CreateBatchRequest } from '@sparkport/protocol';
import { invalid } from './errors.ts';
import { checkDataPath, checkRealPath } from './paths.ts';
import type { BatchSpec } from './records.ts';
import { MEMORY } from './validate-session.ts';

/** Conf keys whose values are comma-separated file lists: the allowed-directory rule covers them too (as Livy's). */
const FILE_LIST_CONF = [
  'spark.jars', 'spark.files', 'spark.archives', 'spark.submit.pyFiles',
  'spark.yarn.dist.jars', 'spark.yarn.dist.files', 'spark.yarn.dist.archives', 'spark.yarn.jars',
];

const SETTING = 'batches.allowedDirs';

export function validateBatchRequest(req: CreateBatchRequest, blockedConf: string[], allowedDirs: string[]): BatchSpec {
  const checkPath = (p: string): string => {
    const resolved = checkDataPath(p, allowedDirs, SETTING);
    checkRealPath(resolved, allowedDirs, SETTING);
    return resolved;
  };
  if (req.name !== undefined && /^\d+$/.test(req.name)) {
    throw invalid(`Invalid batch name '${req.name}': a name can't be all digits (it would clash with ids)`);
  }
  for (const field of ['driverMemory', 'executorMemory'] as const) {
    const v = req[field];
    if (v !== undefined && !MEMORY.test(v)) throw invalid(`Invalid ${field} '${v}': use a size such as 512m or 2g`);
  }
  const conf = req.conf ?? {};
  const blocked = Object.keys(conf).filter((k) => blockedConf.includes(k));
  if (blocked.length) {
    throw invalid(`Blocked configuration values in batch conf: ${blocked.join(', ')} (the server sets these)`);
  }
  for (const key of FILE_LIST_CONF) {
    for (const p of (conf[key] ?? '').split(',').map((s) => s.trim()).filter(Boolean)) checkPath(p);
  }
  return {
    file: checkPath(req.file),
    className: req.className ?? null,
    args: req.args ?? [],
    name: req.name ?? null,
    proxyUser: req.proxyUser ?? null,
    driverMemory: req.driverMemory ?? null,
    driverCores: req.driverCores ?? 0,
    executorMemory: req.executorMemory ?? null,
    executorCores: req.executorCores ?? 0,
    numExecutors: req.numExecutors ?? 0,
    queue: req.queue ?? null,
    conf,
    jars: (req.jars ?? []).map(checkPath),
    pyFiles: (req.pyFiles ?? []).map(checkPath),
    files: (req.files ?? []).map(checkPath),
    archives: (req.archives ?? []).map(checkPath),
  };
}
