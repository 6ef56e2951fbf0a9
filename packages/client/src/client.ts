/**
 * `SparkportClient`: the functions bound to one server, plus the waits a caller wants
 * (a session until it is ready, a statement until it is done) done with long polls, not loops
 * of sleeps.
 */
import {
  ERROR_CODES, batchMachine, sessionMachine, statementMachine,
  type Batch, type CreateBatchRequest, type CreateSessionRequest, type Session, type Statement, type StatementEvent,
} from '@sparkport/protocol';
import * as batches from './batches.ts';
import { SparkportError } from './errors.ts';
import { addedLines } from './log-lines.ts';
import { makeSettings, type ClientSettings } from './http.ts';
import * as api from './sessions.ts';
import { SharedRdd } from './shared.ts';

/** A batch that has ended: success, dead or killed. */
export const batchEnded = (state: Batch['state']) => batchMachine.is(state, 'finished');
const sleep = (ms: number, signal?: AbortSignal) => new Promise<void>((resolve) => {
  const done = () => { clearTimeout(t); signal?.removeEventListener('abort', done); resolve(); };
  const t = setTimeout(done, ms);
  signal?.addEventListener('abort', done, { once: true });
});

export class SparkportClient {
  readonly settings: Required<ClientSettings>;
  constructor(settings: Partial<ClientSettings> | string = {}) { this.settings = makeSettings(settings); }

  version() { return api.getVersion(this.settings); }
  listSessions(from?: number, size?: number) { return api.listSessions(this.settings, from, size); }
  /** The session list when it differs from the page of `etag`, waiting up to `waitSeconds` for a change (page null if none). */
  watchSessions(opts: Parameters<typeof api.watchSessions>[1] = {}) { return api.watchSessions(this.settings, opts); }
  createSession(body: CreateSessionRequest = {}) { return api.createSession(this.settings, body); }
  getSession(id: api.SessionRef) { return api.getSession(this.settings, id); }
  sessionLog(id: api.SessionRef, from?: number, size?: number) { return api.getSessionLog(this.settings, id, from, size); }
  deleteSession(id: api.SessionRef) { return api.deleteSession(this.settings, id); }
  /** Stops the session and keeps it listed, statements and all (delete forgets it). */
  stopSession(id: api.SessionRef) { return api.stopSession(this.settings, id); }
  /** `{url, token}` of the session's Spark Connect endpoint (the server's connect.enabled); use `url` as it is. */
  sparkConnect(id: api.SessionRef) { return api.getSparkConnect(this.settings, id); }
  listStatements(id: api.SessionRef, opts?: { from?: number; size?: number; order?: 'asc' | 'desc' }) {
    return api.listStatements(this.settings, id, opts);
  }
  submit(id: api.SessionRef, code: string, kind?: string) { return api.submitStatement(this.settings, id, code, kind); }
  getStatement(id: api.SessionRef, sid: number) { return api.getStatement(this.settings, id, sid); }
  cancel(id: api.SessionRef, sid: number) { return api.cancelStatement(this.settings, id, sid); }
  complete(id: api.SessionRef, code: string, kind?: string, cursor?: number) { return api.complete(this.settings, id, code, kind, cursor); }
  /** The statement's live stream: `statement`, then `output` / `progress` / `state` as they happen, `done` last. */
  statementEvents(id: api.SessionRef, sid: number, signal?: AbortSignal) {
    return api.statementEvents(this.settings, id, sid, signal) as AsyncGenerator<StatementEvent>;
  }
  sessionEvents(id: api.SessionRef, signal?: AbortSignal) { return api.sessionEvents(this.settings, id, signal); }

  /** A named shared map of a session, with the client's settings (headers, fetch). */
  shared(id: api.SessionRef, name: string): SharedRdd {
    return new SharedRdd(`${this.settings.baseUrl}/sessions/${encodeURIComponent(String(id))}`, name, {
      headers: this.settings.headers,
      fetch: this.settings.fetch,
    });
  }

  listBatches(from?: number, size?: number) { return batches.listBatches(this.settings, from, size); }
  /** The batch list when it differs from the page of `etag` (see watchSessions). */
  watchBatches(opts: Parameters<typeof batches.watchBatches>[1] = {}) { return batches.watchBatches(this.settings, opts); }
  createBatch(body: CreateBatchRequest) { return batches.createBatch(this.settings, body); }
  getBatch(id: batches.BatchRef) { return batches.getBatch(this.settings, id); }
  batchState(id: batches.BatchRef) { return batches.getBatchState(this.settings, id); }
  batchLog(id: batches.BatchRef, from?: number, size?: number) { return batches.getBatchLog(this.settings, id, from, size); }
  deleteBatch(id: batches.BatchRef) { return batches.deleteBatch(this.settings, id); }
  stopBatch(id: batches.BatchRef) { return batches.stopBatch(this.settings, id); }

  /** Waits until the batch has ended (success, dead or killed) and returns it. */
  async waitForBatch(id: batches.BatchRef, timeoutMs = 3_600_000, intervalMs = 500): Promise<Batch> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const b = await this.getBatch(id);
      if (batchEnded(b.state)) return b;
      if (Date.now() > end) throw new SparkportError(504, 'TIMEOUT', `Batch ${b.id} still ${b.state} after ${timeoutMs} ms`);
      await sleep(intervalMs);
    }
  }

  /**
   * The batch's log lines as they are written, until it ends (`tail -f`). The log is laid out as
   * Livy's ("stdout: ", lines, "\nstderr: ", lines), so new lines land in the middle: each poll
   * reads the whole kept log and yields what each section gained.
   */
  async *followBatchLog(id: batches.BatchRef, opts: { intervalMs?: number; signal?: AbortSignal } = {}): AsyncGenerator<string> {
    const seen: [string[], string[]] = [[], []];
    for (;;) {
      const done = batchEnded((await this.batchState(id)).state as Batch['state']);
      const sections = splitLivyLog((await this.batchLog(id, 0, -1)).log);
      for (const i of [0, 1] as const) {
        // By overlap, not by count: once the server keeps its limit of lines, the count stays put while the window slides.
        for (const line of addedLines(seen[i], sections[i]).added) yield line;
        seen[i] = sections[i];
      }
      if (done || opts.signal?.aborted) return;
      await sleep(opts.intervalMs ?? 500, opts.signal);
    }
  }

  /** Waits until the session is idle (ready); throws if it ends instead. */
  async waitForSession(id: api.SessionRef, timeoutMs = 300_000, onState?: (s: Session) => void): Promise<Session> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const s = await this.getSession(id);
      onState?.(s);
      if (sessionMachine.is(s.state, 'ready')) return s;
      // Not live: failing, stopping or ended; it will never become ready.
      if (!sessionMachine.is(s.state, 'live')) {
        throw new SparkportError(ERROR_CODES.SESSION_NOT_ACTIVE, 'SESSION_NOT_ACTIVE', `Session ${s.id} is ${s.state}: ${s.log.slice(-3).join(' ')}`);
      }
      if (Date.now() > end) throw new SparkportError(504, 'TIMEOUT', `Session ${s.id} still ${s.state} after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Long-polls (?wait) until the statement is finished. */
  async waitForStatement(id: api.SessionRef, sid: number, timeoutMs = 3_600_000, onProgress?: (s: Statement) => void): Promise<Statement> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const st = await api.getStatement(this.settings, id, sid, Math.max(0.001, Math.min(30, (end - Date.now()) / 1000)));
      if (statementMachine.is(st.state, 'finished')) return st;
      onProgress?.(st);
      if (Date.now() > end) return st;
    }
  }

  /** Submits and waits: one request for short statements, long polls after. */
  async run(id: api.SessionRef, code: string, kind?: string, timeoutMs = 3_600_000): Promise<Statement> {
    const st = await api.submitStatement(this.settings, id, code, kind, Math.min(30, timeoutMs / 1000));
    return statementMachine.is(st.state, 'finished') ? st : this.waitForStatement(id, st.id, timeoutMs);
  }
}

/** Livy's log layout → [stdout lines, stderr lines], without the two marker lines. */
export function splitLivyLog(log: string[]): [string[], string[]] {
  const start = log[0] === 'stdout: ' ? 1 : 0;
  const mark = log.indexOf('\nstderr: ');
  return mark < 0 ? [log.slice(start), []] : [log.slice(start, mark), log.slice(mark + 1)];
}
