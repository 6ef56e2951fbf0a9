/**
 * The Store port's batch half, run against both adapters like store.test.ts, plus the SQLite
 * migration that added it: a database written before batches existed opens and goes on.
 */
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import type { BatchRecord } from '../../src/domain/records.ts';
import { MemoryStore } from '../../src/store/memory-store.ts';
import { SqliteStore } from '../../src/store/sqlite-store.ts';
import type { Store } from '../../src/domain/ports/store.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'sparkport-store-batches-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
let fileSeq = 0;

function batchRecord(id: number, over: Partial<BatchRecord> = {}): BatchRecord {
  return {
    file: '/data/batch-files/job.py',
    className: null,
    args: ['--date', '2024-01-01', 'ünïcode ✓'],
    name: `b${id}`,
    proxyUser: null,
    driverMemory: '512m',
    driverCores: 0,
    executorMemory: null,
    executorCores: 0,
    numExecutors: 0,
    queue: null,
    conf: { 'spark.sql.shuffle.partitions': '2' },
    jars: ['hdfs:///a.jar'],
    pyFiles: [],
    files: [],
    archives: ['/data/batch-files/env.tgz#env'],
    id,
    owner: null,
    state: 'starting',
    stateReason: 'created',
    stateChangedAt: 1_700_000_000_000,
    createdAt: 1_700_000_000_000,
    appId: null,
    sparkUiUrl: null,
    pid: null,
    exitCode: null,
    deleted: false,
    logTail: [],
    ...over,
  };
}

const adapters: { name: string; open(): Store; reopen?: () => Store }[] = [
  { name: 'MemoryStore', open: () => new MemoryStore() },
  (() => {
    let file = '';
    return {
      name: 'SqliteStore',
      open: () => {
        file = path.join(tmp, `db-${fileSeq++}`, 'sparkport.db');
        return new SqliteStore(file);
      },
      reopen: () => new SqliteStore(file),
    };
  })(),
];

for (const adapter of adapters) {
  describe(`Store conformance, batches: ${adapter.name}`, () => {
    const withStore = (fn: (s: Store) => void) => () => {
      const s = adapter.open();
      try {
        fn(s);
      } finally {
        s.close();
      }
    };

    test('batch ids start at 0 and count apart from session ids', withStore((s) => {
      s.nextSessionId();
      s.nextSessionId();
      assert.deepEqual([s.nextBatchId(), s.nextBatchId(), s.nextBatchId()], [0, 1, 2]);
      assert.equal(s.nextSessionId(), 2);
    }));

    test('a batch round-trips unchanged, and a second insert of its id is refused', withStore((s) => {
      const rec = batchRecord(s.nextBatchId());
      s.insertBatch(rec);
      assert.deepEqual(s.getBatch(rec.id), rec);
      assert.throws(() => s.insertBatch(batchRecord(rec.id, { name: 'other' })));
      assert.equal(s.getBatch(rec.id)!.name, rec.name);
      assert.equal(s.getBatch(99), undefined);
    }));

    test('update replaces; updating a batch never inserted does not create it', withStore((s) => {
      const rec = batchRecord(0);
      s.insertBatch(rec);
      const ended: BatchRecord = {
        ...rec, state: 'dead', stateReason: 'spark-submit exited with code 1', exitCode: 1, appId: 'local-1',
        sparkUiUrl: 'http://127.0.0.1:4041', logTail: ['stdout: ', 'Traceback "x"', '\nstderr: '],
      };
      s.updateBatch(ended);
      assert.deepEqual(s.getBatch(0), ended);
      s.updateBatch(batchRecord(7));
      assert.equal(s.getBatch(7), undefined);
    }));

    test('list is ascending by id and leaves deleted batches out, which stay readable', withStore((s) => {
      for (const id of [2, 0, 1]) s.insertBatch(batchRecord(id));
      s.updateBatch({ ...batchRecord(1), deleted: true, state: 'killed' });
      assert.deepEqual(s.listBatches().map((b) => b.id), [0, 2]);
      assert.equal(s.getBatch(1)!.deleted, true);
    }));

    test('purging a batch removes it, and nothing else; its id is not handed out again', withStore((s) => {
      for (const id of [s.nextBatchId(), s.nextBatchId()]) s.insertBatch(batchRecord(id));
      s.purgeBatch(0);
      assert.equal(s.getBatch(0), undefined);
      assert.deepEqual(s.listBatches().map((b) => b.id), [1]);
      assert.equal(s.nextBatchId(), 2);
      s.updateBatch(batchRecord(0, { state: 'dead' }));
      assert.equal(s.getBatch(0), undefined, 'an update after the purge does not bring it back');
      assert.doesNotThrow(() => s.purgeBatch(0));
    }));

    test('returned and passed-in records are copies', withStore((s) => {
      const rec = batchRecord(0);
      s.insertBatch(rec);
      rec.args.push('later');
      const got = s.getBatch(0)!;
      got.state = 'success';
      got.conf.x = 'y';
      assert.deepEqual(s.getBatch(0), batchRecord(0));
    }));

    if (adapter.reopen) {
      const reopen = adapter.reopen;
      test('batches and their counter survive close and reopen', () => {
        const s1 = adapter.open();
        const id = s1.nextBatchId();
        const rec = batchRecord(id, { state: 'running', pid: 4242 });
        s1.insertBatch(rec);
        s1.nextBatchId();
        s1.close();
        const s2 = reopen();
        try {
          assert.deepEqual(s2.listBatches(), [rec]);
          assert.equal(s2.nextBatchId(), 2);
        } finally {
          s2.close();
        }
      });
    }
  });
}

describe('SQLite migration to batches', () => {
  test('a database from before batches opens, keeps its sessions and counter, and gains batches', () => {
    const dir = path.join(tmp, 'old');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'sparkport.db');
    // Exactly what migration 1 created, with one session row in it.
    const old = new Database(file);
    old.exec(`CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
      INSERT INTO counters VALUES ('session', 3);
      CREATE TABLE sessions (id INTEGER PRIMARY KEY, deleted INTEGER NOT NULL DEFAULT 0, data TEXT NOT NULL);
      CREATE TABLE statements (session_id INTEGER NOT NULL, id INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (session_id, id));`);
    old.prepare('INSERT INTO sessions (id, deleted, data) VALUES (?, 0, ?)').run(2, JSON.stringify({ id: 2, name: 'old', deleted: false }));
    old.pragma('user_version = 1');
    old.close();

    const s = new SqliteStore(file);
    try {
      assert.equal(s.nextSessionId(), 3);
      assert.equal(s.getSession(2)!.name, 'old');
      assert.equal(s.nextBatchId(), 0);
      s.insertBatch(batchRecord(0));
      assert.equal(s.listBatches().length, 1);
    } finally {
      s.close();
    }
    const again = new SqliteStore(file);
    try {
      assert.equal(again.nextBatchId(), 1, 'the migration ran once');
    } finally {
      again.close();
    }
  });
});
