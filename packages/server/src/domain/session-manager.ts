/**
 * Sessions and their statements: create, launch, dispatch, cancel, stop. Knows nothing of HTTP.
 *
 * Every state change goes through `transition`/`transitionStatement`: check the table, stamp
 * time and reason, persist, then emit. Statements are persisted before they are sent to the
 * driver, and a session row is written before its driver is launched.
 */
import path from 'node:path';
import type {
  CreateSessionRequest, ExecuteResult, SessionState, StatementOutput, StatementState,
} from '@sparkport/protocol';
import { FINISHED_STATEMENT_STATES } from '@sparkport/protocol';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import { DriverCallError, type DriverConnection } from '../driver/connection.ts';
import type { Launcher } from '../driver/launcher.ts';
import type { DriverListener } from '../driver/listener.ts';
import { buildSubmitArgs, isLocalMaster } from '../driver/submit-args.ts';
import { withScalaSupport } from '../driver/scala-support.ts';
import type { Store } from '../store/store.ts';
import { DomainError, conflict, invalid, notFound } from './errors.ts';
import type { EventBus } from './event-bus.ts';
import type { SessionRecord, StatementRecord } from './records.ts';
import { SessionRuntime } from './session-runtime.ts';
import {
  ACCEPTS_STATEMENTS, ACTIVE_SESSION_STATES, SESSION_TRANSITIONS, STATEMENT_TRANSITIONS, checkTransition,
} from './state-machine.ts';
import { resolveCodeKind, validateSessionRequest } from './validate-session.ts';
import { checkDataPath } from './paths.ts';

export interface SessionManagerDeps {
  store: Store;
  clock: Clock;
  config: Config;
  launcher: Launcher;
  listener: DriverListener;
  bus: EventBus;
  /** host:port drivers call back to. */
  driverAddress: string;
  log?: (msg: string) => void;
}

const MAX_STREAM_REPLAY_BYTES = 256 * 1024;

export class SessionManager {
  private runtimes = new Map<number, SessionRuntime>();
  private startQueue: SessionRuntime[] = [];
  private starting = 0;

  constructor(private readonly d: SessionManagerDeps) {}

  /** Sessions that were live when the server last stopped lost their drivers with it. */
  recover(): void {
    for (const rec of this.d.store.listSessions()) {
      const rt = new SessionRuntime(rec, this.d.store.countStatements(rec.id), this.d.config.limits.logLines);
      this.runtimes.set(rec.id, rt);
      if (ACTIVE_SESSION_STATES.includes(rec.state) || rec.state === 'shutting_down' || rec.state === 'error') {
        rt.gone = true;
        rt.log.push('stderr', 'session lost: the server restarted and the driver went with it');
        this.failOpenStatements(rt, 'SessionError', 'The server restarted and this session\'s driver was lost');
        if (rec.state !== 'error' && rec.state !== 'shutting_down') this.transition(rt, 'error', 'server restarted; driver lost');
        this.transition(rt, 'dead', 'server restarted; driver lost');
      }
    }
  }

  // ---- sessions -------------------------------------------------------------------------

  create(req: CreateSessionRequest, owner: string | null = null): SessionRecord {
    const spec = validateSessionRequest(req, this.d.config.spark.blockedConf, (p) => checkDataPath(p, this.d.config.shared.allowedDirs));
    if (spec.name !== null && this.findByName(spec.name)) {
      throw conflict(`Duplicate session name '${spec.name}': choose another name or delete that session`, 'NAME_TAKEN');
    }
    const active = [...this.runtimes.values()].filter((r) => ACTIVE_SESSION_STATES.includes(r.record.state)).length;
    if (active >= this.d.config.sessions.max) {
      throw new DomainError(
        'TOO_MANY_SESSIONS',
        `Rejected, too many sessions: ${active} of ${this.d.config.sessions.max} are live. Delete one or raise sessions.max`,
        30,
      );
    }
    const now = this.d.clock.now();
    const rec: SessionRecord = {
      ...spec,
      id: this.d.store.nextSessionId(),
      owner,
      proxyUser: spec.proxyUser,
      state: 'starting',
      stateReason: 'created',
      stateChangedAt: now,
      createdAt: now,
      lastActivity: now,
      lastHeartbeat: now,
      appId: null,
      sparkUiUrl: null,
      driverPid: null,
      deleted: false,
      logTail: [],
    };
    this.d.store.insertSession(rec);
    const rt = new SessionRuntime(rec, 0, this.d.config.limits.logLines);
    this.runtimes.set(rec.id, rt);
    rt.queuedForStart = true;
    this.startQueue.push(rt);
    this.pumpStarts();
    return rec;
  }

  /** By numeric id or by name, as every Livy route allows. Deleted sessions are not found. */
  resolve(idOrName: string | number): SessionRuntime {
    const key = String(idOrName);
    const rt = /^\d+$/.test(key) ? this.runtimes.get(Number(key)) : this.findByName(key);
    if (!rt || rt.record.deleted) throw notFound(`Session '${key}' not found.`, 'SESSION_NOT_FOUND');
    return rt;
  }

  list(): SessionRuntime[] {
    return [...this.runtimes.values()].filter((r) => !r.record.deleted).sort((a, b) => a.id - b.id);
  }

  /** Any call about a session counts as a heartbeat (Livy's rule). */
  heartbeat(rt: SessionRuntime): void {
    rt.record.lastHeartbeat = this.d.clock.now();
  }

  private touch(rt: SessionRuntime): void {
    rt.record.lastActivity = this.d.clock.now();
  }

  /** Stops the driver and forgets the session: it is 404 afterwards. */
  async delete(idOrName: string | number, reason = 'deleted by user'): Promise<void> {
    const rt = this.resolve(idOrName);
    await this.stop(rt, reason);
    rt.record.deleted = true;
    this.persist(rt);
    this.runtimes.delete(rt.id);
  }

  /** Stops the driver; the session stays listed as dead. Waits until the process is gone. */
  stop(rt: SessionRuntime, reason: string): Promise<void> {
    if (rt.stopping) return rt.stopping;
    rt.stopping = this.doStop(rt, reason);
    return rt.stopping;
  }

  private async doStop(rt: SessionRuntime, reason: string): Promise<void> {
    const state = rt.record.state;
    if (state === 'dead' || state === 'killed' || state === 'success') return;
    if (state !== 'shutting_down') this.transition(rt, 'shutting_down', reason);
    this.cancelQueued(rt);
    if (rt.queuedForStart) {
      rt.queuedForStart = false;
      this.startQueue = this.startQueue.filter((x) => x !== rt);
    }
    rt.startTimer?.cancel();
    rt.revokeToken?.();
    const conn = rt.conn;
    let asked = false;
    if (conn?.isOpen) {
      try {
        await conn.request({ type: 'shutdown' }, Math.min(5000, this.d.config.sessions.shutdownTimeoutMs));
        asked = true;
      } catch {
        // A driver that can't answer is stopped by signal below.
      }
    }
    await this.terminate(rt, asked);
    rt.log.push('stderr', `session stopped: ${reason}`);
    this.failOpenStatements(rt, 'SessionError', `Session stopped: ${reason}`, 'cancelled');
    this.transition(rt, 'dead', reason);
  }

  /** Polite exit first (when the driver was asked to stop), then SIGTERM, then SIGKILL. */
  private async terminate(rt: SessionRuntime, asked: boolean): Promise<void> {
    const proc = rt.proc;
    if (!proc || proc.exited) return;
    const exited = new Promise<void>((r) => proc.onExit(() => r()));
    const within = (ms: number) => Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms).unref())]);
    const budget = this.d.config.sessions.shutdownTimeoutMs;
    if (asked && (await within(budget / 2))) return;
    proc.kill('SIGTERM');
    if (await within(budget / 2)) return;
    proc.kill('SIGKILL');
    await within(5000);
  }

  async stopAll(reason: string): Promise<void> {
    await Promise.all(this.list().map((rt) => this.stop(rt, reason).catch(() => undefined)));
  }

  // ---- launching ------------------------------------------------------------------------

  private pumpStarts(): void {
    while (this.starting < this.d.config.sessions.maxStarting && this.startQueue.length) {
      const rt = this.startQueue.shift()!;
      rt.queuedForStart = false;
      this.starting++;
      this.launch(rt);
    }
  }

  private startFinished(rt: SessionRuntime): void {
    if (rt.startTimer) {
      rt.startTimer.cancel();
      rt.startTimer = undefined;
      this.starting--;
      this.pumpStarts();
    }
  }

  private launch(rt: SessionRuntime): void {
    const { config, clock } = this.d;
    const workDir = path.join(config.dataDir, 'sessions', String(rt.id));
    const { token, revoke } = this.d.listener.expect(rt.id, (conn) => this.onConnect(rt, conn));
    rt.revokeToken = revoke;
    rt.startTimer = clock.setTimeout(
      () => this.onDriverGone(rt, `the driver did not become ready within ${config.sessions.startTimeoutMs} ms`),
      config.sessions.startTimeoutMs,
    );
    try {
      const proc = this.d.launcher.launch({
        sessionId: rt.id,
        connect: this.d.driverAddress,
        token,
        submitArgs: withScalaSupport(buildSubmitArgs(rt.record, rt.id, config, workDir), config, workDir),
        workDir,
        env: isLocalMaster(config.spark.master) ? { SPARK_LOCAL_IP: '127.0.0.1' } : {},
      });
      rt.proc = proc;
      rt.record.driverPid = proc.pid ?? null;
      this.persist(rt);
      proc.onOutput((stream, line) => rt.log.push(stream, line));
      proc.onExit((code, signal) => {
        revoke();
        const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
        // A kill signal we did not send came from outside (an operator, the OOM killer): Livy
        // reports such sessions as killed rather than failed.
        const killed = signal !== null && ['SIGKILL', 'SIGTERM', 'SIGINT', 'SIGHUP'].includes(signal);
        this.onDriverGone(rt, `the driver process ${how}`, killed);
      });
    } catch (e) {
      this.onDriverGone(rt, `the driver could not be launched: ${(e as Error).message}`);
    }
  }

  private onConnect(rt: SessionRuntime, conn: DriverConnection): void {
    if (rt.gone || rt.record.state !== 'starting') {
      conn.close();
      return;
    }
    rt.conn = conn;
    conn.on('ready', (m) => {
      if (rt.record.state !== 'starting') return;
      this.startFinished(rt);
      rt.record.appId = m.app_id;
      rt.record.sparkUiUrl = m.spark_ui_url;
      this.touch(rt);
      void this.preload(rt, conn).then(() => {
        if (rt.record.state !== 'starting') return;
        this.transition(rt, 'idle', 'driver ready');
        this.dispatch(rt);
      });
    });
    conn.on('fatal', (m) => {
      rt.fatal = m.message;
      for (const line of [m.message, ...(m.traceback ?? [])].join('').split('\n')) if (line) rt.log.push('stderr', line);
    });
    conn.on('stream', (m) => {
      const cur = rt.current;
      if (!cur || cur.requestId !== m.re) return;
      if (cur.streamedBytes < MAX_STREAM_REPLAY_BYTES) {
        cur.streamed.push({ stream: m.name, text: m.text });
        cur.streamedBytes += m.text.length;
      }
      this.d.bus.emitStatement(rt.id, cur.stmtId, { event: 'output', data: { stream: m.name, text: m.text } });
    });
    conn.on('progress', (m) => {
      const cur = rt.current;
      if (!cur || cur.requestId !== m.re) return;
      cur.progress = m.progress;
      this.d.bus.emitStatement(rt.id, cur.stmtId, { event: 'progress', data: { progress: m.progress } });
    });
    conn.on('protocolError', (msg) => rt.log.push('stderr', `driver protocol error: ${msg}`));
    conn.on('close', () => this.onDriverGone(rt, 'the driver connection dropped'));
  }

  /** Loads the shared data the session asked for, before any statement runs. */
  private async preload(rt: SessionRuntime, conn: DriverConnection): Promise<void> {
    for (const [name, p] of Object.entries(rt.record.preload ?? {})) {
      try {
        const path = checkDataPath(p.path, this.d.config.shared.allowedDirs);
        await conn.request({ type: 'shared_load', name, path, format: p.format ?? 'parquet', as: p.as ?? 'dataset' }, 300_000);
        rt.log.push('stderr', `preloaded shared '${name}' from ${p.path}`);
      } catch (e) {
        rt.log.push('stderr', `preload of shared '${name}' from ${p.path} failed: ${(e as Error).message}`);
      }
    }
  }

  /** Exit, dropped connection or start deadline: whichever comes first decides, once. */
  private onDriverGone(rt: SessionRuntime, why: string, killed = false): void {
    if (rt.gone) return;
    rt.gone = true;
    rt.revokeToken?.();
    this.startFinished(rt);
    if (rt.record.state === 'shutting_down' || rt.record.state === 'dead' || rt.record.state === 'killed') return;
    const wasStarting = rt.record.state === 'starting';
    const detail = rt.fatal ?? rt.log.stderrTail(15).join('\n');
    const reason = detail ? `${why}: ${detail}` : why;
    if (rt.conn?.isOpen) rt.conn.close();
    if (rt.proc && !rt.proc.exited) {
      rt.proc.kill('SIGTERM');
      const p = rt.proc;
      setTimeout(() => p.kill('SIGKILL'), 5000).unref();
    }
    rt.log.push('stderr', `session failed: ${why}`);
    this.failOpenStatements(
      rt,
      wasStarting ? 'SessionError' : 'Error',
      wasStarting ? `Session ${rt.id} failed to start: ${reason}` : `Interpreter died:\n${reason}`,
    );
    if (killed) {
      this.transition(rt, 'killed', reason);
      return;
    }
    this.transition(rt, 'error', reason);
    this.transition(rt, 'dead', reason);
  }

  // ---- statements -----------------------------------------------------------------------

  submit(rt: SessionRuntime, code: string, kind: string | undefined): StatementRecord {
    let stmtKind: string;
    if (kind !== undefined) stmtKind = resolveCodeKind(kind, 'statement');
    else if (rt.record.kind === 'shared') {
      throw invalid('This session is shared (created without kind): each statement must carry kind (pyspark, sql or spark)');
    } else stmtKind = rt.record.kind;
    if (!ACCEPTS_STATEMENTS.includes(rt.record.state)) {
      throw conflict(
        `Session ${rt.id} is ${rt.record.state}: it can't run statements${rt.record.stateReason ? ` (${rt.record.stateReason})` : ''}`,
        'SESSION_NOT_ACTIVE',
      );
    }
    const stmt: StatementRecord = {
      sessionId: rt.id,
      id: rt.nextStatementId++,
      code,
      kind: stmtKind,
      state: 'waiting',
      output: null,
      progress: 0,
      started: 0,
      completed: 0,
    };
    this.d.store.insertStatement(stmt);
    this.touch(rt);
    rt.queue.push(stmt.id);
    this.dispatch(rt);
    return this.d.store.getStatement(rt.id, stmt.id) ?? stmt;
  }

  getStatement(rt: SessionRuntime, stmtId: number): StatementRecord {
    const s = this.d.store.getStatement(rt.id, stmtId);
    if (!s) throw notFound(`Statement ${stmtId} not found in session ${rt.id}`, 'STATEMENT_NOT_FOUND');
    return s;
  }

  listStatements(rt: SessionRuntime): StatementRecord[] {
    return this.d.store.listStatements(rt.id);
  }

  /** Progress of a statement now, live for the running one. */
  progressOf(rt: SessionRuntime, s: StatementRecord): number {
    if (FINISHED_STATEMENT_STATES.includes(s.state)) return 1;
    if (rt.current?.stmtId === s.id) return rt.current.progress;
    return s.progress;
  }

  streamedSoFar(rt: SessionRuntime, stmtId: number): { stream: 'stdout' | 'stderr'; text: string }[] {
    return rt.current?.stmtId === stmtId ? [...rt.current.streamed] : [];
  }

  /** Resolves when the statement is finished or `ms` has passed, with its latest record. */
  waitForStatement(rt: SessionRuntime, stmtId: number, ms: number): Promise<StatementRecord> {
    const s = this.getStatement(rt, stmtId);
    if (FINISHED_STATEMENT_STATES.includes(s.state) || ms <= 0) return Promise.resolve(s);
    return new Promise((resolve) => {
      const done = () => {
        off();
        timer.cancel();
        resolve(this.getStatement(rt, stmtId));
      };
      const off = this.d.bus.onStatement(rt.id, stmtId, (ev) => { if (ev.event === 'done') done(); });
      const timer = this.d.clock.setTimeout(done, ms);
    });
  }

  async cancel(rt: SessionRuntime, stmtId: number): Promise<void> {
    const s = this.getStatement(rt, stmtId);
    this.touch(rt);
    if (s.state === 'waiting') {
      rt.queue = rt.queue.filter((x) => x !== stmtId);
      this.finishStatement(rt, s, 'cancelled', null);
      return;
    }
    if (s.state !== 'running' || rt.current?.stmtId !== stmtId) return;
    this.transitionStatement(rt, s, 'cancelling');
    try {
      await rt.conn?.request({ type: 'cancel', target: rt.current.requestId }, 10_000);
    } catch {
      // The driver may have finished the statement meanwhile; its reply settles the state.
    }
  }

  async complete(rt: SessionRuntime, code: string, kind: string | undefined, cursor: number | undefined): Promise<string[]> {
    const k = kind !== undefined ? resolveCodeKind(kind, 'completion') : rt.record.kind === 'shared' ? 'pyspark' : rt.record.kind;
    this.touch(rt);
    if (!rt.conn?.isOpen || !['idle', 'busy'].includes(rt.record.state)) {
      throw conflict(`Session ${rt.id} is ${rt.record.state}: completion needs a running session`, 'SESSION_NOT_ACTIVE');
    }
    try {
      const r = await rt.conn.request<{ candidates: string[] }>(
        { type: 'complete', kind: k, code, cursor: cursor ?? code.length }, 10_000,
      );
      return r.candidates ?? [];
    } catch (e) {
      throw new DomainError('DRIVER_UNAVAILABLE', `Completion failed: ${(e as Error).message}`);
    }
  }

  private dispatch(rt: SessionRuntime): void {
    if (rt.current || !rt.conn?.isOpen || !(rt.record.state === 'idle' || rt.record.state === 'busy')) return;
    const next = rt.queue.shift();
    if (next === undefined) {
      if (rt.record.state === 'busy') this.transition(rt, 'idle', 'statements done');
      return;
    }
    const s = this.d.store.getStatement(rt.id, next);
    if (!s || s.state !== 'waiting') return this.dispatch(rt);
    s.started = this.d.clock.now();
    this.transitionStatement(rt, s, 'running');
    if (rt.record.state === 'idle') this.transition(rt, 'busy', `running statement ${s.id}`);
    const conn = rt.conn;
    const current = { stmtId: s.id, requestId: conn.peekNextId(), streamed: [], streamedBytes: 0, progress: 0 };
    rt.current = current;
    conn.request<ExecuteResult>({ type: 'execute', statement_id: s.id, kind: s.kind, code: s.code }).then(
      (r) => this.onExecuted(rt, current.stmtId, r.output, r.cancelled),
      (e: Error) => {
        // A lost driver is handled by onDriverGone, which fails every open statement.
        if (e instanceof DriverCallError && e.code === 'DRIVER_LOST') return;
        this.onExecuted(rt, current.stmtId, errorOutput(s.id, 'Internal Error: DriverCallError', e.message), false);
      },
    );
  }

  private onExecuted(rt: SessionRuntime, stmtId: number, output: StatementOutput, cancelled: boolean): void {
    if (rt.current?.stmtId !== stmtId) return;
    rt.current = undefined;
    const s = this.d.store.getStatement(rt.id, stmtId);
    if (s && !FINISHED_STATEMENT_STATES.includes(s.state)) {
      this.finishStatement(rt, s, cancelled || s.state === 'cancelling' ? 'cancelled' : 'available', output);
    }
    this.touch(rt);
    this.dispatch(rt);
  }

  private finishStatement(rt: SessionRuntime, s: StatementRecord, to: StatementState, output: StatementOutput | null): void {
    s.output = output;
    s.progress = 1;
    s.completed = this.d.clock.now();
    this.transitionStatement(rt, s, to);
    this.d.bus.emitStatement(rt.id, s.id, { event: 'done', data: null });
  }

  private cancelQueued(rt: SessionRuntime): void {
    for (const id of rt.queue.splice(0)) {
      const s = this.d.store.getStatement(rt.id, id);
      if (s && s.state === 'waiting') this.finishStatement(rt, s, 'cancelled', null);
    }
  }

  /** Every statement that will now never run or finish gets an error output saying why. */
  private failOpenStatements(rt: SessionRuntime, ename: string, evalue: string, to: StatementState = 'available'): void {
    rt.queue = [];
    rt.current = undefined;
    for (const s of this.d.store.listStatements(rt.id)) {
      if (FINISHED_STATEMENT_STATES.includes(s.state)) continue;
      this.finishStatement(rt, s, s.state === 'cancelling' ? 'cancelled' : to, errorOutput(s.id, ename, evalue));
    }
  }

  // ---- state machines -------------------------------------------------------------------

  transition(rt: SessionRuntime, to: SessionState, reason: string): void {
    checkTransition(SESSION_TRANSITIONS, `Session ${rt.id}`, rt.record.state, to);
    const now = this.d.clock.now();
    rt.record.state = to;
    rt.record.stateReason = reason;
    rt.record.stateChangedAt = now;
    if (to === 'dead' || to === 'error' || to === 'killed') rt.record.logTail = rt.log.lines().slice(-50);
    this.persist(rt);
    this.d.bus.emitSession(rt.id, { event: 'session', data: { id: rt.id, state: to, reason, at: now } });
  }

  private transitionStatement(rt: SessionRuntime, s: StatementRecord, to: StatementState): void {
    checkTransition(STATEMENT_TRANSITIONS, `Statement ${s.id}`, s.state, to);
    s.state = to;
    this.d.store.updateStatement(s);
    this.d.bus.emitStatement(rt.id, s.id, { event: 'state', data: { state: to } });
    this.d.bus.emitSession(rt.id, { event: 'statement', data: { id: s.id, state: to } });
  }

  persist(rt: SessionRuntime): void {
    this.d.store.updateSession(rt.record);
  }

  private findByName(name: string): SessionRuntime | undefined {
    for (const rt of this.runtimes.values()) if (!rt.record.deleted && rt.record.name === name) return rt;
    return undefined;
  }
}

export function errorOutput(executionCount: number, ename: string, evalue: string): StatementOutput {
  return { status: 'error', execution_count: executionCount, ename, evalue, traceback: [] };
}
