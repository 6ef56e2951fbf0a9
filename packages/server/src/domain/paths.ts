/**
 * Where shared data may be read and written, and where batch files may come from. A local path (no scheme, or file:) must sit inside
 * one of the allowed directories once resolved (so `..` can't climb out); a Hadoop-style URI
 * (hdfs://, s3a://, …) goes to Spark as it is, with that filesystem's own permissions.
 */
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { DomainError, invalid } from './errors.ts';

export function checkDataPath(p: string, allowedDirs: string[], setting = 'shared.allowedDirs'): string {
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(p)?.[1]?.toLowerCase();
  if (scheme && scheme !== 'file') return p;
  const local = scheme === 'file' ? p.replace(/^file:(\/\/)?/i, '') : p;
  if (!path.isAbsolute(local)) throw invalid(`Path '${p}' must be absolute (or a URI such as hdfs://…)`);
  const resolved = path.resolve(local);
  if (!allowedDirs.some((d) => resolved === d || resolved.startsWith(d + path.sep))) {
    throw new DomainError('FORBIDDEN_PATH', `Path '${p}' is outside the allowed directories (${allowedDirs.join(', ')}); set ${setting} to allow it`);
  }
  return resolved;
}

/**
 * For a local path that exists, checks where it really points: a symlink inside an allowed
 * directory must not lead outside all of them. URIs and missing files pass as they are.
 */
export function checkRealPath(p: string, allowedDirs: string[], setting: string): void {
  if (!path.isAbsolute(p)) return;
  let real: string;
  try {
    real = realpathSync(p);
  } catch {
    return;
  }
  const realDirs = allowedDirs.map((d) => { try { return realpathSync(d); } catch { return d; } });
  if (!realDirs.some((d) => real === d || real.startsWith(d + path.sep))) {
    throw new DomainError('FORBIDDEN_PATH', `Path '${p}' links outside the allowed directories (${allowedDirs.join(', ')}); set ${setting} to allow it`);
  }
}
