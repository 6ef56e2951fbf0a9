/**
 * `SparkportClient`: the functions bound to one server, plus the waits a caller wants
 * (a session until it is ready, a statement until it is done) done with long polls, not loops
 * of sleeps.
 */
import type { CreateSessionRequest, Session, Statement } from '@sparkport/protocol';
import { SparkportError } from './errors.ts';
import { makeSettings, type ClientSettings } from './http.ts';
import * as api from './sessions.ts';

const FINISHED = ['available', 'cancelled'];
const SESSION_DONE = ['dead', 'killed', 'error', 'success'];

export class SparkportClient {
  readonly settings: Required<ClientSettings>;
  constructor(settings: Partial<ClientSettings> | string = {}) { this.settings = makeSettings(settings); }

  version() { return api.getVersion(this.settings); }
  listSessions(from?: number, size?: number) { return api.listSessions(this.settings, from, size); }
  createSession(body: CreateSessionRequest = {}) { return api.createSession(this.settings, body); }
  getSession(id: api.SessionRef) { return api.getSession(this.settings, id); }
  sessionLog(id: api.SessionRef, from?: number, size?: number) { return api.getSessionLog(this.settings, id, from, size); }
  deleteSession(id: api.SessionRef) { return api.deleteSession(this.settings, id); }
  listStatements(id: api.SessionRef, opts?: { from?: number; size?: number; order?: 'asc' | 'desc' }) {
    return api.listStatements(this.settings, id, opts);
  }
  submit(id: api.SessionRef, code: string, kind?: string) { return api.submitStatement(this.settings, id, code, kind); }
  getStatement(id: api.SessionRef, sid: number) { return api.getStatement(this.settings, id, sid); }
  cancel(id: api.SessionRef, sid: number) { return api.cancelStatement(this.settings, id, sid); }
  complete(id: api.SessionRef, code: string, kind?: string, cursor?: number) { return api.complete(this.settings, id, code, kind, cursor); }
  statementEvents(id: api.SessionRef, sid: number, signal?: AbortSignal) { return api.statementEvents(this.settings, id, sid, signal); }
  sessionEvents(id: api.SessionRef, signal?: AbortSignal) { return api.sessionEvents(this.settings, id, signal); }

  /** Waits until the session is idle (ready); throws if it ends instead. */
  async waitForSession(id: api.SessionRef, timeoutMs = 300_000, onState?: (s: Session) => void): Promise<Session> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const s = await this.getSession(id);
      onState?.(s);
      if (s.state === 'idle' || s.state === 'busy') return s;
      if (SESSION_DONE.includes(s.state)) {
        throw new SparkportError(409, 'SESSION_NOT_ACTIVE', `Session ${s.id} is ${s.state}: ${s.log.slice(-3).join(' ')}`);
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
      if (FINISHED.includes(st.state)) return st;
      onProgress?.(st);
      if (Date.now() > end) return st;
    }
  }

  /** Submits and waits: one request for short statements, long polls after. */
  async run(id: api.SessionRef, code: string, kind?: string, timeoutMs = 3_600_000): Promise<Statement> {
    const st = await api.submitStatement(this.settings, id, code, kind, Math.min(30, timeoutMs / 1000));
    return FINISHED.includes(st.state) ? st : this.waitForStatement(id, st.id, timeoutMs);
  }
}
