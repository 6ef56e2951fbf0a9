/**
 * Files only the server's OS user may read: the data directory (the store holds every session's
 * code and output), the store itself, session and batch work directories, a driver's token file.
 * Modes are set explicitly rather than left to the umask, and fixed on directories that exist.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, constants, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';

/** Creates dir (and missing parents) with mode 700, and brings an existing dir to 700. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}

/**
 * Writes a new file with mode 600. An old file of that name is removed first; the create is
 * exclusive and does not follow a symbolic link, so nothing planted there is written through.
 */
export function writePrivateFile(file: string, content: string): void {
  rmSync(file, { force: true });
  const fd = openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
}

/**
 * A secret key kept in a private file, made on first use: what must survive a restart of the
 * server (the drivers' session tokens are derived from it).
 */
export function privateKey(file: string): Buffer {
  if (!existsSync(file)) writePrivateFile(file, randomBytes(32).toString('hex'));
  const fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const key = Buffer.from(readFileSync(fd, 'utf8').trim(), 'hex');
    if (key.length < 32) throw new Error(`${file} does not hold a key; remove it and start again`);
    return key;
  } finally {
    closeSync(fd);
  }
}
