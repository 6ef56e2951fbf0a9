/**
 * One session's statements on their way through the driver: a FIFO queue, one `execute` at a
 * time, cancel, completion of each, and failing whatever is still open when the driver is lost.
 *
 * Open statements (waiting, running, cancelling) live here as record objects and travel as
 * values: every change is written to the store, but nothing is read back from it. Finished
 * statements are the store's to serve. Output and progress reach the statement through its own
 * request's event handler, so a completion or shared-data call in flight beside it can't take
 * them.
 */
import {
  checkExecuteResult, statementMachine, type ExecuteResult, type ProgressMsg, type ReplyMsg, type ResumedMsg, type StatementOutput, type StatementState,
  type StreamMsg,
} from '@sparkport/protocol';
import type { Clock } from '../clock.ts';
import type { EventBus } from './event-bus.ts';
import { isDriverLost, type DriverLink, type RequestEvent } from './ports/driver-link.ts';
import type { StatementRecord } from './records.ts';
import { checkTransition } from './state-machine.ts';

/** The statement writes of the store port; this module never reads. */
export interface StatementWrites {
  insertStatement(s: StatementRecord): void;
  updateStatement(s: StatementRecord): void;
}

/** What the session hears from its statements, to move between idle and busy. */
export interface DispatchHooks {
  /** A statement was handed to the driver. */
  busy(s: StatementRecord): void;
  /** Nothing left to run. */
  idle(): void;
  /** A statement finished on the driver: activity, for the idle timeout. */
  settled(): void;
}

export interface StatementDispatcherDeps {
  sessionId: number;
  store: StatementWrites;
  clock: Clock;
  bus: EventBus;
  hooks: DispatchHooks;
  /** Ids continue from the statements the session already has. */
  nextId: number;
}

export type StreamedLine = { stream: 'stdout' | 'stderr'; text: string };

interface Running {
  stmt: StatementRecord;
  /** Where it was sent; none yet for a restarted server's statement whose driver is replaying. */
  link: DriverLink | undefined;
  requestId: number;
  /** Lines printed so far, replayed to SSE clients that connect late (bounded). */
  streamed: StreamedLine[];
  streamedBytes: number;
  progress: number;
}

const MAX_STREAM_REPLAY_BYTES = 256 * 1024;
const CANCEL_TIMEOUT_MS = 10_000;

/**
 * An execute reply's output, checked: the driver runs users' code, and what it sends is stored and
 * served to every client of the session, whose serialiser would refuse a malformed one (a 500).
 */
function outputOf(statementId: number, result: unknown): StatementOutput {
  const check = checkExecuteResult(result);
  if (check.ok) return (result as ExecuteResult).output;
  return errorOutput(statementId, 'Internal Error: DriverCallError', `the driver's reply was malformed (${check.errors.join('; ')})`);
}

export function errorOutput(executionCount: number, ename: string, evalue: string): StatementOutput {
  return { status: 'error', execution_count: executionCount, ename, evalue, traceback: [] };
}

export class StatementDispatcher {
  /** Waiting, running and cancelling statements, by id (in id order). */
  private readonly open = new Map<number, StatementRecord>();
  private queue: StatementRecord[] = [];
  private current?: Running;
  private link?: DriverLink;
  private nextId: number;

  constructor(private readonly d: StatementDispatcherDeps) {
    this.nextId = d.nextId;
  }

  /** Starts running statements on this driver (once the session is ready). */
  attach(link: DriverLink): void {
    this.link = link;
    this.pump();
  }

  /**
   * The driver is back after a dropped connection or a server restart, its replay handled. The
   * statement it still runs is awaited again (a cancel of it targets the request id it gives);
   * any other statement that was on its way to it is lost, and fails saying so. Then the queue
   * moves on.
   */
  resume(link: DriverLink, running: ResumedMsg['running']): void {
    if (this.current && this.current.stmt.id !== running?.statement_id) this.abandon(this.current);
    for (const s of [...this.open.values()]) {
      if (s.state === 'waiting' || s.id === running?.statement_id || this.current?.stmt === s) continue;
      this.finish(s, s.state === 'cancelling' ? 'cancelled' : 'available',
        errorOutput(s.id, 'SessionError', 'The driver lost this statement while it was disconnected from the server'));
    }
    const s = running ? this.open.get(running.statement_id) : undefined;
    // A restarted server's statement: its reply comes as an orphan, matched by statement id.
    if (s && !this.current) this.current = { stmt: s, link, requestId: 0, streamed: [], streamedBytes: 0, progress: s.progress };
    const cur = this.current;
    if (cur) {
      cur.link = link;
      if (running) cur.requestId = running.request_id;
      // A cancel asked for while the driver was away goes now.
      if (cur.stmt.state === 'cancelling') void link.request({ type: 'cancel', target: cur.requestId }, { timeoutMs: CANCEL_TIMEOUT_MS }).catch(() => undefined);
      this.d.hooks.busy(cur.stmt);
    }
    this.attach(link);
  }

  /** A reply or event of an execute a restarted server never sent, matched by its statement. */
  onOrphan(msg: ReplyMsg | StreamMsg | ProgressMsg): void {
    const id = msg.statement_id;
    const s = id === undefined ? undefined : this.open.get(id);
    if (!s || s.state === 'waiting') return;
    let run = this.current;
    if (run?.stmt !== s) {
      if (run) return;
      run = this.current = { stmt: s, link: this.link, requestId: msg.re, streamed: [], streamedBytes: 0, progress: s.progress };
    }
    if (msg.type !== 'reply') return this.onEvent(run, msg);
    if (msg.ok) return this.onExecuted(run, outputOf(s.id, msg.result ?? {}));
    this.onExecuted(run, errorOutput(s.id, 'Internal Error: DriverCallError', msg.error?.message ?? 'the driver could not run the statement'));
  }

  /** A running statement the driver no longer has: it fails, and the queue moves on. */
  private abandon(run: Running): void {
    this.current = undefined;
    const s = run.stmt;
    if (statementMachine.is(s.state, 'open')) {
      this.finish(s, s.state === 'cancelling' ? 'cancelled' : 'available',
        errorOutput(s.id, 'SessionError', 'The driver lost this statement while it was disconnected from the server'));
    }
  }

  /** No new statement goes to the driver; one already running still finishes. */
  detach(): void { this.link = undefined; }

  /** How many statements the session has had (ids run from 0). */
  get count(): number { return this.nextId; }

  /** Statements waiting for the driver, for the session's queue cap (sessions.maxQueuedStatements). */
  get waiting(): number { return this.queue.length; }

  /** Stores a new statement and queues it; it runs at once if the driver is free. */
  submit(code: string, kind: string): StatementRecord {
    const s: StatementRecord = {
      sessionId: this.d.sessionId, id: this.nextId, code, kind, state: 'waiting', output: null, progress: 0, started: 0, completed: 0,
    };
    this.d.store.insertStatement(s);
    // Only once stored: a refused insert must not leave a gap, since a restart counts the rows for the next id.
    this.nextId++;
    this.open.set(s.id, s);
    this.queue.push(s);
    // Watchers of the session (the web UI) see it queued, not only once it runs.
    this.d.bus.emitSession(this.d.sessionId, { event: 'statement', data: { id: s.id, state: s.state } });
    this.pump();
    return s;
  }

  /** Statements given back by the store after a restart, still open there; the waiting ones queue again, in order. */
  adopt(stmts: StatementRecord[]): void {
    for (const s of [...stmts].sort((a, b) => a.id - b.id)) {
      if (!statementMachine.is(s.state, 'open')) continue;
      this.open.set(s.id, s);
      if (s.state === 'waiting') this.queue.push(s);
    }
  }

  /** The record of an open statement; undefined once it is finished (ask the store). */
  find(id: number): StatementRecord | undefined { return this.open.get(id); }

  progressOf(s: StatementRecord): number {
    if (statementMachine.is(s.state, 'finished')) return 1;
    return this.current?.stmt.id === s.id ? this.current.progress : s.progress;
  }

  streamedSoFar(id: number): StreamedLine[] {
    return this.current?.stmt.id === id ? [...this.current.streamed] : [];
  }

  /** A waiting statement is cancelled at once; a running one is asked to stop, and its reply settles it. */
  async cancel(id: number): Promise<void> {
    const s = this.open.get(id);
    if (!s) return;
    if (s.state === 'waiting') {
      this.queue = this.queue.filter((x) => x !== s);
      this.finish(s, 'cancelled', null);
      return;
    }
    const run = this.current;
    if (s.state !== 'running') return;
    if (run?.stmt !== s) {
      // A restarted server's running statement, its driver not back yet: the cancel goes on resume.
      if (!run) this.move(s, 'cancelling');
      return;
    }
    this.move(s, 'cancelling');
    const link = this.link ?? run.link;
    // While the driver is away the cancel goes when it is back (resume), by the statement's state.
    if (!link?.isOpen) return;
    try {
      await link.request({ type: 'cancel', target: run.requestId }, { timeoutMs: CANCEL_TIMEOUT_MS });
    } catch {
      // The driver may have finished the statement meanwhile; its reply settles the state.
    }
  }

  /** Statements that never reached the driver are cancelled (the session is stopping). */
  cancelWaiting(): void {
    for (const s of this.queue.splice(0)) this.finish(s, 'cancelled', null);
  }

  /** Every open statement will now never run or finish: each gets an error output saying why. */
  failOpen(ename: string, evalue: string, to: StatementState = 'available'): void {
    this.link = undefined;
    this.queue = [];
    this.current = undefined;
    for (const s of [...this.open.values()]) {
      this.finish(s, s.state === 'cancelling' ? 'cancelled' : to, errorOutput(s.id, ename, evalue));
    }
  }

  private pump(): void {
    const link = this.link;
    if (this.current || !link?.isOpen) return;
    const s = this.queue.shift();
    if (!s) return this.d.hooks.idle();
    s.started = this.d.clock.now();
    this.move(s, 'running');
    this.d.hooks.busy(s);
    const run: Running = { stmt: s, link, requestId: 0, streamed: [], streamedBytes: 0, progress: 0 };
    this.current = run;
    const call = link.request<ExecuteResult>(
      { type: 'execute', statement_id: s.id, kind: s.kind, code: s.code },
      { onEvent: (ev) => this.onEvent(run, ev) },
    );
    run.requestId = call.id;
    call.then(
      (r) => this.onExecuted(run, outputOf(s.id, r)),
      (e: Error) => {
        // A lost driver is the session's to handle: it fails every open statement at once.
        if (isDriverLost(e)) return;
        this.onExecuted(run, errorOutput(s.id, 'Internal Error: DriverCallError', e.message));
      },
    );
  }

  private onEvent(run: Running, ev: RequestEvent): void {
    if (this.current !== run) return;
    const id = run.stmt.id;
    if (ev.type === 'stream') {
      if (run.streamedBytes < MAX_STREAM_REPLAY_BYTES) {
        run.streamed.push({ stream: ev.name, text: ev.text });
        run.streamedBytes += ev.text.length;
      }
      this.d.bus.emitStatement(this.d.sessionId, id, { event: 'output', data: { stream: ev.name, text: ev.text } });
    } else {
      run.progress = ev.progress;
      this.d.bus.emitStatement(this.d.sessionId, id, { event: 'progress', data: { progress: ev.progress } });
    }
  }

  private onExecuted(run: Running, output: StatementOutput): void {
    if (this.current !== run) return;
    this.current = undefined;
    const s = run.stmt;
    // Cancelled only if someone asked (the driver's own `cancelled` is not enough): a statement
    // the driver cut short on its own, because its JVM died, failed, and its output says why.
    if (statementMachine.is(s.state, 'open')) this.finish(s, s.state === 'cancelling' ? 'cancelled' : 'available', output);
    this.d.hooks.settled();
    this.pump();
  }

  private finish(s: StatementRecord, to: StatementState, output: StatementOutput | null): void {
    s.output = output;
    s.progress = 1;
    s.completed = this.d.clock.now();
    this.move(s, to);
    this.open.delete(s.id);
    this.d.bus.emitStatement(this.d.sessionId, s.id, { event: 'done', data: null });
  }

  private move(s: StatementRecord, to: StatementState): void {
    checkTransition(statementMachine, `Statement ${s.id}`, s.state, to);
    s.state = to;
    this.d.store.updateStatement(s);
    this.d.bus.emitStatement(this.d.sessionId, s.id, { event: 'state', data: { state: to } });
    this.d.bus.emitSession(this.d.sessionId, { event: 'statement', data: { id: s.id, state: to } });
  }
}
