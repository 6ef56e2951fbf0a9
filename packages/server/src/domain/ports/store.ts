/**
 * The state store port: what the domain needs persisted. Adapters live in store/: SQLite by
 * default (sqlite-store.ts), memory-store.ts for tests; both pass the same conformance suite
 * (test/unit/store.test.ts, store-batches.test.ts).
 */
import type { BatchRecord, SessionRecord, StatementRecord } from '../records.ts';

export interface Store {
  /** Ids are never reused, even after a restart or a rejected create. */
  nextSessionId(): number;
  insertSession(s: SessionRecord): void;
  updateSession(s: SessionRecord): void;
  getSession(id: number): SessionRecord | undefined;
  /** All sessions not deleted, ascending id. */
  listSessions(): SessionRecord[];
  insertStatement(s: StatementRecord): void;
  updateStatement(s: StatementRecord): void;
  getStatement(sessionId: number, id: number): StatementRecord | undefined;
  listStatements(sessionId: number): StatementRecord[];
  countStatements(sessionId: number): number;
  /** Batch ids are a counter of their own, with the same never-reused rule. */
  nextBatchId(): number;
  insertBatch(b: BatchRecord): void;
  updateBatch(b: BatchRecord): void;
  getBatch(id: number): BatchRecord | undefined;
  /** All batches not deleted, ascending id. */
  listBatches(): BatchRecord[];
  close(): void;
}
