/**
 * Turns a (schema-checked) batch request into a BatchSpec, applying the rules a schema can't
 * express: names can't look like ids, memory sizes must parse, the server's own conf keys stay
 * the server's, and every file (the batch's own first) passes the file rules (file-refs.ts).
 */
import type { CreateBatchRequest } from '@sparkport/protocol';
import type { Config } from '../config.ts';
import { checkFileRef } from './file-refs.ts';
import type { BatchSpec } from './records.ts';
import { submitRules, validateSubmitFields } from './validate-submit.ts';

export function validateBatchRequest(req: CreateBatchRequest, config: Config): BatchSpec {
  const rules = submitRules(config, 'batch', /\.py$/.test(req.file));
  const file = checkFileRef(req.file, rules.files);
  return {
    ...validateSubmitFields(req, 'batch', rules),
    file,
    className: req.className ?? null,
    args: req.args ?? [],
  };
}
