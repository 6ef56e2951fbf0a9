/**
 * Where local paths may point: strictly inside one of the allowed directories, once `..` and
 * symbolic links are resolved, both ways (a link inside a directory that leads out is refused,
 * and so is a path to be created whose parent is such a link). Checked paths come back as real
 * paths, and those are what Spark gets: a `..` after a link (`dir/link/../x`) means something
 * else to the kernel than to path.resolve, so the checked spelling must be the one used.
 *
 * Shared data (save, load, preload) uses checkDataPath: a local path (plain or file:) is checked,
 * a URI goes to Spark as it is, with that filesystem's own permissions, if its scheme is in
 * spark.allowedSchemes (Hadoop reads http:, https: and ftp: too, so `load` would otherwise fetch
 * from any address the server reaches, 169.254.169.254 included). Files a session or batch names
 * (jars and the like) go through file-refs.ts, with the same scheme rule (checkScheme).
 *
 * The check happens when the request arrives; the driver writes later. A link planted in
 * between is caught by the driver's own check (driver/sparkport_driver/shared_files.py refuses
 * a path whose real path is not the one it was given); only the moment between that check and
 * Spark's write remains (documented in docs/API.md).
 */
import { lstatSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { DomainError, invalid } from './errors.ts';

/**
 * Not accepted in a local path: Hadoop glob characters (`{a,../..}` expands one checked path
 * into unchecked ones, and `*` would follow links it finds), `%` (decoded to `..` once Spark
 * reads the path as a URI), backslashes and control characters.
 */
const UNSAFE = /[*?[\]{}%\\\u0000-\u001f\u007f]/;

export function schemeOf(p: string): string | undefined {
  return /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(p)?.[1]?.toLowerCase();
}

/** `file:/x`, `file:///x` → `/x` (and the same for `local:`); `file://host/x` stays relative and is refused. */
export function stripScheme(p: string): string {
  return p.replace(/^[a-zA-Z][a-zA-Z0-9+.-]*:(\/\/)?/, '');
}

/**
 * The real path of an absolute path that may not exist yet: the realpath of its deepest existing
 * ancestor, with the missing rest appended. Something that exists but has no real path (a link
 * that leads nowhere) is refused: writing through it would create its target, wherever that is.
 */
export function realPathOf(p: string, shownAs = p): string {
  const missing: string[] = [];
  let cur = p;
  for (;;) {
    let exists = true;
    try {
      lstatSync(cur);
    } catch {
      exists = false;
    }
    if (exists) {
      try {
        return path.join(realpathSync(cur), ...missing);
      } catch {
        throw new DomainError('FORBIDDEN_PATH', `Path '${shownAs}' goes through a symbolic link that leads nowhere (${cur})`);
      }
    }
    const parent = path.dirname(cur);
    if (parent === cur) return p;
    missing.unshift(path.basename(cur));
    cur = parent;
  }
}

/** Strictly inside: the directory itself is not a place to save to (an overwrite would replace it). */
function inside(p: string, dir: string): boolean {
  const rel = path.relative(dir, p);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}

/** Checks an absolute local path against the allowed directories; returns its real path. */
export function checkLocalPath(local: string, shownAs: string, allowedDirs: readonly string[], setting: string): string {
  if (UNSAFE.test(local)) {
    throw invalid(`Path '${shownAs}' has a character not accepted in a local path (* ? [ ] { } % \\ or a control character): Spark would expand or decode it`);
  }
  if (!path.isAbsolute(local)) throw invalid(`Path '${shownAs}' must be absolute (or a URI such as hdfs://…)`);
  const resolved = path.resolve(local);
  const dirs = allowedDirs.map((d) => path.resolve(d));
  const where = `the allowed directories (${dirs.join(', ') || 'none configured'}); set ${setting} to allow it`;
  if (dirs.includes(resolved)) {
    throw new DomainError('FORBIDDEN_PATH', `Path '${shownAs}' is an allowed directory itself (${setting}): name a file or directory inside it`);
  }
  const real = realPathOf(resolved, shownAs);
  if (dirs.some((d) => inside(real, realPathOf(d)))) return real;
  if (dirs.some((d) => inside(resolved, d))) {
    throw new DomainError('FORBIDDEN_PATH', `Path '${shownAs}' leads outside ${where} through a symbolic link`);
  }
  throw new DomainError('FORBIDDEN_PATH', `Path '${shownAs}' is outside ${where}`);
}

/**
 * A URI's scheme must be in spark.allowedSchemes (compared in lower case): a 400 naming the
 * scheme and the setting. `what` starts the message ("File 'x'", "Path 'x'").
 */
export function checkScheme(what: string, scheme: string, schemes: readonly string[]): void {
  if (schemes.some((s) => s.toLowerCase() === scheme)) return;
  throw invalid(`${what}: the URI scheme '${scheme}:' is not allowed (allowed: ${schemes.join(', ') || 'none'}, and local paths); set spark.allowedSchemes to allow it`);
}

/**
 * A shared-data path: local ones (plain or file:) are checked and come back real; a URI needs its
 * scheme in `schemes` (spark.allowedSchemes), then goes to Spark as it is. Requests are always
 * checked with schemes; only re-checking a path already checked that way (a preload, when the
 * driver is ready) may leave them out, the scheme being unchanged since.
 */
export function checkDataPath(p: string, allowedDirs: readonly string[], schemes?: readonly string[]): string {
  const scheme = schemeOf(p);
  if (scheme && scheme !== 'file') {
    if (schemes) checkScheme(`Path '${p}'`, scheme, schemes);
    return p;
  }
  return checkLocalPath(scheme ? stripScheme(p) : p, p, allowedDirs, 'shared.allowedDirs');
}
