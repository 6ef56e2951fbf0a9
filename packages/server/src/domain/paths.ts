/**
 * Where shared data may be read and written. A local path (no scheme, or file:) must sit inside
 * one of the allowed directories once resolved (so `..` can't climb out); a Hadoop-style URI
 * (hdfs://, s3a://, …) goes to Spark as it is, with that filesystem's own permissions.
 */
import path from 'node:path';
import { DomainError, invalid } from './errors.ts';

export function checkDataPath(p: string, allowedDirs: string[]): string {
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(p)?.[1]?.toLowerCase();
  if (scheme && scheme !== 'file') return p;
  const local = scheme === 'file' ? p.replace(/^file:(\/\/)?/i, '') : p;
  if (!path.isAbsolute(local)) throw invalid(`Path '${p}' must be absolute (or a URI such as hdfs://…)`);
  const resolved = path.resolve(local);
  if (!allowedDirs.some((d) => resolved === d || resolved.startsWith(d + path.sep))) {
    throw new DomainError('FORBIDDEN_PATH', `Path '${p}' is outside the allowed directories (${allowedDirs.join(', ')}); set shared.allowedDirs to allow it`);
  }
  return resolved;
}
