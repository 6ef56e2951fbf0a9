/**
 * SQLite adapter. Records are stored as JSON next to the columns we look them up by; the schema
 * and its migrations are in sqlite-schema.ts.
 *
 * The file holds every session's code and output, so it is the server user's alone (mode 600,
 * in a directory created 700). SQLite gives its -wal and -shm files the main file's mode, so
 * creating that file first with 600 covers them; an existing store's files lose any group and
 * other bits (one the operator made read-only stays read-only, and the store with it).
 *
 * When the disk fails it (full, read-only, I/O errors, a lock held elsewhere past busy_timeout),
 * every call throws StoreUnavailable (sqlite-faults.ts) and SQLite has written nothing of it.
 * Nothing needs a restart to recover: SQLite takes writes again once the disk does. Only a file
 * that was read-only (or could not be opened) needs a fresh connection, as a read-only open stays
 * so for its connection's life: the next call at least a second later makes one, and keeps the
 * old one, reads and all, if it can't.
 */
import Database from 'better-sqlite3';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import path from 'node:path';
import type { BatchRecord, SessionRecord, StatementRecord } from '../domain/records.ts';
import type { Store } from '../domain/ports/store.ts';
import { needsReopen, storeFault } from './sqlite-faults.ts';
import { busyTimeout, configure, migrate, reclaim } from './sqlite-schema.ts';

const REOPEN_EVERY_MS = 1000;

function prepare(db: Database.Database) {
  const deleteStatements = db.prepare(`DELETE FROM statements WHERE session_id = ?`);
  const deleteSession = db.prepare(`DELETE FROM sessions WHERE id = ?`);
  return {
    nextId: db.prepare(`UPDATE counters SET value = value + 1 WHERE name = 'session' RETURNING value - 1 AS id`),
    insertSession: db.prepare(`INSERT INTO sessions (id, deleted, data) VALUES (?, ?, ?)`),
    updateSession: db.prepare(`UPDATE sessions SET deleted = ?, data = ? WHERE id = ?`),
    getSession: db.prepare(`SELECT data FROM sessions WHERE id = ?`),
    listSessions: db.prepare(`SELECT data FROM sessions WHERE deleted = 0 ORDER BY id`),
    insertStatement: db.prepare(`INSERT INTO statements (session_id, id, data) VALUES (?, ?, ?)`),
    updateStatement: db.prepare(`UPDATE statements SET data = ? WHERE session_id = ? AND id = ?`),
    getStatement: db.prepare(`SELECT data FROM statements WHERE session_id = ? AND id = ?`),
    listStatements: db.prepare(`SELECT data FROM statements WHERE session_id = ? ORDER BY id`),
    countStatements: db.prepare(`SELECT COUNT(*) AS n FROM statements WHERE session_id = ?`),
    // octet_length: the size without decoding the text (a listing must not parse every output to pick a page).
    statementSizes: db.prepare(`SELECT id, octet_length(data) AS bytes FROM statements WHERE session_id = ? ORDER BY id`),
    // One transaction: a session is never left without its row but with part of its history.
    purgeSession: db.transaction((id: number) => {
      deleteStatements.run(id);
      deleteSession.run(id);
    }),
    nextBatchId: db.prepare(`UPDATE counters SET value = value + 1 WHERE name = 'batch' RETURNING value - 1 AS id`),
    insertBatch: db.prepare(`INSERT INTO batches (id, deleted, data) VALUES (?, ?, ?)`),
    updateBatch: db.prepare(`UPDATE batches SET deleted = ?, data = ? WHERE id = ?`),
    getBatch: db.prepare(`SELECT data FROM batches WHERE id = ?`),
    listBatches: db.prepare(`SELECT data FROM batches WHERE deleted = 0 ORDER BY id`),
    purgeBatch: db.prepare(`DELETE FROM batches WHERE id = ?`),
    // A real write, which a full disk refuses (a row rewritten unchanged is no write at all to SQLite).
    probe: db.prepare(`INSERT INTO counters VALUES ('probe', 0) ON CONFLICT (name) DO UPDATE SET value = value + 1`),
  };
}

/**
 * No group or other bits, and the -wal and -shm as the main file: SQLite made them with its mode
 * when they were created, so a file made writable again must bring them along.
 */
function privateModes(file: string): void {
  const mode = statSync(file).mode & 0o700;
  for (const f of [file, `${file}-wal`, `${file}-shm`]) {
    if (!existsSync(f)) continue;
    try {
      chmodSync(f, mode);
    } catch (e) {
      // An immutable file (chattr +i) keeps its mode: it is read-only, which the store copes with.
      if ((e as NodeJS.ErrnoException).code !== 'EPERM') throw e;
    }
  }
}

interface Connection { db: Database.Database; s: ReturnType<typeof prepare> }

export class SqliteStore implements Store {
  private conn?: Connection;
  private closed = false;
  /** When the last fault happened; 0 once a write has succeeded since. */
  private faultedAt = 0;
  private reopenDue = false;
  private reopenedAt = 0;

  constructor(private readonly file: string) {
    if (file !== ':memory:') {
      mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      if (!existsSync(file)) closeSync(openSync(file, 'a', 0o600));
      privateModes(file);
    }
    const db = new Database(file);
    try {
      configure(db);
      migrate(db);
      this.conn = { db, s: prepare(db) };
    } catch (e) {
      db.close();
      throw e;
    }
  }

  /** Runs one call on the connection; SQLite's disk faults come out as StoreUnavailable. */
  private use<T>(write: boolean, fn: (s: Connection['s'], db: Database.Database) => T): T {
    if (this.closed) throw new Error('the store is closed');
    if (this.reopenDue && Date.now() - this.reopenedAt >= REOPEN_EVERY_MS) this.reopen();
    const c = this.conn;
    if (!c) throw new Error('the store is closed');
    try {
      const out = fn(c.s, c.db);
      if (write) this.faultedAt = 0;
      return out;
    } catch (e) {
      const fault = storeFault(e);
      if (!fault) throw e;
      this.faultedAt = Date.now();
      if (needsReopen(e) && this.file !== ':memory:') this.reopenDue = true;
      throw fault;
    }
  }

  /** A fresh connection in place of the old, if one can be had; the old one stays for reads otherwise. */
  private reopen(): void {
    this.reopenedAt = Date.now();
    let db: Database.Database | undefined;
    try {
      privateModes(this.file);
      db = new Database(this.file);
      configure(db);
      const fresh = { db, s: prepare(db) };
      this.conn?.db.close();
      this.conn = fresh;
      this.reopenDue = false;
    } catch {
      try { db?.close(); } catch { /* it never worked */ }
    }
  }

  // all(), not get(): get() stops after the first row, and the commit's failure at the reset is lost.
  nextSessionId(): number { return this.use(true, (s) => (s.nextId.all() as { id: number }[])[0]!.id); }
  insertSession(r: SessionRecord): void { this.use(true, (s) => s.insertSession.run(r.id, r.deleted ? 1 : 0, JSON.stringify(r))); }
  updateSession(r: SessionRecord): void { this.use(true, (s) => s.updateSession.run(r.deleted ? 1 : 0, JSON.stringify(r), r.id)); }
  getSession(id: number): SessionRecord | undefined {
    const row = this.use(false, (s) => s.getSession.get(id) as { data: string } | undefined);
    return row && JSON.parse(row.data);
  }
  listSessions(): SessionRecord[] {
    return this.use(false, (s) => s.listSessions.all() as { data: string }[]).map((r) => JSON.parse(r.data));
  }
  purgeSession(id: number): void {
    this.use(true, (s, db) => {
      s.purgeSession(id);
      reclaim(db);
    });
  }
  insertStatement(r: StatementRecord): void { this.use(true, (s) => s.insertStatement.run(r.sessionId, r.id, JSON.stringify(r))); }
  updateStatement(r: StatementRecord): void { this.use(true, (s) => s.updateStatement.run(JSON.stringify(r), r.sessionId, r.id)); }
  getStatement(sessionId: number, id: number): StatementRecord | undefined {
    const row = this.use(false, (s) => s.getStatement.get(sessionId, id) as { data: string } | undefined);
    return row && JSON.parse(row.data);
  }
  listStatements(sessionId: number): StatementRecord[] {
    return this.use(false, (s) => s.listStatements.all(sessionId) as { data: string }[]).map((r) => JSON.parse(r.data));
  }
  countStatements(sessionId: number): number {
    return this.use(false, (s) => (s.countStatements.get(sessionId) as { n: number }).n);
  }
  statementSizes(sessionId: number): { id: number; bytes: number }[] {
    return this.use(false, (s) => s.statementSizes.all(sessionId) as { id: number; bytes: number }[]);
  }
  nextBatchId(): number { return this.use(true, (s) => (s.nextBatchId.all() as { id: number }[])[0]!.id); }
  insertBatch(b: BatchRecord): void { this.use(true, (s) => s.insertBatch.run(b.id, b.deleted ? 1 : 0, JSON.stringify(b))); }
  updateBatch(b: BatchRecord): void { this.use(true, (s) => s.updateBatch.run(b.deleted ? 1 : 0, JSON.stringify(b), b.id)); }
  getBatch(id: number): BatchRecord | undefined {
    const row = this.use(false, (s) => s.getBatch.get(id) as { data: string } | undefined);
    return row && JSON.parse(row.data);
  }
  listBatches(): BatchRecord[] {
    return this.use(false, (s) => s.listBatches.all() as { data: string }[]).map((r) => JSON.parse(r.data));
  }
  purgeBatch(id: number): void {
    this.use(true, (s, db) => {
      s.purgeBatch.run(id);
      reclaim(db);
    });
  }
  checkWritable(): void {
    this.use(true, (s, db) => {
      // After a fault only a real write tells: a full disk still hands out the write lock.
      if (this.faultedAt) return void s.probe.run();
      // Takes the write lock and lets it go, writing nothing: fails on a read-only file or a lock held
      // elsewhere. At once, not after busy_timeout: a probe must not hold the event loop for seconds.
      busyTimeout(db, 0);
      try {
        db.exec('BEGIN IMMEDIATE; ROLLBACK');
      } finally {
        busyTimeout(db);
      }
    });
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.conn?.db.close();
  }
}
