/**
 * The StoreGuard on a store whose disk goes away and comes back (a MemoryStore that throws
 * StoreUnavailable while `down`): what must be stored before an answer throws, updates are kept
 * and seen by readers, written once the disk is back, and dropped when their record is purged.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { StoreUnavailable, isStoreUnavailable } from '../../src/domain/errors.ts';
import type { Store } from '../../src/domain/ports/store.ts';
import type { SessionRecord, StatementRecord } from '../../src/domain/records.ts';
import { StoreGuard } from '../../src/domain/store-guard.ts';
import { MemoryStore } from '../../src/store/memory-store.ts';

function flaky(): { inner: MemoryStore; setDown(d: boolean): void } {
  const inner = new MemoryStore();
  let down = false;
  const reads = new Set(['getSession', 'listSessions', 'getStatement', 'listStatements', 'countStatements', 'statementSizes', 'getBatch', 'listBatches', 'close']);
  for (const name of Object.getOwnPropertyNames(MemoryStore.prototype) as (keyof Store)[]) {
    if (name === ('constructor' as never) || reads.has(name)) continue;
    const real = (inner[name] as (...a: unknown[]) => unknown).bind(inner);
    (inner as unknown as Record<string, unknown>)[name] = (...a: unknown[]) => {
      if (down) throw new StoreUnavailable('the disk is full: SQLITE_FULL');
      return real(...a);
    };
  }
  return { inner, setDown: (d) => { down = d; } };
}

const session = (id: number, state = 'idle'): SessionRecord => ({ id, name: null, deleted: false, state, logTail: [] }) as unknown as SessionRecord;
const statement = (sessionId: number, id: number, state: string): StatementRecord =>
  ({ sessionId, id, code: 'x', kind: 'pyspark', state, output: null, progress: 0, started: 0, completed: 0 }) as StatementRecord;

describe('StoreGuard', () => {
  test('creates and purges throw while the disk is down; updates are kept, read back, and stored once it is up', () => {
    const { inner, setDown } = flaky();
    let now = 0;
    const logs: string[] = [];
    const g = new StoreGuard(inner, (m) => logs.push(m), () => now);
    g.insertSession(session(g.nextSessionId()));
    g.insertStatement(statement(0, 0, 'running'));

    setDown(true);
    assert.throws(() => g.nextSessionId(), isStoreUnavailable);
    assert.throws(() => g.insertStatement(statement(0, 1, 'waiting')), isStoreUnavailable);
    assert.throws(() => g.purgeSession(0), isStoreUnavailable);
    const finished = statement(0, 0, 'available');
    g.updateStatement(finished);
    finished.code = 'changed later by its owner';
    g.updateSession(session(0, 'idle'));
    assert.equal(inner.getStatement(0, 0)!.state, 'running', 'not stored');
    assert.equal(g.getStatement(0, 0)!.state, 'available', 'but read back');
    assert.equal(g.getStatement(0, 0)!.code, 'x', 'as it was when kept');
    assert.deepEqual(g.listStatements(0).map((s) => s.state), ['available']);
    assert.equal(g.statementSizes(0).length, 1);
    assert.throws(() => g.checkWritable(), /disk is full/);
    assert.equal(logs.length, 1, 'said once');

    setDown(false);
    g.updateSession(session(0, 'busy'));
    assert.equal(inner.getStatement(0, 0)!.state, 'running', 'the retry waits a second');
    now += 1000;
    assert.equal(g.countStatements(0), 1);
    g.updateSession(session(0, 'idle'));
    assert.equal(inner.getStatement(0, 0)!.state, 'available', 'stored by the next call once due');
    assert.equal(inner.getSession(0)!.state, 'idle');
    assert.doesNotThrow(() => g.checkWritable());
    assert.match(logs.at(-1)!, /takes writes again/);
  });

  test('flush (the upkeep pass) stores what was kept without waiting; a purge drops what was kept of it', () => {
    const { inner, setDown } = flaky();
    let now = 0;
    const g = new StoreGuard(inner, () => undefined, () => now);
    for (let i = 0; i < 2; i++) g.insertSession(session(g.nextSessionId()));
    g.insertStatement(statement(1, 0, 'running'));
    setDown(true);
    g.updateSession(session(0, 'dead'));
    g.updateSession(session(1, 'dead'));
    g.updateStatement(statement(1, 0, 'available'));
    assert.equal(g.flush(), false);
    setDown(false);
    assert.throws(() => g.purgeSession(1), isStoreUnavailable, 'for a second after a fault, not even tried');
    now += 1000;
    g.purgeSession(1);
    assert.equal(g.getSession(1), undefined, 'purged, and not brought back by what was kept');
    assert.equal(g.getStatement(1, 0), undefined);
    assert.equal(g.flush(), true);
    assert.equal(inner.getSession(0)!.state, 'dead');
    assert.equal(inner.getSession(1), undefined);
    assert.equal(inner.getStatement(1, 0), undefined);
  });

  test('errors that are not the disk\'s go through as they are', () => {
    const inner = new MemoryStore();
    inner.updateSession = () => { throw new Error('a bug'); };
    const g = new StoreGuard(inner, () => undefined);
    assert.throws(() => g.updateSession(session(0)), /a bug/);
  });
});
