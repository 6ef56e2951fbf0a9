/**
 * The state store port. SQLite by default (sqlite-store.ts); memory-store.ts for unit tests.
 * Both pass the same conformance suite (test/store.test.ts).
 */
import type { SessionRecord, StatementRecord } from '../domain/records.ts';

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
  close(): void;
}
