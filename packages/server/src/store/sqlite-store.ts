/**
 * SQLite adapter. Records are stored as JSON next to the columns we look them up by; the
 * numbered migrations below are applied once each, in order, on open.
 *
 * The file holds every session's code and output, so it is the server user's alone (mode 600,
 * in a directory created 700). SQLite gives its -wal and -shm files the main file's mode, so
 * creating that file first with 600 covers them; an existing store's files are brought to 600.
 */
import Database from 'better-sqlite3';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import type { BatchRecord, SessionRecord, StatementRecord } from '../domain/records.ts';
import type { Store } from '../domain/ports/store.ts';

const MIGRATIONS: string[] = [
  `CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
   INSERT INTO counters VALUES ('session', 0);
   CREATE TABLE sessions (id INTEGER PRIMARY KEY, deleted INTEGER NOT NULL DEFAULT 0, data TEXT NOT NULL);
   CREATE TABLE statements (session_id INTEGER NOT NULL, id INTEGER NOT NULL, data TEXT NOT NULL,
     PRIMARY KEY (session_id, id));`,
  `INSERT INTO counters VALUES ('batch', 0);
   CREATE TABLE batches (id INTEGER PRIMARY KEY, deleted INTEGER NOT NULL DEFAULT 0, data TEXT NOT NULL);`,
];

export class SqliteStore implements Store {
  private db: Database.Database;
  private stmts;

  constructor(file: string) {
    if (file !== ':memory:') {
      mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      closeSync(openSync(file, 'a', 0o600));
    }
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode keeps every commit atomic and survives a process crash; only an OS
    // crash can lose the last commits. That trade buys the sub-millisecond statement round trip.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    if (file !== ':memory:') {
      for (const f of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(f)) chmodSync(f, 0o600);
    }
    this.migrate();
    const db = this.db;
    this.stmts = {
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
      nextBatchId: db.prepare(`UPDATE counters SET value = value + 1 WHERE name = 'batch' RETURNING value - 1 AS id`),
      insertBatch: db.prepare(`INSERT INTO batches (id, deleted, data) VALUES (?, ?, ?)`),
      updateBatch: db.prepare(`UPDATE batches SET deleted = ?, data = ? WHERE id = ?`),
      getBatch: db.prepare(`SELECT data FROM batches WHERE id = ?`),
      listBatches: db.prepare(`SELECT data FROM batches WHERE deleted = 0 ORDER BY id`),
    };
  }

  private migrate(): void {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    for (let v = version; v < MIGRATIONS.length; v++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[v]!);
        this.db.pragma(`user_version = ${v + 1}`);
      })();
    }
  }

  nextSessionId(): number { return (this.stmts.nextId.get() as { id: number }).id; }
  insertSession(s: SessionRecord): void { this.stmts.insertSession.run(s.id, s.deleted ? 1 : 0, JSON.stringify(s)); }
  updateSession(s: SessionRecord): void { this.stmts.updateSession.run(s.deleted ? 1 : 0, JSON.stringify(s), s.id); }
  getSession(id: number): SessionRecord | undefined {
    const row = this.stmts.getSession.get(id) as { data: string } | undefined;
    return row && JSON.parse(row.data);
  }
  listSessions(): SessionRecord[] {
    return (this.stmts.listSessions.all() as { data: string }[]).map((r) => JSON.parse(r.data));
  }
  insertStatement(s: StatementRecord): void { this.stmts.insertStatement.run(s.sessionId, s.id, JSON.stringify(s)); }
  updateStatement(s: StatementRecord): void { this.stmts.updateStatement.run(JSON.stringify(s), s.sessionId, s.id); }
  getStatement(sessionId: number, id: number): StatementRecord | undefined {
    const row = this.stmts.getStatement.get(sessionId, id) as { data: string } | undefined;
    return row && JSON.parse(row.data);
  }
  listStatements(sessionId: number): StatementRecord[] {
    return (this.stmts.listStatements.all(sessionId) as { data: string }[]).map((r) => JSON.parse(r.data));
  }
  countStatements(sessionId: number): number {
    return (this.stmts.countStatements.get(sessionId) as { n: number }).n;
  }
  nextBatchId(): number { return (this.stmts.nextBatchId.get() as { id: number }).id; }
  insertBatch(b: BatchRecord): void { this.stmts.insertBatch.run(b.id, b.deleted ? 1 : 0, JSON.stringify(b)); }
  updateBatch(b: BatchRecord): void { this.stmts.updateBatch.run(b.deleted ? 1 : 0, JSON.stringify(b), b.id); }
  getBatch(id: number): BatchRecord | undefined {
    const row = this.stmts.getBatch.get(id) as { data: string } | undefined;
    return row && JSON.parse(row.data);
  }
  listBatches(): BatchRecord[] {
    return (this.stmts.listBatches.all() as { data: string }[]).map((r) => JSON.parse(r.data));
  }
  close(): void { this.db.close(); }
}
