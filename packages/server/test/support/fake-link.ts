/**
 * In-memory stand-ins for the driver ports, for unit tests that drive the domain step by step:
 * a process that exits when the test says (or on the signals it is told to heed), a channel
 * whose tokens the test redeems, and a link whose requests the test answers.
 */
import type { ReadyMsg } from '@sparkport/protocol';
import {
  DriverCallError, type DriverCall, type DriverChannel, type DriverLink, type DriverLinkEvents, type DriverRequestBody,
  type LaunchWelcome, type RequestEvent, type RequestOptions,
} from '../../src/domain/ports/driver-link.ts';
import type { DriverProcess, SessionLaunch, SessionLauncher } from '../../src/domain/ports/launcher.ts';

export class ScriptedProcess implements DriverProcess {
  readonly pid = 4242;
  exited = false;
  signals: string[] = [];
  /** Signals that end it; anything else is ignored, like a driver stuck in native code. */
  heeds = new Set<string>(['SIGTERM', 'SIGKILL']);
  private exitCbs: ((code: number | null, signal: string | null) => void)[] = [];
  private outCbs: ((stream: 'stdout' | 'stderr', line: string) => void)[] = [];
  private how: [number | null, string | null] = [null, null];

  onOutput(cb: (stream: 'stdout' | 'stderr', line: string) => void): void { this.outCbs.push(cb); }
  onExit(cb: (code: number | null, signal: string | null) => void): void {
    if (this.exited) cb(...this.how);
    else this.exitCbs.push(cb);
  }
  kill(signal: NodeJS.Signals): void {
    if (this.exited) return;
    this.signals.push(signal);
    if (this.heeds.has(signal)) this.exit(null, signal);
  }
  print(line: string, stream: 'stdout' | 'stderr' = 'stderr'): void { this.outCbs.forEach((cb) => cb(stream, line)); }
  exit(code: number | null, signal: string | null = null): void {
    if (this.exited) return;
    this.exited = true;
    this.how = [code, signal];
    this.exitCbs.forEach((cb) => cb(code, signal));
  }
}

export class ScriptedLauncher implements SessionLauncher {
  launched: SessionLaunch[] = [];
  procs: ScriptedProcess[] = [];
  /** When set, launch throws this (a missing python, say). */
  failWith?: string;
  launch(spec: SessionLaunch): DriverProcess {
    this.launched.push(spec);
    if (this.failWith) throw new Error(this.failWith);
    const p = new ScriptedProcess();
    this.procs.push(p);
    return p;
  }
}

export class ScriptedChannel implements DriverChannel {
  expected: { sessionId: number; token: string; revoked: boolean; onConnect: (link: DriverLink) => void; welcome?: LaunchWelcome }[] = [];
  expect(sessionId: number, onConnect: (link: DriverLink) => void, welcome?: LaunchWelcome) {
    const e = { sessionId, token: `token-${this.expected.length}`, revoked: false, onConnect, welcome };
    this.expected.push(e);
    return { token: e.token, revoke: () => { e.revoked = true; } };
  }
  returning = new Map<number, { link: DriverLink | undefined; onReturn: (link: DriverLink) => void }>();
  expectReturn(sessionId: number, link: DriverLink | undefined, onReturn: (link: DriverLink) => void) {
    const e = { link, onReturn };
    this.returning.set(sessionId, e);
    return { revoke: () => { if (this.returning.get(sessionId) === e) this.returning.delete(sessionId); } };
  }
  /** The session's driver comes back, on its old link or a new one; false if nobody waits for it. */
  comeBack(sessionId: number, link?: DriverLink): boolean {
    const e = this.returning.get(sessionId);
    if (!e) return false;
    e.onReturn(link ?? e.link!);
    return true;
  }
  /** The driver holding the latest token says hello; false if that token is void. */
  connect(link: DriverLink, i = this.expected.length - 1): boolean {
    const e = this.expected[i];
    if (!e || e.revoked) return false;
    e.revoked = true;
    e.onConnect(link);
    return true;
  }
}

export interface ScriptedRequest {
  id: number;
  msg: DriverRequestBody;
  opts: RequestOptions;
  done: boolean;
  reply(result?: Record<string, unknown>): void;
  fail(code: string, message?: string): void;
  event(ev: RequestEvent extends infer E ? (E extends unknown ? Omit<E, 're' | 'seq'> : never) : never): void;
}

export class ScriptedLink implements DriverLink {
  isOpen = true;
  requests: ScriptedRequest[] = [];
  private handlers: { [E in keyof DriverLinkEvents]?: ((...args: DriverLinkEvents[E]) => void)[] } = {};
  private nextId = 1;
  private seq = 0;

  request<T = Record<string, unknown>>(msg: DriverRequestBody, opts: RequestOptions = {}): DriverCall<T> {
    const id = this.nextId++;
    let settle!: { resolve: (r: T) => void; reject: (e: Error) => void };
    const p = new Promise<T>((resolve, reject) => { settle = { resolve, reject }; });
    const r: ScriptedRequest = {
      id, msg, opts, done: false,
      reply: (result = {}) => { if (!r.done) { r.done = true; settle.resolve(result as T); } },
      fail: (code, message = code) => { if (!r.done) { r.done = true; settle.reject(new DriverCallError(code, message)); } },
      event: (ev) => { if (!r.done) opts.onEvent?.({ ...ev, re: id, seq: ++this.seq } as RequestEvent); },
    };
    if (this.isOpen) this.requests.push(r);
    else r.fail('DRIVER_LOST', 'driver connection is closed');
    return Object.assign(p, { id });
  }

  on<E extends keyof DriverLinkEvents>(event: E, listener: (...args: DriverLinkEvents[E]) => void): this {
    ((this.handlers[event] ??= []) as typeof listener[]).push(listener);
    return this;
  }

  emit<E extends keyof DriverLinkEvents>(event: E, ...args: DriverLinkEvents[E]): void {
    for (const h of this.handlers[event] ?? []) (h as (...a: DriverLinkEvents[E]) => void)(...args);
  }

  ready(app: Partial<ReadyMsg> = {}): void {
    this.emit('ready', { type: 'ready', app_id: 'local-1', spark_ui_url: 'http://127.0.0.1:4040', ...app });
  }

  /** The requests of one type not answered yet. */
  open(type?: string): ScriptedRequest[] { return this.requests.filter((r) => !r.done && (!type || r.msg.type === type)); }

  /** The socket drops, the driver may come back: pending requests wait. */
  drop(): void {
    this.isOpen = false;
    this.emit('disconnect');
  }

  /** The driver is back on this link: its replay, then where it stands. */
  resume(running: { statement_id: number; request_id: number } | null = null, app: Partial<ReadyMsg> | null = {}): void {
    this.isOpen = true;
    this.emit('resumed', { type: 'resumed', app: app && { app_id: 'local-1', spark_ui_url: 'http://127.0.0.1:4040', ...app }, running });
  }

  private closed = false;
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.isOpen = false;
    for (const r of this.requests) r.fail('DRIVER_LOST', 'the driver connection dropped');
    this.emit('close');
  }
}

/** Lets promise continuations and I/O callbacks run. */
export const settle = () => new Promise<void>((r) => setImmediate(r));
