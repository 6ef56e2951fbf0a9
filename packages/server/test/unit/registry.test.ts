/**
 * The registry sessions and batches share, on the batch table with a memory store and a fake
 * clock: lookup by id and by name, forgotten things are 404, names are unique, a transition
 * checks the table, persists and is announced once, the retention sweep, and recovery.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { batchMachine, type BatchState } from '@sparkport/protocol';
import { FakeClock } from '../../src/clock.ts';
import { DomainError } from '../../src/domain/errors.ts';
import type { Store } from '../../src/domain/ports/store.ts';
import type { BatchRecord } from '../../src/domain/records.ts';
import { Registry, type FlagOf, type StateChange } from '../../src/domain/registry.ts';
import { MemoryStore } from '../../src/store/memory-store.ts';

class Thing {
  constructor(public record: BatchRecord) {}
  get id(): number { return this.record.id; }
}

function setup(store: Store = new MemoryStore()) {
  const clock = new FakeClock();
  const events: StateChange<BatchState>[] = [];
  const forgotten: number[] = [];
  const reg = new Registry<BatchRecord, Thing, FlagOf<typeof batchMachine>>({
    noun: 'batch',
    notFoundCode: 'BATCH_NOT_FOUND',
    machine: batchMachine,
    finishedFlag: 'finished',
    clock,
    store: {
      nextId: () => store.nextBatchId(),
      insert: (r) => store.insertBatch(r),
      update: (r) => store.updateBatch(r),
      list: () => store.listBatches(),
      purge: (id) => store.purgeBatch(id),
    },
    revive: (rec) => new Thing(rec),
    onEnter: (t, to, reason) => { if (batchMachine.is(to, 'finished')) t.record.logTail = [`ended: ${reason}`]; },
    onForget: (t) => forgotten.push(t.id),
    emit: (_t, ev) => events.push(ev),
  });
  const add = (name: string | null = null) => reg.insert(new Thing(record(reg.nextId(), name, clock.now())));
  return { reg, store, clock, events, forgotten, add };
}

function record(id: number, name: string | null, now: number): BatchRecord {
  return {
    file: '/x/job.py', className: null, args: [], name, proxyUser: null, driverMemory: null, driverCores: 0, executorMemory: null,
    executorCores: 0, numExecutors: 0, queue: null, conf: {}, jars: [], pyFiles: [], files: [], archives: [],
    id, owner: null, state: 'starting', stateReason: 'created', stateChangedAt: now, createdAt: now, appId: null, sparkUiUrl: null,
    pid: null, exitCode: null, deleted: false, logTail: [],
  };
}

const domainError = (code: string, msg?: RegExp) => (e: unknown) => {
  assert.ok(e instanceof DomainError, String(e));
  assert.equal(e.code, code);
  if (msg) assert.match(e.message, msg);
  return true;
};

describe('Registry', () => {
  test('resolves by numeric id (number or string) and by name; list is ascending id', () => {
    const { reg, add } = setup();
    const a = add('alpha');
    const b = add();
    assert.equal(reg.resolve(a.id), a);
    assert.equal(reg.resolve(String(b.id)), b);
    assert.equal(reg.resolve('alpha'), a);
    assert.deepEqual(reg.list().map((t) => t.id), [a.id, b.id]);
  });

  test('an unknown id or name is not found, with the noun and code in the error', () => {
    const { reg, add } = setup();
    add('alpha');
    assert.throws(() => reg.resolve(42), domainError('BATCH_NOT_FOUND', /^Batch '42' not found\.$/));
    assert.throws(() => reg.resolve('beta'), domainError('BATCH_NOT_FOUND', /^Batch 'beta' not found\.$/));
  });

  test('a forgotten thing is 404 by id and name, gone from the list and from the store, and its name is free', () => {
    const { reg, store, add, forgotten } = setup();
    const a = add('alpha');
    reg.transition(a, 'dead', 'failed');
    reg.forget(a);
    assert.throws(() => reg.resolve(a.id), domainError('BATCH_NOT_FOUND'));
    assert.throws(() => reg.resolve('alpha'), domainError('BATCH_NOT_FOUND'));
    assert.deepEqual(reg.list(), []);
    assert.equal(store.getBatch(a.id), undefined);
    assert.deepEqual(forgotten, [a.id]);
    assert.doesNotThrow(() => reg.checkNameFree('alpha'));
  });

  test('names are unique among things not forgotten; no name never clashes', () => {
    const { reg, add } = setup();
    add('alpha');
    assert.throws(() => reg.checkNameFree('alpha'),
      domainError('NAME_TAKEN', /^Duplicate batch name 'alpha': choose another name or delete that batch$/));
    assert.doesNotThrow(() => reg.checkNameFree('beta'));
    add();
    assert.doesNotThrow(() => reg.checkNameFree(null));
  });

  test('count by a flag of the table', () => {
    const { reg, add } = setup();
    const [a, b] = [add(), add(), add()];
    assert.equal(reg.count('active'), 3);
    reg.transition(a!, 'dead', 'x');
    reg.transition(b!, 'running', 'y');
    assert.equal(reg.count('active'), 2);
    assert.equal(reg.count('finished'), 1);
  });

  test('a transition checks the table, stamps time and reason, persists and is announced once', () => {
    const { reg, store, clock, events, add } = setup();
    const a = add();
    clock.advance(1234);
    reg.transition(a, 'running', 'spark-submit started');
    assert.deepEqual(events, [{ id: a.id, state: 'running', reason: 'spark-submit started', at: clock.now() }]);
    const stored = store.getBatch(a.id)!;
    assert.equal(stored.state, 'running');
    assert.equal(stored.stateReason, 'spark-submit started');
    assert.equal(stored.stateChangedAt, clock.now());

    reg.transition(a, 'success', 'exit 0');
    assert.deepEqual(store.getBatch(a.id)!.logTail, ['ended: exit 0'], 'what onEnter stamps is persisted with the state');
    assert.equal(events.length, 2);

    assert.throws(() => reg.transition(a, 'running', 'again'), domainError('ILLEGAL_STATE', /^Batch \d+ cannot go from 'success' to 'running'$/));
    assert.equal(a.record.state, 'success', 'a refused move is not applied');
    assert.equal(store.getBatch(a.id)!.state, 'success');
    assert.equal(events.length, 2, 'nor announced');
  });

  test('the retention sweep forgets finished things older than the period, and nothing else', () => {
    const { reg, clock, add } = setup();
    const old = add('old');
    const running = add();
    reg.transition(old, 'dead', 'failed');
    reg.transition(running, 'running', 'started');
    clock.advance(10_000);
    const fresh = add();
    reg.transition(fresh, 'killed', 'stopped');
    assert.deepEqual(reg.sweep(10_000), [], 'exactly the period is not past it');
    clock.advance(1);
    assert.deepEqual(reg.sweep(10_000).map((t) => t.id), [old.id]);
    assert.deepEqual(reg.list().map((t) => t.id), [running.id, fresh.id]);
    clock.advance(60_000);
    assert.deepEqual(reg.sweep(10_000).map((t) => t.id), [fresh.id], 'an active thing stays however old');
    assert.deepEqual(reg.list().map((t) => t.id), [running.id]);
  });

  test('recover revives every stored thing not forgotten; ids go on', () => {
    const first = setup();
    const a = first.add('alpha');
    const b = first.add();
    first.reg.transition(b, 'dead', 'x');
    first.reg.forget(b);
    const second = setup(first.store);
    const revived = second.reg.recover();
    assert.deepEqual(revived.map((t) => t.id), [a.id]);
    assert.equal(second.reg.resolve('alpha').record.state, 'starting');
    assert.equal(second.reg.nextId(), b.id + 1);
  });
});
