/**
 * Files a session or batch names for Spark to fetch or run: a batch's `file`, `jars`, `pyFiles`,
 * `files`, `archives`, and the file-list conf keys (spark.jars, …). Spark loads these as code on
 * the server's machine, so:
 * - a local path (plain, `file:`, or `local:`, which names a path on every node, the driver's
 *   included) must lie inside the allowed directories (paths.ts); it comes back as its real path,
 *   `local:` and a `#alias` kept;
 * - any other URI needs its scheme in spark.allowedSchemes (by default the cluster filesystems,
 *   not http:, ftp: or ivy:, which would fetch code from anywhere);
 * - no entry may contain a comma: Spark splits file lists at commas, so `/ok.jar,/etc/x.jar`
 *   would smuggle a second, unchecked entry in.
 */
import { invalid } from './errors.ts';
import { checkLocalPath, checkScheme, schemeOf, stripScheme } from './paths.ts';

export interface FileRules {
  dirs: readonly string[];
  /** The setting that names dirs, for the error message. */
  dirsSetting: string;
  /** URI schemes accepted besides local paths, lower case. */
  schemes: readonly string[];
}

/** A distributed file's alias (`env.tgz#env`): a plain name, never a path. */
const ALIAS = /^\w[\w.-]*$/;

export function checkFileRef(p: string, rules: FileRules): string {
  if (p.includes(',')) throw invalid(`File '${p}' has a comma: Spark splits file lists at commas, so give each file as its own entry`);
  // A line break would reach spark-submit's output as a line of the request's making.
  if (/[\x00-\x1f\x7f]/.test(p)) throw invalid(`File ${JSON.stringify(p)} has a control character (a line break, a tab): remove it`);
  const scheme = schemeOf(p);
  if (scheme && scheme !== 'file' && scheme !== 'local') {
    checkScheme(`File '${p}'`, scheme, rules.schemes);
    return p;
  }
  const body = scheme ? stripScheme(p) : p;
  const hash = body.indexOf('#');
  const alias = hash < 0 ? undefined : body.slice(hash + 1);
  if (alias !== undefined && !ALIAS.test(alias)) {
    throw invalid(`File '${p}': the name after '#' must be a plain file name (letters, digits, '_', '.', '-')`);
  }
  const real = checkLocalPath(hash < 0 ? body : body.slice(0, hash), p, rules.dirs, rules.dirsSetting);
  return `${scheme === 'local' ? 'local:' : ''}${real}${alias === undefined ? '' : `#${alias}`}`;
}

/** A conf value that is a comma-separated file list: each entry checked, the list rebuilt from the checked entries. */
export function checkFileList(value: string, rules: FileRules): string {
  return value.split(',').map((s) => s.trim()).filter(Boolean).map((p) => checkFileRef(p, rules)).join(',');
}
