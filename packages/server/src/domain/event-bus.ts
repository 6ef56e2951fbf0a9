/**
 * In-process fan-out of session, statement and batch events, for SSE streams, long polls and
 * anyone watching batches: the one event mechanism of the domain.
 */
import { EventEmitter } from 'node:events';
import type { Statement } from '@sparkport/protocol';

export type StatementBusEvent =
  | { event: 'state'; data: { state: string } }
  | { event: 'output'; data: { stream: 'stdout' | 'stderr'; text: string } }
  | { event: 'progress'; data: { progress: number } }
  | { event: 'done'; data: Statement | null };

export type SessionBusEvent =
  | { event: 'session'; data: { id: number; state: string; reason: string | null; at: number } }
  | { event: 'statement'; data: { id: number; state: string } };

/** A batch's state change, as its registry announces it. */
export interface BatchBusEvent { id: number; state: string; reason: string; at: number }

export type ListName = 'sessions' | 'batches';

export class EventBus {
  private ee = new EventEmitter();
  constructor() { this.ee.setMaxListeners(0); }

  /** Also tells the watchers of the session list: a state, a statement count or an activity time changed. */
  emitSession(sessionId: number, ev: SessionBusEvent): void {
    this.ee.emit(`s:${sessionId}`, ev);
    this.emitListChange('sessions');
  }
  onSession(sessionId: number, cb: (ev: SessionBusEvent) => void): () => void {
    this.ee.on(`s:${sessionId}`, cb);
    return () => this.ee.off(`s:${sessionId}`, cb);
  }
  emitStatement(sessionId: number, stmtId: number, ev: StatementBusEvent): void {
    this.ee.emit(`st:${sessionId}:${stmtId}`, ev);
  }
  onStatement(sessionId: number, stmtId: number, cb: (ev: StatementBusEvent) => void): () => void {
    this.ee.on(`st:${sessionId}:${stmtId}`, cb);
    return () => this.ee.off(`st:${sessionId}:${stmtId}`, cb);
  }
  /** Reaches the watchers of this batch and the watchers of all batches. */
  emitBatch(ev: BatchBusEvent): void {
    this.ee.emit(`b:${ev.id}`, ev);
    this.ee.emit('b:*', ev);
    this.emitListChange('batches');
  }
  /** Something in a list may have changed (for long polls of GET /sessions and GET /batches). */
  emitListChange(list: ListName): void { this.ee.emit(`list:${list}`); }
  onListChange(list: ListName, cb: () => void): () => void {
    this.ee.on(`list:${list}`, cb);
    return () => this.ee.off(`list:${list}`, cb);
  }
  /** One batch's events, or every batch's with '*'. */
  onBatch(batchId: number | '*', cb: (ev: BatchBusEvent) => void): () => void {
    this.ee.on(`b:${batchId}`, cb);
    return () => this.ee.off(`b:${batchId}`, cb);
  }
}
