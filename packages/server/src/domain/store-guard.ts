/**
 * The store as the domain uses it, for when the disk fails (StoreUnavailable): what a request
 * creates or forgets must be stored before it is answered, so those calls still throw (a 503
 * the client retries). Updates are the other kind: state changes the server makes on its own,
 * mostly in the background (a statement finishing on the driver, a driver lost, a batch
 * exiting). Their truth is the record in memory, so a failed update must not throw into an
 * event handler and take the server down: the latest version of each record is kept here and
 * written when the disk is back (on the next store call a second later, or the upkeep pass).
 * Reads see those kept versions over the stored ones, so nobody reads a stale state meanwhile.
 * A restart before they are written loses them, as a crash would.
 */
import type { Store } from './ports/store.ts';
import type { BatchRecord, SessionRecord, StatementRecord } from './records.ts';
import { isStoreUnavailable, type StoreUnavailable } from './errors.ts';

type Kept =
  | { kind: 'session'; rec: SessionRecord }
  | { kind: 'statement'; rec: StatementRecord }
  | { kind: 'batch'; rec: BatchRecord };

const RETRY_EVERY_MS = 1000;
const sessionKey = (id: number) => `s${id}`;
const statementKey = (sessionId: number, id: number) => `t${sessionId}.${id}`;
const batchKey = (id: number) => `b${id}`;

export class StoreGuard implements Store {
  private readonly kept = new Map<string, Kept>();
  private fault?: StoreUnavailable;
  private retryAt = 0;

  constructor(private readonly inner: Store, private readonly log: (msg: string) => void, private readonly now = Date.now) {}

  /** Writes what was kept; true when nothing is left. The upkeep pass calls it, and so does every store call once due. */
  flush(): boolean {
    if (!this.kept.size) return true;
    let written = 0;
    for (const [key, k] of this.kept) {
      try {
        this.apply(k);
      } catch (e) {
        if (!isStoreUnavailable(e)) throw e;
        this.failed(e);
        return false;
      }
      this.kept.delete(key);
      written++;
    }
    this.log(`the store takes writes again: ${written} change(s) kept in memory are stored`);
    this.fault = undefined;
    return true;
  }

  private flushIfDue(): void {
    if (this.kept.size && this.now() >= this.retryAt) this.flush();
  }

  private failed(e: StoreUnavailable): void {
    this.fault = e;
    this.retryAt = this.now() + RETRY_EVERY_MS;
  }

  /**
   * For a second after a fault, writes are not tried: a disk that just failed is asked again by
   * the next retry, not by every call (a lock held elsewhere would cost busy_timeout each).
   */
  private get failing(): boolean { return this.fault !== undefined && this.now() < this.retryAt; }

  private apply(k: Kept): void {
    if (k.kind === 'session') this.inner.updateSession(k.rec);
    else if (k.kind === 'statement') this.inner.updateStatement(k.rec);
    else this.inner.updateBatch(k.rec);
  }

  /** An update: stored now if the disk lets us, else kept (a copy: callers go on changing theirs). */
  private update(key: string, k: Kept): void {
    this.flushIfDue();
    try {
      if (this.failing) throw this.fault!;
      this.apply(k);
      this.kept.delete(key);
      this.fault = undefined;
    } catch (e) {
      if (!isStoreUnavailable(e)) throw e;
      if (!this.kept.size) this.log(`the store is unavailable (${e.why}): keeping changes in memory and retrying`);
      if (e !== this.fault) this.failed(e);
      this.kept.set(key, { ...k, rec: structuredClone(k.rec) } as Kept);
    }
  }

  /** Calls that must be stored before they are answered: a failure is the caller's (a 503). */
  private mustStore<T>(fn: () => T): T {
    this.flushIfDue();
    if (this.failing) throw this.fault!;
    try {
      const out = fn();
      if (!this.kept.size) this.fault = undefined;
      return out;
    } catch (e) {
      if (isStoreUnavailable(e)) this.failed(e);
      throw e;
    }
  }

  private keptRec<R>(key: string): R | undefined {
    const k = this.kept.get(key);
    return k && (structuredClone(k.rec) as R);
  }

  private overlay<R extends { id: number; deleted?: boolean }>(stored: R[], kind: Kept['kind'], match: (r: R) => boolean): R[] {
    if (!this.kept.size) return stored;
    const byId = new Map(stored.map((r) => [r.id, r]));
    for (const k of this.kept.values()) {
      const r = k.rec as unknown as R;
      if (k.kind === kind && match(r)) byId.set(r.id, structuredClone(r));
    }
    return [...byId.values()].filter((r) => !r.deleted).sort((a, b) => a.id - b.id);
  }

  nextSessionId(): number { return this.mustStore(() => this.inner.nextSessionId()); }
  insertSession(s: SessionRecord): void { this.mustStore(() => this.inner.insertSession(s)); }
  updateSession(s: SessionRecord): void { this.update(sessionKey(s.id), { kind: 'session', rec: s }); }
  getSession(id: number): SessionRecord | undefined { return this.keptRec(sessionKey(id)) ?? this.inner.getSession(id); }
  listSessions(): SessionRecord[] { return this.overlay(this.inner.listSessions(), 'session', () => true); }
  purgeSession(id: number): void {
    this.mustStore(() => this.inner.purgeSession(id));
    for (const [key, k] of this.kept) {
      if ((k.kind === 'session' && k.rec.id === id) || (k.kind === 'statement' && k.rec.sessionId === id)) this.kept.delete(key);
    }
  }
  insertStatement(s: StatementRecord): void { this.mustStore(() => this.inner.insertStatement(s)); }
  updateStatement(s: StatementRecord): void { this.update(statementKey(s.sessionId, s.id), { kind: 'statement', rec: s }); }
  getStatement(sessionId: number, id: number): StatementRecord | undefined {
    return this.keptRec(statementKey(sessionId, id)) ?? this.inner.getStatement(sessionId, id);
  }
  listStatements(sessionId: number): StatementRecord[] {
    return this.overlay(this.inner.listStatements(sessionId), 'statement', (s) => s.sessionId === sessionId);
  }
  countStatements(sessionId: number): number { return this.inner.countStatements(sessionId); }
  statementSizes(sessionId: number): { id: number; bytes: number }[] {
    const sizes = this.inner.statementSizes(sessionId);
    if (!this.kept.size) return sizes;
    return sizes.map((x) => {
      const k = this.kept.get(statementKey(sessionId, x.id));
      return k ? { id: x.id, bytes: Buffer.byteLength(JSON.stringify(k.rec)) } : x;
    });
  }
  nextBatchId(): number { return this.mustStore(() => this.inner.nextBatchId()); }
  insertBatch(b: BatchRecord): void { this.mustStore(() => this.inner.insertBatch(b)); }
  updateBatch(b: BatchRecord): void { this.update(batchKey(b.id), { kind: 'batch', rec: b }); }
  getBatch(id: number): BatchRecord | undefined { return this.keptRec(batchKey(id)) ?? this.inner.getBatch(id); }
  listBatches(): BatchRecord[] { return this.overlay(this.inner.listBatches(), 'batch', () => true); }
  purgeBatch(id: number): void {
    this.mustStore(() => this.inner.purgeBatch(id));
    this.kept.delete(batchKey(id));
  }

  /** Not writable while changes wait to be stored, whatever a probe says; a probe is always tried. */
  checkWritable(): void {
    try {
      if (!this.flush()) throw this.fault!;
      this.inner.checkWritable();
      this.fault = undefined;
    } catch (e) {
      throw isStoreUnavailable(e) ? new Error(e.why) : e;
    }
  }

  close(): void {
    if (!this.flush()) this.log(`the store is closing with ${this.kept.size} change(s) it could not store (${this.fault?.why}): they are lost`);
    this.inner.close();
  }
}
