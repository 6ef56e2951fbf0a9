/**
 * What only the SQLite adapter has to show: the space of a purged history goes back to the
 * filesystem, an older file loses its forgotten rows on open, and the disk's faults come out as
 * StoreUnavailable with nothing half-written, then go away on their own (store.test.ts is the
 * conformance suite both adapters pass).
 */
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { isStoreUnavailable } from '../../src/domain/errors.ts';
import type { SessionRecord, StatementRecord } from '../../src/domain/records.ts';
import { storeFault } from '../../src/store/sqlite-faults.ts';
import { SqliteStore } from '../../src/store/sqlite-store.ts';
import { canLimitFileSize, limitFileSize } from '../support/file-size-limit.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'sparkport-sqlite-space-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
let seq = 0;
const newFile = () => path.join(tmp, `db-${seq++}`, 'sparkport.db');

const session = (id: number) => ({ id, name: null, deleted: false, state: 'idle', logTail: [] }) as unknown as SessionRecord;
const statement = (sessionId: number, id: number, text: string): StatementRecord => ({
  sessionId, id, code: 'print("x" * n)', kind: 'pyspark', state: 'available', progress: 1, started: 1, completed: 2,
  output: { status: 'ok', execution_count: id, data: { 'text/plain': text } },
});
const sizeOf = (file: string) => statSync(file).size + (statSync(`${file}-wal`, { throwIfNoEntry: false })?.size ?? 0);

describe('SqliteStore: space', () => {
  test('purging a large history gives its space back to the filesystem; other sessions keep theirs', () => {
    const file = newFile();
    const s = new SqliteStore(file);
    try {
      const mb = 'x'.repeat(1024 * 1024);
      for (const id of [0, 1]) s.insertSession(session(s.nextSessionId()));
      for (let i = 0; i < 24; i++) s.insertStatement(statement(0, i, mb));
      s.insertStatement(statement(1, 0, 'small'));
      const full = sizeOf(file);
      assert.ok(full > 24 * 1024 * 1024, `${full}`);
      s.purgeSession(0);
      const after = sizeOf(file);
      assert.ok(after < 2 * 1024 * 1024, `${after} bytes left after the purge`);
      assert.equal(s.getStatement(1, 0)!.output!.status, 'ok');
    } finally {
      s.close();
    }
  });

  test('an older file loses the rows it kept for forgotten sessions and batches, and turns to incremental auto-vacuum', () => {
    const file = newFile();
    mkdirSync(path.dirname(file), { recursive: true });
    const old = new Database(file);
    old.exec(`CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
      INSERT INTO counters VALUES ('session', 2), ('batch', 2);
      CREATE TABLE sessions (id INTEGER PRIMARY KEY, deleted INTEGER NOT NULL DEFAULT 0, data TEXT NOT NULL);
      CREATE TABLE statements (session_id INTEGER NOT NULL, id INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (session_id, id));
      CREATE TABLE batches (id INTEGER PRIMARY KEY, deleted INTEGER NOT NULL DEFAULT 0, data TEXT NOT NULL);`);
    const ins = (table: string, id: number, deleted: number) =>
      old.prepare(`INSERT INTO ${table} (id, deleted, data) VALUES (?, ?, ?)`).run(id, deleted, JSON.stringify({ id, deleted: !!deleted }));
    ins('sessions', 0, 1);
    ins('sessions', 1, 0);
    ins('batches', 0, 1);
    ins('batches', 1, 0);
    for (const sid of [0, 1]) old.prepare('INSERT INTO statements VALUES (?, 0, ?)').run(sid, JSON.stringify(statement(sid, 0, 'x')));
    old.pragma('user_version = 2');
    old.close();

    const s = new SqliteStore(file);
    try {
      assert.equal(s.getSession(0), undefined);
      assert.equal(s.countStatements(0), 0);
      assert.equal(s.countStatements(1), 1);
      assert.equal(s.getBatch(0), undefined);
      assert.equal(s.getBatch(1)!.id, 1);
      assert.equal(s.nextSessionId(), 2, 'the counters are untouched');
    } finally {
      s.close();
    }
    const check = new Database(file, { readonly: true });
    try {
      assert.equal(check.pragma('auto_vacuum', { simple: true }), 2);
    } finally {
      check.close();
    }
  });
});

describe('SqliteStore: faults', () => {
  test('SQLite codes that mean the disk are StoreUnavailable; others are not', () => {
    for (const code of ['SQLITE_FULL', 'SQLITE_READONLY', 'SQLITE_READONLY_DBMOVED', 'SQLITE_IOERR_WRITE', 'SQLITE_IOERR_FSYNC', 'SQLITE_CANTOPEN', 'SQLITE_BUSY']) {
      const f = storeFault({ code });
      assert.ok(f && isStoreUnavailable(f), code);
      assert.match(f.why, new RegExp(code));
      assert.equal(f.retryAfterSeconds, 5);
    }
    for (const code of ['SQLITE_CONSTRAINT_PRIMARYKEY', 'SQLITE_CORRUPT', 'SQLITE_ERROR', undefined]) assert.equal(storeFault({ code }), undefined, code);
  });

  test('a write lock held by another process: the probe says so at once, as StoreUnavailable; released, all is well', () => {
    const file = newFile();
    const s = new SqliteStore(file);
    const other = new Database(file);
    try {
      other.exec('BEGIN IMMEDIATE');
      assert.throws(() => s.checkWritable(), (e) => isStoreUnavailable(e) && /another process holds its lock: SQLITE_BUSY/.test(e.why));
      assert.equal(s.getSession(0), undefined, 'reads go on');
      other.exec('ROLLBACK');
      s.checkWritable();
      s.insertSession(session(s.nextSessionId()));
    } finally {
      other.close();
      s.close();
    }
  });

  test('on a full disk writes throw StoreUnavailable, a purge is all or nothing, reads go on, and writes work again after', { skip: !canLimitFileSize && 'prlimit(1) is not installed' }, () => {
    const s = new SqliteStore(newFile());
    let lift: (() => void) | undefined;
    try {
      s.insertSession(session(s.nextSessionId()));
      for (let i = 0; i < 3; i++) s.insertStatement(statement(0, i, 'x'.repeat(3000)));
      lift = limitFileSize(process.pid, 4096);
      for (const write of [() => s.nextSessionId(), () => s.insertStatement(statement(0, 3, 'y')), () => s.updateSession({ ...session(0), state: 'dead' }), () => s.purgeSession(0), () => s.checkWritable()]) {
        assert.throws(write, (e) => isStoreUnavailable(e) && /SQLITE_(IOERR|FULL)/.test(e.why), write.toString());
      }
      assert.equal(s.countStatements(0), 3, 'the purge left every statement');
      assert.equal(s.getSession(0)!.id, 0, 'and the session');
      lift();
      lift = undefined;
      s.checkWritable();
      s.insertStatement(statement(0, 3, 'y'));
      s.purgeSession(0);
      assert.equal(s.countStatements(0), 0);
      assert.equal(s.nextSessionId(), 1, 'the refused id call took no id');
    } finally {
      lift?.();
      s.close();
    }
  });
});
