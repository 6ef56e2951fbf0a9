/**
 * Turns a (schema-checked) batch request into a BatchSpec, applying the rules a schema can't
 * express: every local file must come from an allowed directory, names can't look like ids,
 * memory sizes must parse, and the server's own conf keys stay the server's.
 */
import type { CreateBatchRequest } from '@sparkport/protocol';
import { checkDataPath, checkRealPath } from './paths.ts';
import type { BatchSpec } from './records.ts';
import { validateSubmitFields } from './validate-submit.ts';

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
  const common = validateSubmitFields(req, 'batch', blockedConf, checkPath);
  for (const key of FILE_LIST_CONF) {
    for (const p of (common.conf[key] ?? '').split(',').map((s) => s.trim()).filter(Boolean)) checkPath(p);
  }
  return {
    ...common,
    file: checkPath(req.file),
    className: req.className ?? null,
    args: req.args ?? [],
  };
}
