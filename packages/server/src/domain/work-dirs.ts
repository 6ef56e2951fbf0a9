/**
 * A forgotten session's or batch's work directory (`<dataDir>/sessions/<id>`,
 * `<dataDir>/batches/<id>`) goes with it. Removing it never reaches outside the data directory:
 * a link in its place is removed as a link; a directory counts only if its real path is strictly
 * inside the data directory's (a linked `sessions/` leads elsewhere); and links inside it are
 * removed, not followed (fs.rm's rule).
 */
import { lstatSync, readdirSync, realpathSync, rmSync, unlinkSync } from 'node:fs';
import path from 'node:path';

/**
 * True when it is gone (or was never there); false when it was left: it leads outside `root`, or
 * the filesystem refused. Never throws: the record is forgotten already, whatever happens here.
 */
export function removeWorkDir(root: string, dir: string): boolean {
  try {
    const st = lstatSync(dir, { throwIfNoEntry: false });
    if (!st) return true;
    if (st.isSymbolicLink()) {
      unlinkSync(dir);
      return true;
    }
    const rel = path.relative(realpathSync(root), realpathSync(dir));
    if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) return false;
    rmSync(dir, { recursive: true, force: true });
    return true;
  } catch {
    return false;
  }
}

/**
 * At start, after recovery: work directories under `<root>/<kind>` whose session or batch is not
 * known (forgotten before forgetting removed them, or by a crash in between). Returns how many went.
 */
export function removeOrphanWorkDirs(root: string, kind: 'sessions' | 'batches', known: ReadonlySet<number>): number {
  let names: string[];
  try {
    names = readdirSync(path.join(root, kind));
  } catch {
    return 0;
  }
  const orphans = names.filter((n) => /^\d+$/.test(n) && !known.has(Number(n)));
  return orphans.filter((n) => removeWorkDir(root, path.join(root, kind, n))).length;
}
