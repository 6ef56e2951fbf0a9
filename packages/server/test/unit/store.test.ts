/**
 * One conformance suite for the Store port, run against both adapters: MemoryStore (unit tests)
 * and SqliteStore (the real thing, on a temp file). Whatever one does, the other must do too.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import type { SessionRecord, StatementRecord } from '../../src/domain/records.ts';
import { MemoryStore } from '../../src/store/memory-store.ts';
import { SqliteStore } from '../../src/store/sqlite-store.ts';
import type { Store } from '../../src/domain/ports/store.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'sparkport-store-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
let fileSeq = 0;

function sessionRecord(id: number, over: Partial<SessionRecord> = {}): SessionRecord {
  return {
    kind: 'pyspark',
    name: `s${id}`,
    proxyUser: null,
    driverMemory: '2g',
    driverCores: 1,
    executorMemory: null,
    executorCores: 0,
    numExecutors: 0,
    queue: null,
    conf: { 'spark.sql.shuffle.partitions': '4', 'spark.x.ünïcode': 'värde ✓' },
    jars: ['a.jar', 'b.jar'],
    pyFiles: [],
    files: ['data.csv'],
    archives: [],
    heartbeatTimeoutInSecond: 60,
    ttl: '2h',
    idleTimeout: null,
    id,
    owner: null,
    state: 'starting',
    stateReason: 'created',
    stateChangedAt: 1_700_000_000_000,
    createdAt: 1_700_000_000_000,
    lastActivity: 1_700_000_000_000,
    lastHeartbeat: 1_700_000_000_000,
    appId: null,
    sparkUiUrl: null,
    driverPid: null,
    deleted: false,
    logTail: ['stdout: ', 'line "quoted"', '\nstderr: ', 'tab\there'],
    ...over,
  };
}

function statementRecord(sessionId: number, id: number, over: Partial<StatementRecord> = {}): StatementRecord {
  return {
    sessionId,
    id,
    code: `print(${id})\n# ünïcode ✓`,
    kind: 'pyspark',
    state: 'waiting',
    output: null,
    progress: 0,
    started: 0,
    completed: 0,
    ...over,
  };
}

interface Adapter {
  name: string;
  open(): Store;
  /** Opens the same data again (a server restart), or undefined when the adapter can't. */
  reopen?: () => Store;
}

const adapters: Adapter[] = [
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
  describe(`Store conformance: ${adapter.name}`, () => {
    const withStore = (fn: (s: Store) => void) => () => {
      const s = adapter.open();
      try {
        fn(s);
      } finally {
        s.close();
      }
    };

    test('session ids start at 0 and count up without repeating', withStore((s) => {
      const ids = Array.from({ length: 50 }, () => s.nextSessionId());
      assert.deepEqual(ids, Array.from({ length: 50 }, (_, i) => i));
    }));

    test('an id taken but never used (a rejected create) is not handed out again', withStore((s) => {
      const a = s.nextSessionId();
      const b = s.nextSessionId();
      s.insertSession(sessionRecord(b));
      assert.equal(s.nextSessionId(), b + 1);
      assert.notEqual(a, b);
    }));

    test('a session round-trips unchanged', withStore((s) => {
      const rec = sessionRecord(s.nextSessionId());
      s.insertSession(rec);
      assert.deepEqual(s.getSession(rec.id), rec);
    }));

    test('inserting a session id twice is refused', withStore((s) => {
      s.insertSession(sessionRecord(0));
      assert.throws(() => s.insertSession(sessionRecord(0, { name: 'other' })));
      assert.equal(s.getSession(0)?.name, 's0');
    }));

    test('unknown ids are undefined, not errors', withStore((s) => {
      assert.equal(s.getSession(42), undefined);
      assert.equal(s.getStatement(42, 0), undefined);
      assert.deepEqual(s.listStatements(42), []);
      assert.equal(s.countStatements(42), 0);
    }));

    test('update replaces the stored session', withStore((s) => {
      const rec = sessionRecord(s.nextSessionId());
      s.insertSession(rec);
      const changed: SessionRecord = {
        ...rec, state: 'idle', stateReason: 'driver ready', appId: 'local-123', sparkUiUrl: 'http://127.0.0.1:4040',
        driverPid: 4242, lastActivity: rec.lastActivity + 5, logTail: ['stdout: ', 'ready'],
      };
      s.updateSession(changed);
      assert.deepEqual(s.getSession(rec.id), changed);
      assert.deepEqual(s.listSessions(), [changed]);
    }));

    test('list gives sessions in ascending id order', withStore((s) => {
      for (const id of [3, 0, 2, 1]) s.insertSession(sessionRecord(id));
      assert.deepEqual(s.listSessions().map((r) => r.id), [0, 1, 2, 3]);
    }));

    test('a deleted session is not listed but can still be read', withStore((s) => {
      for (const id of [0, 1, 2]) s.insertSession(sessionRecord(id));
      const gone = { ...s.getSession(1)!, deleted: true, state: 'dead' as const };
      s.updateSession(gone);
      assert.deepEqual(s.listSessions().map((r) => r.id), [0, 2]);
      assert.deepEqual(s.getSession(1), gone);
    }));

    test('a returned record is a copy: changing it does not change the store', withStore((s) => {
      s.insertSession(sessionRecord(0));
      const got = s.getSession(0)!;
      got.state = 'dead';
      got.conf['spark.evil'] = 'x';
      got.jars.push('c.jar');
      assert.deepEqual(s.getSession(0), sessionRecord(0));
      const listed = s.listSessions()[0]!;
      listed.name = 'renamed';
      assert.equal(s.getSession(0)!.name, 's0');
      s.insertStatement(statementRecord(0, 0));
      const st = s.getStatement(0, 0)!;
      st.state = 'running';
      assert.equal(s.getStatement(0, 0)!.state, 'waiting');
    }));

    test('the record passed in is copied on write: changing it later does not change the store', withStore((s) => {
      const rec = sessionRecord(0);
      s.insertSession(rec);
      rec.state = 'dead';
      assert.equal(s.getSession(0)!.state, 'starting');
      const st = statementRecord(0, 0);
      s.insertStatement(st);
      st.code = 'changed';
      assert.notEqual(s.getStatement(0, 0)!.code, 'changed');
    }));

    test('statements: insert, get, update, and round-trip with every output shape', withStore((s) => {
      s.insertSession(sessionRecord(0));
      const waiting = statementRecord(0, 0);
      s.insertStatement(waiting);
      assert.deepEqual(s.getStatement(0, 0), waiting);

      const ok: StatementRecord = {
        ...waiting, state: 'available', progress: 1, started: 10, completed: 20,
        output: {
          status: 'ok', execution_count: 0, truncated: true, total: 5000,
          data: { 'text/plain': 'a\nb', 'application/json': { schema: { fields: [] }, data: [[1, null, 'x']] } },
        },
      };
      s.updateStatement(ok);
      assert.deepEqual(s.getStatement(0, 0), ok);

      const err = statementRecord(0, 1, {
        state: 'available', progress: 1,
        output: { status: 'error', execution_count: 1, ename: 'ValueError', evalue: 'boom', traceback: ['Traceback\n', '  line 1\n'] },
      });
      s.insertStatement(err);
      assert.deepEqual(s.getStatement(0, 1), err);

      const running = statementRecord(0, 2, { state: 'running', progress: 0.42, started: 30 });
      s.insertStatement(running);
      assert.deepEqual(s.getStatement(0, 2), running);
    }));

    test('statements are listed in id order and counted per session', withStore((s) => {
      s.insertSession(sessionRecord(0));
      s.insertSession(sessionRecord(1));
      for (const id of [0, 1, 2]) s.insertStatement(statementRecord(0, id));
      s.insertStatement(statementRecord(1, 0, { code: 'other session' }));
      assert.deepEqual(s.listStatements(0).map((x) => x.id), [0, 1, 2]);
      assert.deepEqual(s.listStatements(1).map((x) => x.code), ['other session']);
      assert.equal(s.countStatements(0), 3);
      assert.equal(s.countStatements(1), 1);
      assert.equal(s.getStatement(1, 1), undefined);
      // Updating one statement changes neither its place in the list nor the other session.
      s.updateStatement({ ...statementRecord(0, 1), state: 'running' });
      assert.deepEqual(s.listStatements(0).map((x) => [x.id, x.state]), [[0, 'waiting'], [1, 'running'], [2, 'waiting']]);
      assert.equal(s.listStatements(1)[0]!.state, 'waiting');
    }));

    test('statements inserted out of order are still listed in id order', withStore((s) => {
      s.insertSession(sessionRecord(0));
      for (const id of [2, 0, 1]) s.insertStatement(statementRecord(0, id));
      assert.deepEqual(s.listStatements(0).map((x) => x.id), [0, 1, 2]);
    }));

    test('updating a statement that was never inserted does not create it', withStore((s) => {
      s.updateStatement(statementRecord(0, 7, { state: 'available' }));
      assert.equal(s.getStatement(0, 7), undefined);
      assert.equal(s.countStatements(0), 0);
    }));

    test('purging a session removes its row and its whole history, and nothing of another session', withStore((s) => {
      for (const id of [0, 1]) {
        s.insertSession(sessionRecord(s.nextSessionId()));
        for (const n of [0, 1, 2]) s.insertStatement(statementRecord(id, n));
      }
      s.purgeSession(0);
      assert.equal(s.getSession(0), undefined);
      assert.deepEqual(s.listStatements(0), []);
      assert.equal(s.countStatements(0), 0);
      assert.deepEqual(s.statementSizes(0), []);
      assert.equal(s.getStatement(0, 1), undefined);
      assert.deepEqual(s.listSessions().map((r) => r.id), [1]);
      assert.deepEqual(s.listStatements(1).map((x) => x.id), [0, 1, 2]);
      assert.equal(s.nextSessionId(), 2, 'a purged id is not handed out again');
      assert.doesNotThrow(() => s.purgeSession(0), 'purging twice is nothing');
      assert.doesNotThrow(() => s.purgeSession(42), 'so is purging what never was');
    }));

    test('a purged session stays purged when its rows were updated before', withStore((s) => {
      s.insertSession(sessionRecord(0));
      s.insertStatement(statementRecord(0, 0));
      s.updateSession({ ...sessionRecord(0), state: 'dead', deleted: true });
      s.updateStatement(statementRecord(0, 0, { state: 'available' }));
      s.purgeSession(0);
      s.updateStatement(statementRecord(0, 0, { state: 'cancelled' }));
      assert.equal(s.getSession(0), undefined);
      assert.equal(s.getStatement(0, 0), undefined, 'an update after the purge does not bring it back');
    }));

    if (adapter.reopen) {
      const reopen = adapter.reopen;
      test('a purge survives close and reopen', () => {
        const s1 = adapter.open();
        s1.insertSession(sessionRecord(s1.nextSessionId()));
        s1.insertStatement(statementRecord(0, 0));
        s1.purgeSession(0);
        s1.close();
        const s2 = reopen();
        try {
          assert.equal(s2.getSession(0), undefined);
          assert.equal(s2.countStatements(0), 0);
          assert.equal(s2.nextSessionId(), 1);
        } finally {
          s2.close();
        }
      });

      test('ids never repeat across close and reopen, and records survive it', () => {
        const s1 = adapter.open();
        const first = [s1.nextSessionId(), s1.nextSessionId(), s1.nextSessionId()];
        assert.deepEqual(first, [0, 1, 2]);
        const rec = sessionRecord(first[1]!, { state: 'idle', deleted: false });
        s1.insertSession(rec);
        s1.insertSession(sessionRecord(first[2]!, { deleted: true, state: 'dead' }));
        const st = statementRecord(rec.id, 0, {
          state: 'available', output: { status: 'ok', execution_count: 0, data: { 'text/plain': '2' } },
        });
        s1.insertStatement(st);
        s1.close();

        const s2 = reopen();
        try {
          assert.equal(s2.nextSessionId(), 3, 'the counter continues after a restart');
          assert.deepEqual(s2.getSession(rec.id), rec);
          assert.deepEqual(s2.listSessions().map((r) => r.id), [rec.id]);
          assert.equal(s2.getSession(first[2]!)!.deleted, true);
          assert.deepEqual(s2.listStatements(rec.id), [st]);
          assert.equal(s2.countStatements(rec.id), 1);
          assert.equal(s2.nextSessionId(), 4);
        } finally {
          s2.close();
        }
        const s3 = reopen();
        try {
          assert.equal(s3.nextSessionId(), 5, 'a second restart continues too');
        } finally {
          s3.close();
        }
      });
    }
  });
}
