/**
 * Batch → spark-submit command line. The same flags and conf as a session's driver (so memory,
 * jars and conf mean the same in both), then --name, --class, the file and its arguments.
 */
import type { Config } from '../config.ts';
import type { BatchSpec } from '../domain/records.ts';
import { buildSubmitArgs } from './submit-args.ts';

export function batchName(spec: BatchSpec, batchId: number): string {
  return spec.name ?? `sparkport-batch-${batchId}`;
}

export function buildBatchSubmitArgs(spec: BatchSpec, batchId: number, cfg: Config, workDir: string): string[] {
  const name = batchName(spec, batchId);
  const args = buildSubmitArgs({ ...spec, name }, batchId, cfg, workDir, 'batch');
  args.push('--name', name);
  if (spec.className) args.push('--class', spec.className);
  // Everything after the file is the application's own: spark-submit stops parsing there.
  args.push(spec.file, ...spec.args);
  return args;
}
