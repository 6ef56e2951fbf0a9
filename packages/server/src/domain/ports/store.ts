/**
 * The state store port: what the domain needs persisted. Adapters live in store/: SQLite by
 * default (sqlite-store.ts), memory-store.ts for tests; both pass the same conformance suite
 * (test/unit/store.test.ts, store-batches.test.ts).
 *
 * A call the disk can't serve just now (full, read-only, I/O error) throws StoreUnavailable and
 * changes nothing; the same call may succeed later, without reopening anything.
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
  /** Forgets a session for good: its row and its whole statement history, all or nothing. */
  purgeSession(id: number): void;
  insertStatement(s: StatementRecord): void;
  updateStatement(s: StatementRecord): void;
  getStatement(sessionId: number, id: number): StatementRecord | undefined;
  listStatements(sessionId: number): StatementRecord[];
  countStatements(sessionId: number): number;
  /** Each statement's id and stored size in bytes, ascending id, without reading the statements themselves. */
  statementSizes(sessionId: number): { id: number; bytes: number }[];
  /** Batch ids are a counter of their own, with the same never-reused rule. */
  nextBatchId(): number;
  insertBatch(b: BatchRecord): void;
  updateBatch(b: BatchRecord): void;
  getBatch(id: number): BatchRecord | undefined;
  /** All batches not deleted, ascending id. */
  listBatches(): BatchRecord[];
  /** Forgets a batch for good (its id is still never handed out again). */
  purgeBatch(id: number): void;
  /** Throws, saying why, unless the store is open and can take writes now (GET /ready). */
  checkWritable(): void;
  close(): void;
}
