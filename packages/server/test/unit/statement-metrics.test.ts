/** Each statement is counted once, by kind and outcome, as its end is written (domain/statement-metrics.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StatementOutcome } from '../../src/domain/ports/metrics.ts';
import { noMetrics } from '../../src/domain/ports/metrics.ts';
import type { StatementRecord } from '../../src/domain/records.ts';
import { meteredStatementWrites } from '../../src/domain/statement-metrics.ts';

test('ends are counted once each, with their outcome and time; other writes pass through uncounted', () => {
  const seen: [string, StatementOutcome, number | null][] = [];
  const writes: string[] = [];
  const w = meteredStatementWrites(
    { insertStatement: (s) => writes.push(`insert ${s.id}`), updateStatement: (s) => writes.push(`update ${s.id} ${s.state}`) },
    { ...noMetrics, statementFinished: (kind, outcome, seconds) => seen.push([kind, outcome, seconds]) },
  );
  const s: StatementRecord = { sessionId: 0, id: 0, code: 'x', kind: 'sql', state: 'waiting', output: null, progress: 0, started: 0, completed: 0 };
  w.insertStatement(s);
  w.updateStatement(Object.assign(s, { state: 'running', started: 1000 }));
  w.updateStatement(Object.assign(s, { state: 'available', completed: 3500, output: { status: 'ok', execution_count: 0, data: {} } }));
  w.updateStatement(s);
  const e: StatementRecord = { ...s, id: 1, kind: 'pyspark', state: 'available', output: { status: 'error', execution_count: 1, ename: 'E', evalue: '', traceback: [] } };
  w.updateStatement(e);
  w.updateStatement({ ...s, id: 2, state: 'cancelled', started: 0, completed: 9 });
  assert.deepEqual(seen, [['sql', 'ok', 2.5], ['pyspark', 'error', 2.5], ['sql', 'cancelled', null]]);
  assert.equal(writes.length, 6, 'every write reached the store');
});
