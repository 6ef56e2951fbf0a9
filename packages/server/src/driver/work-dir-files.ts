/**
 * The server's own files in a work directory (logs, the driver's connect file), where session
 * code writes too: it could put a symbolic link (to the store, to another session's files), a
 * FIFO or a directory where the server expects its file. Every open here refuses to follow a
 * link (O_NOFOLLOW) and anything but a regular file, and never waits on a FIFO (O_NONBLOCK,
 * which regular files ignore).
 */
import { randomBytes } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readSync, renameSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';

const { O_APPEND, O_CREAT, O_EXCL, O_NOFOLLOW, O_NONBLOCK, O_RDWR, O_WRONLY } = constants;

/** Opens file with flags (plus O_NOFOLLOW and O_NONBLOCK); throws unless it is a regular file. */
export function openRegular(file: string, flags: number, mode = 0o600): number {
  const fd = openSync(file, flags | O_NOFOLLOW | O_NONBLOCK, mode);
  try {
    if (!fstatSync(fd).isFile()) throw new Error(`${file} is not a regular file`);
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  return fd;
}

/**
 * A log file for a process to append to and the server to read and truncate: an existing
 * regular file is kept (appended to); anything else there is removed and a new file made.
 */
export function openLog(file: string): number {
  try {
    return openRegular(file, O_RDWR | O_APPEND | O_CREAT);
  } catch {
    // A link (ELOOP), FIFO or device: not ours to write through. A directory makes unlink throw.
    unlinkSync(file);
    return openRegular(file, O_RDWR | O_APPEND | O_CREAT | O_EXCL);
  }
}

/**
 * Replaces file with content, atomically (a reader sees the old or the new, never half), mode
 * 600. The new file gets a name nobody can guess and is renamed over the old, and a rename
 * replaces a planted link rather than writing through it.
 */
export function replaceFile(file: string, content: string): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(8).toString('hex')}`);
  const fd = openSync(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** Copies bytes [from, to) of the open file fd into a new file at dest (whatever was there goes first). */
export function copyRange(fd: number, from: number, to: number, dest: string): void {
  rmSync(dest, { force: true });
  const out = openSync(dest, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
  try {
    const buf = Buffer.alloc(1024 * 1024);
    for (let pos = from; pos < to;) {
      const n = readSync(fd, buf, 0, Math.min(buf.length, to - pos), pos);
      if (n === 0) break;
      writeSync(out, buf, 0, n);
      pos += n;
    }
  } finally {
    closeSync(out);
  }
}
