/**
 * The SQLite file's shape: the numbered migrations (applied once each, in order, on open), the
 * connection settings, and giving the space of purged rows back to the filesystem.
 *
 * Space: the file uses incremental auto-vacuum. A purge frees its pages, and `reclaim` then
 * moves live pages down into the gaps and truncates the file, a few MB per transaction so the
 * WAL stays small. A full VACUUM would rewrite the whole file (and need as much free disk
 * again) on every purge; plain auto_vacuum=FULL would pay that moving cost on every delete.
 */
import type Database from 'better-sqlite3';

const MIGRATIONS: string[] = [
  `CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
   INSERT INTO counters VALUES ('session', 0);
   CREATE TABLE sessions (id INTEGER PRIMARY KEY, deleted INTEGER NOT NULL DEFAULT 0, data TEXT NOT NULL);
   CREATE TABLE statements (session_id INTEGER NOT NULL, id INTEGER NOT NULL, data TEXT NOT NULL,
     PRIMARY KEY (session_id, id));`,
  `INSERT INTO counters VALUES ('batch', 0);
   CREATE TABLE batches (id INTEGER PRIMARY KEY, deleted INTEGER NOT NULL DEFAULT 0, data TEXT NOT NULL);`,
  // Rows forgotten before forgetting purged them: their statement history was kept for nothing.
  `DELETE FROM statements WHERE session_id IN (SELECT id FROM sessions WHERE deleted = 1);
   DELETE FROM sessions WHERE deleted = 1;
   DELETE FROM batches WHERE deleted = 1;`,
];

const BUSY_TIMEOUT_MS = 5000;
/** 2 MB of 4 KB pages per reclaim transaction. */
const RECLAIM_STEP_PAGES = 512;
const INCREMENTAL = 2;

/** Per-connection settings, on every (re)open. */
export function configure(db: Database.Database): void {
  db.pragma('journal_mode = WAL');
  // NORMAL in WAL mode keeps every commit atomic and survives a process crash; only an OS
  // crash can lose the last commits. That trade buys the sub-millisecond statement round trip.
  db.pragma('synchronous = NORMAL');
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  // After a checkpoint the WAL is cut back to this; otherwise it keeps its largest size for good.
  db.pragma('journal_size_limit = 16777216');
}

export function busyTimeout(db: Database.Database, ms = BUSY_TIMEOUT_MS): void {
  db.pragma(`busy_timeout = ${ms}`);
}

/** Once, on the first open: the schema up to date, and incremental auto-vacuum on. */
export function migrate(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  // Only an empty file takes auto_vacuum by pragma alone; an older one needs the VACUUM below.
  if (version === 0) db.pragma('auto_vacuum = INCREMENTAL');
  for (let v = version; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
  if (db.pragma('auto_vacuum', { simple: true }) !== INCREMENTAL) {
    try {
      // Rewrites the file once (it needs its size again in free disk); on failure the store
      // works as before, freed pages reused but not given back, and the next start tries again.
      db.pragma('auto_vacuum = INCREMENTAL');
      db.exec('VACUUM');
    } catch {
      // read-only, full disk: see above
    }
  }
}

/** Gives free pages back to the filesystem, a step at a time; a failure leaves them free for reuse. */
export function reclaim(db: Database.Database): void {
  try {
    if (db.pragma('auto_vacuum', { simple: true }) !== INCREMENTAL) return;
    while ((db.pragma('freelist_count', { simple: true }) as number) > 0) db.pragma(`incremental_vacuum(${RECLAIM_STEP_PAGES})`);
    // The file shrinks when the WAL is written back to it.
    db.pragma('wal_checkpoint(TRUNCATE)');
  } catch {
    // Space stays with the file, reused by later writes.
  }
}
