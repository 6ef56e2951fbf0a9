/**
 * One server per data directory: two would both recover the same sessions, hand out the same
 * ids and write the same store. The second one refuses to start, naming the directory and the
 * first one's pid.
 *
 * The lock is an exclusive SQLite transaction on <dataDir>/server.lock, held open for the life
 * of the process. SQLite takes it with a POSIX record lock, which the kernel drops when the
 * process ends, however it ends: a SIGKILLed server leaves no stale lock, and no pid has to be
 * trusted or checked for reuse (a pid file alone would need its holder's liveness and start time
 * from /proc, and two starting servers could both find it stale). SQLite also keeps such locks
 * apart between two connections of one process, which POSIX locks alone do not, so the rule holds
 * for servers started in one process (the tests) too. It is better-sqlite3, which the store uses
 * anyway, rather than a native flock package. server.pid beside it only says who holds it.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

interface Holder { pid: number; startedAt: string }

export class DataDirLockedError extends Error {
  constructor(readonly dataDir: string, readonly holder: Holder | null) {
    const who = holder ? `another Sparkport server (pid ${holder.pid}, started ${holder.startedAt})` : 'another Sparkport server';
    super(`The data directory ${dataDir} is in use by ${who}. Stop it first, or give this one another directory (--data-dir)`);
    this.name = 'DataDirLockedError';
  }
}

export class DataDirLock {
  private constructor(private db: Database.Database | null, private readonly pidFile: string, private readonly me: Holder) {}

  /** Takes the lock, or throws DataDirLockedError at once (it never waits for it). */
  static acquire(dataDir: string): DataDirLock {
    const pidFile = path.join(dataDir, 'server.pid');
    const db = new Database(path.join(dataDir, 'server.lock'), { timeout: 0 });
    try {
      db.exec('BEGIN EXCLUSIVE');
    } catch (e) {
      db.close();
      if ((e as { code?: string }).code === 'SQLITE_BUSY') throw new DataDirLockedError(dataDir, readHolder(pidFile));
      throw e;
    }
    const me = { pid: process.pid, startedAt: new Date().toISOString() };
    writeFileSync(pidFile, `${JSON.stringify(me)}\n`, { mode: 0o600 });
    return new DataDirLock(db, pidFile, me);
  }

  /** Lets it go (the process's end does it too); idempotent. */
  release(): void {
    if (!this.db) return;
    // Another server may have taken over by now only if this one let go: the file is still ours unless it says otherwise.
    const h = readHolder(this.pidFile);
    if (h?.pid === this.me.pid && h.startedAt === this.me.startedAt) rmSync(this.pidFile, { force: true });
    this.db.close();
    this.db = null;
  }
}

function readHolder(file: string): Holder | null {
  try {
    const h = JSON.parse(readFileSync(file, 'utf8')) as Partial<Holder>;
    return typeof h.pid === 'number' && typeof h.startedAt === 'string' ? { pid: h.pid, startedAt: h.startedAt } : null;
  } catch {
    return null;
  }
}
