/**
 * A real full disk for one process, without root: its RLIMIT_FSIZE, lowered and restored by
 * prlimit(1). Node ignores SIGXFSZ, so a write past the limit fails with EFBIG, which SQLite
 * reports as SQLITE_IOERR_WRITE (or SQLITE_FULL for a short write), as it would ENOSPC. Only
 * regular files count: pipes, sockets and the terminal go on working.
 */
import { execFileSync, spawnSync } from 'node:child_process';

export const canLimitFileSize = spawnSync('prlimit', ['--version']).status === 0;

const prlimit = (pid: number, ...args: string[]) => execFileSync('prlimit', ['--pid', String(pid), ...args]).toString().trim();

/** No file of `pid` grows past `bytes` until the returned function is called. */
export function limitFileSize(pid: number, bytes: number): () => void {
  const before = prlimit(pid, '--fsize', '--raw', '--noheadings', '--output', 'SOFT');
  prlimit(pid, `--fsize=${bytes}:`);
  return () => { prlimit(pid, `--fsize=${before}:`); };
}
