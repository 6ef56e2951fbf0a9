/**
 * Counts each statement once, as it reaches a finished state, from the writes the dispatcher
 * makes anyway: every state change of a statement is written to the store, so wrapping those
 * writes sees every end without the dispatcher knowing about metrics.
 */
import { statementMachine } from '@sparkport/protocol';
import type { DomainMetrics, StatementOutcome } from './ports/metrics.ts';
import type { StatementRecord } from './records.ts';
import type { StatementWrites } from './statement-dispatcher.ts';

function outcomeOf(s: StatementRecord): StatementOutcome {
  if (s.state === 'cancelled') return 'cancelled';
  return s.output?.status === 'ok' ? 'ok' : 'error';
}

export function meteredStatementWrites(writes: StatementWrites, metrics: DomainMetrics): StatementWrites {
  // The same record object travels through every write of one statement: a repeated write of a finished one counts once.
  const counted = new WeakSet<StatementRecord>();
  return {
    insertStatement: (s) => writes.insertStatement(s),
    updateStatement: (s) => {
      writes.updateStatement(s);
      if (!statementMachine.is(s.state, 'finished') || counted.has(s)) return;
      counted.add(s);
      const ran = s.started > 0 && s.completed >= s.started;
      metrics.statementFinished(s.kind, outcomeOf(s), ran ? (s.completed - s.started) / 1000 : null);
    },
  };
}
