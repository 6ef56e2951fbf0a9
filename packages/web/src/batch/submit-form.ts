/** The submit dialog's text fields → a CreateBatchRequest, with errors that name the line. */
import type { CreateBatchRequest } from '@sparkport/client';
import { parseConf } from '../forms.ts';

/**
 * One argument per line, kept as typed: an argument may have spaces or be empty on purpose,
 * so only the trailing line breaks of the box go.
 */
export function parseArgs(text: string): string[] {
  const t = text.replace(/\n+$/, '');
  return t ? t.split('\n') : [];
}

export interface SubmitFields { file: string; className: string; args: string; name: string; driverMemory: string; conf: string }

export function batchRequest(f: SubmitFields): CreateBatchRequest {
  const body: CreateBatchRequest = { file: f.file.trim() };
  if (f.className.trim()) body.className = f.className.trim();
  const args = parseArgs(f.args);
  if (args.length) body.args = args;
  if (f.name.trim()) body.name = f.name.trim();
  if (f.driverMemory.trim()) body.driverMemory = f.driverMemory.trim();
  const conf = parseConf(f.conf);
  if (Object.keys(conf).length) body.conf = conf;
  return body;
}
