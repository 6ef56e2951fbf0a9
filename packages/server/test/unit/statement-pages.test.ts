/** Pages of a statement history, bounded by count and by bytes (domain/statement-pages.ts). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { StatementRecord } from '../../src/domain/records.ts';
import { statementPage } from '../../src/domain/statement-pages.ts';

const stmt = (id: number): StatementRecord => ({ sessionId: 0, id, code: String(id), kind: 'pyspark', state: 'available', output: null, progress: 1, started: 1, completed: 2 });

/** A store of statements with these stored sizes, counting the statements it reads. */
function store(sizes: number[]) {
  const reads: number[] = [];
  return {
    reads,
    statementSizes: () => sizes.map((bytes, id) => ({ id, bytes })),
    getStatement: (_s: number, id: number) => { reads.push(id); return stmt(id); },
  };
}
const ids = (p: { statements: StatementRecord[] }) => p.statements.map((s) => s.id);

describe('statement pages', () => {
  test('within the budget: the whole window, no next', () => {
    const p = statementPage(store([10, 10, 10]), 0, { from: 0, order: 'asc' }, 100);
    assert.deepEqual([ids(p), p.total, p.next], [[0, 1, 2], 3, undefined]);
  });

  test('past the budget: cut before the statement that would go over, next continues; only those read', () => {
    const s = store([40, 40, 40, 40]);
    const p = statementPage(s, 0, { from: 0, order: 'asc' }, 100);
    assert.deepEqual([ids(p), p.next], [[0, 1], 2]);
    assert.deepEqual(s.reads, [0, 1], 'the others were not read');
    assert.deepEqual(ids(statementPage(store([40, 40, 40, 40]), 0, { from: 2, order: 'asc' }, 100)), [2, 3]);
  });

  test('one statement over the whole budget still comes, alone, so paging always moves on', () => {
    const p = statementPage(store([500, 10]), 0, { from: 0, order: 'asc' }, 100);
    assert.deepEqual([ids(p), p.next], [[0], 1]);
  });

  test('desc counts from the newest; size bounds the window before the budget does', () => {
    const p = statementPage(store([10, 10, 10, 10, 10]), 0, { from: 1, size: 2, order: 'desc' }, 1000);
    assert.deepEqual([ids(p), p.next, p.total], [[3, 2], undefined, 5]);
  });
});
