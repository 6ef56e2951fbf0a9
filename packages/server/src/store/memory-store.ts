/**
 * The Store port in memory, for tests. Records are copied in and out, as a real store's would
 * be, so nobody mutates stored state by holding on to a reference.
 */
import type { BatchRecord, SessionRecord, StatementRecord } from '../domain/records.ts';
import type { Store } from '../domain/ports/store.ts';

const clone = <T>(x: T): T => structuredClone(x);

export class MemoryStore implements Store {
  private nextId = 0;
  private sessions = new Map<number, SessionRecord>();
  private statements = new Map<number, StatementRecord[]>();
  private nextBatch = 0;
  private batches = new Map<number, BatchRecord>();
  private closed = false;

  nextSessionId(): number { return this.nextId++; }
  insertSession(s: SessionRecord): void {
    if (this.sessions.has(s.id)) throw new Error(`session ${s.id} exists`);
    this.sessions.set(s.id, clone(s));
  }
  updateSession(s: SessionRecord): void { this.sessions.set(s.id, clone(s)); }
  getSession(id: number): SessionRecord | undefined {
    const s = this.sessions.get(id);
    return s && clone(s);
  }
  listSessions(): SessionRecord[] {
    return [...this.sessions.values()].filter((s) => !s.deleted).sort((a, b) => a.id - b.id).map(clone);
  }
  purgeSession(id: number): void {
    this.sessions.delete(id);
    this.statements.delete(id);
  }
  insertStatement(s: StatementRecord): void {
    const list = this.statements.get(s.sessionId) ?? [];
    list.push(clone(s));
    this.statements.set(s.sessionId, list);
  }
  updateStatement(s: StatementRecord): void {
    const list = this.statements.get(s.sessionId) ?? [];
    const i = list.findIndex((x) => x.id === s.id);
    if (i >= 0) list[i] = clone(s);
  }
  getStatement(sessionId: number, id: number): StatementRecord | undefined {
    const s = this.statements.get(sessionId)?.find((x) => x.id === id);
    return s && clone(s);
  }
  listStatements(sessionId: number): StatementRecord[] {
    return [...(this.statements.get(sessionId) ?? [])].sort((a, b) => a.id - b.id).map(clone);
  }
  countStatements(sessionId: number): number { return this.statements.get(sessionId)?.length ?? 0; }
  statementSizes(sessionId: number): { id: number; bytes: number }[] {
    return this.listStatements(sessionId).map((s) => ({ id: s.id, bytes: Buffer.byteLength(JSON.stringify(s)) }));
  }
  nextBatchId(): number { return this.nextBatch++; }
  insertBatch(b: BatchRecord): void {
    if (this.batches.has(b.id)) throw new Error(`batch ${b.id} exists`);
    this.batches.set(b.id, clone(b));
  }
  updateBatch(b: BatchRecord): void { if (this.batches.has(b.id)) this.batches.set(b.id, clone(b)); }
  getBatch(id: number): BatchRecord | undefined {
    const b = this.batches.get(id);
    return b && clone(b);
  }
  listBatches(): BatchRecord[] {
    return [...this.batches.values()].filter((b) => !b.deleted).sort((a, b) => a.id - b.id).map(clone);
  }
  purgeBatch(id: number): void { this.batches.delete(id); }
  checkWritable(): void {
    if (this.closed) throw new Error('the store is closed');
  }
  close(): void { this.closed = true; }
}
