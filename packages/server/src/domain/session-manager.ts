/**
 * Sessions: create, find, stop and delete them, and move them through Livy's session states.
 * Each session's driver process is its DriverSupervisor's and its statements its
 * StatementDispatcher's; this wires the two together and keeps the calls the HTTP routes make.
 * What sessions share with batches (ids, names, lookup, state changes, recovery) is the
 * Registry's. Knows nothing of HTTP.
 *
 * A session row is written before its driver is launched, and a statement row before the
 * statement is sent to the driver.
 */
import path from 'node:path';
import { driverProcessMachine, sessionMachine, statementMachine, type CreateSessionRequest, type SessionState } from '@sparkport/protocol';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import { DriverSupervisor, type DriverApp, type DriverLoss, type DriverSupervisorDeps } from './driver-supervisor.ts';
import { DomainError, conflict, invalid, notFound } from './errors.ts';
import type { EventBus } from './event-bus.ts';
import { checkDataPath } from './paths.ts';
import { restError } from './driver-errors.ts';
import { DriverCallError, type DriverChannel, type DriverLink } from './ports/driver-link.ts';
import type { SessionLauncher } from './ports/launcher.ts';
import type { Store } from './ports/store.ts';
import type { SessionRecord, StatementRecord } from './records.ts';
import { Registry, type FlagOf } from './registry.ts';
import { SessionRuntime } from './session-runtime.ts';
import { StartQueue } from './start-queue.ts';
import { StatementDispatcher, type StreamedLine } from './statement-dispatcher.ts';
import { resolveCodeKind, validateSessionRequest } from './validate-session.ts';

export interface SessionManagerDeps {
  store: Store;
  clock: Clock;
  config: Config;
  launcher: SessionLauncher;
  /** Where drivers call back (the driver listener). */
  listener: DriverChannel;
  bus: EventBus;
  /** host:port drivers call back to. */
  driverAddress: string;
  log?: (msg: string) => void;
}

const COMPLETION_TIMEOUT_MS = 10_000;
const PRELOAD_TIMEOUT_MS = 300_000;
const LOG_TAIL_LINES = 50;

export class SessionManager {
  private readonly reg: Registry<SessionRecord, SessionRuntime, FlagOf<typeof sessionMachine>>;
  private readonly drivers: DriverSupervisorDeps;

  constructor(private readonly d: SessionManagerDeps) {
    const { store } = d;
    this.drivers = {
      clock: d.clock, config: d.config, launcher: d.launcher, channel: d.listener, connect: d.driverAddress,
      slots: new StartQueue(d.config.sessions.maxStarting),
    };
    this.reg = new Registry({
      noun: 'session', notFoundCode: 'SESSION_NOT_FOUND', machine: sessionMachine, finishedFlag: 'finished', clock: d.clock,
      store: {
        nextId: () => store.nextSessionId(), insert: (r) => store.insertSession(r), update: (r) => store.updateSession(r),
        list: () => store.listSessions(),
      },
      revive: (rec) => this.runtime(rec, store.countStatements(rec.id)),
      // Once the driver is gone its last lines are all there will be: they stay with the record.
      onEnter: (rt) => {
        if (!rt.driver || driverProcessMachine.is(rt.driver.state, 'gone')) rt.record.logTail = rt.log.lines().slice(-LOG_TAIL_LINES);
      },
      emit: (rt, ev) => d.bus.emitSession(rt.id, { event: 'session', data: ev }),
    });
  }

  /** Sessions that were live when the server last stopped lost their drivers with it. */
  recover(): void {
    const why = 'server restarted; driver lost';
    for (const rt of this.reg.recover()) {
      const state = rt.record.state;
      if (sessionMachine.is(state, 'finished')) continue;
      rt.log.push('stderr', 'session lost: the server restarted and the driver went with it');
      rt.statements.adopt(this.d.store.listStatements(rt.id));
      rt.statements.failOpen('SessionError', 'The server restarted and this session\'s driver was lost');
      if (sessionMachine.can(state, 'error')) this.transition(rt, 'error', why);
      this.transition(rt, 'dead', why);
    }
  }

  // ---- sessions -------------------------------------------------------------------------

  create(req: CreateSessionRequest, owner: string | null = null): SessionRecord {
    const { config } = this.d;
    const spec = validateSessionRequest(req, config);
    this.reg.checkNameFree(spec.name);
    const live = this.reg.count('live');
    if (live >= config.sessions.max) {
      const msg = `Rejected, too many sessions: ${live} of ${config.sessions.max} are live. Delete one or raise sessions.max`;
      throw new DomainError('TOO_MANY_SESSIONS', msg, 30);
    }
    const now = this.d.clock.now();
    const rec: SessionRecord = {
      ...spec, id: this.reg.nextId(), owner, proxyUser: spec.proxyUser,
      state: 'starting', stateReason: 'created', stateChangedAt: now,
      createdAt: now, lastActivity: now, lastHeartbeat: now,
      appId: null, sparkUiUrl: null, driverPid: null, deleted: false, logTail: [],
    };
    this.launch(this.reg.insert(this.runtime(rec, 0)));
    return rec;
  }

  /** By numeric id or by name, as every Livy route allows. Deleted sessions are not found. */
  resolve(idOrName: string | number): SessionRuntime { return this.reg.resolve(idOrName); }

  list(): SessionRuntime[] { return this.reg.list(); }

  /** A call about a session by someone who may modify it is a heartbeat (Livy's rule, by right). */
  heartbeat(rt: SessionRuntime): void { rt.record.lastHeartbeat = this.d.clock.now(); }

  /** Something a user did: the idle timeout counts from here. */
  private touch(rt: SessionRuntime): void { rt.record.lastActivity = this.d.clock.now(); }

  /** Stops the driver and forgets the session: it is 404 afterwards. */
  async delete(idOrName: string | number, reason = 'deleted by user'): Promise<void> {
    const rt = this.resolve(idOrName);
    await this.stop(rt, reason);
    this.reg.forget(rt);
  }

  /** Stops the driver; the session stays listed as dead. Waits until the process is gone. */
  stop(rt: SessionRuntime, reason: string): Promise<void> {
    rt.stopping ??= this.doStop(rt, reason);
    return rt.stopping;
  }

  private async doStop(rt: SessionRuntime, reason: string): Promise<void> {
    if (sessionMachine.is(rt.record.state, 'finished')) return;
    if (rt.record.state !== 'shutting_down') this.transition(rt, 'shutting_down', reason);
    rt.statements.detach();
    rt.statements.cancelWaiting();
    await rt.driver?.stop();
    rt.log.push('stderr', `session stopped: ${reason}`);
    rt.statements.failOpen('SessionError', `Session stopped: ${reason}`, 'cancelled');
    this.transition(rt, 'dead', reason);
  }

  /** Forgets finished sessions older than the retention period; returns them. */
  sweep(onError?: (id: number, e: Error) => void): SessionRuntime[] {
    return this.reg.sweep(this.d.config.sessions.stateRetainMs, (rt, e) => onError?.(rt.id, e));
  }

  async stopAll(reason: string): Promise<void> {
    await Promise.all(this.list().map((rt) => this.stop(rt, reason).catch(() => undefined)));
  }

  // ---- the driver -----------------------------------------------------------------------

  private runtime(rec: SessionRecord, statementCount: number): SessionRuntime {
    const { store, clock, bus } = this.d;
    const rt: SessionRuntime = new SessionRuntime(rec, new StatementDispatcher({
      sessionId: rec.id, store, clock, bus, nextId: statementCount,
      hooks: {
        busy: (s) => { if (rt.record.state === 'idle') this.transition(rt, 'busy', `running statement ${s.id}`); },
        idle: () => { if (rt.record.state === 'busy') this.transition(rt, 'idle', 'statements done'); },
        settled: () => this.touch(rt),
      },
    }), this.d.config.limits.logLines);
    return rt;
  }

  private launch(rt: SessionRuntime): void {
    const workDir = path.join(this.d.config.dataDir, 'sessions', String(rt.id));
    rt.driver = new DriverSupervisor(this.drivers, rt.record, workDir, rt.log, {
      launched: (pid) => {
        rt.record.driverPid = pid;
        this.persist(rt);
      },
      ready: (app, link) => this.onReady(rt, app, link),
      gone: (loss) => this.onDriverLost(rt, loss),
    });
    rt.driver.start();
  }

  private onReady(rt: SessionRuntime, app: DriverApp, link: DriverLink): void {
    rt.record.appId = app.appId;
    rt.record.sparkUiUrl = app.sparkUiUrl;
    this.touch(rt);
    void this.preload(rt, link).then(() => {
      if (rt.record.state !== 'starting') return;
      this.transition(rt, 'idle', 'driver ready');
      rt.statements.attach(link);
    });
  }

  /** Loads the shared data the session asked for, before any statement runs. */
  private async preload(rt: SessionRuntime, link: DriverLink): Promise<void> {
    for (const [name, p] of Object.entries(rt.record.preload ?? {})) {
      try {
        const path = checkDataPath(p.path, this.d.config.shared.allowedDirs, this.d.config.spark.allowedSchemes);
        await link.request(
          { type: 'shared_load', name, path, format: p.format ?? 'parquet', as: p.as ?? 'dataset' },
          { timeoutMs: PRELOAD_TIMEOUT_MS },
        );
        rt.log.push('stderr', `preloaded shared '${name}' from ${p.path}`);
      } catch (e) {
        rt.log.push('stderr', `preload of shared '${name}' from ${p.path} failed: ${(e as Error).message}`);
      }
    }
  }

  /** The driver went away on its own: whatever was open fails with the reason, and so does the session. */
  private onDriverLost(rt: SessionRuntime, loss: DriverLoss): void {
    if (!sessionMachine.is(rt.record.state, 'live')) return;
    const starting = rt.record.state === 'starting';
    rt.log.push('stderr', `session failed: ${loss.why}`);
    rt.statements.failOpen(
      starting ? 'SessionError' : 'Error',
      starting ? `Session ${rt.id} failed to start: ${loss.reason}` : `Interpreter died:\n${loss.reason}`,
    );
    if (loss.killed) return this.transition(rt, 'killed', loss.reason);
    this.transition(rt, 'error', loss.reason);
    this.transition(rt, 'dead', loss.reason);
  }

  // ---- statements -----------------------------------------------------------------------

  submit(rt: SessionRuntime, code: string, kind: string | undefined): StatementRecord {
    let stmtKind: string;
    if (kind !== undefined) stmtKind = resolveCodeKind(kind, 'statement');
    else if (rt.record.kind === 'shared') {
      throw invalid('This session is shared (created without kind): each statement must carry kind (pyspark, sql or spark)');
    } else stmtKind = rt.record.kind;
    if (!sessionMachine.is(rt.record.state, 'acceptsStatements')) {
      throw conflict(
        `Session ${rt.id} is ${rt.record.state}: it can't run statements${rt.record.stateReason ? ` (${rt.record.stateReason})` : ''}`,
        'SESSION_NOT_ACTIVE',
      );
    }
    this.touch(rt);
    return rt.statements.submit(code, stmtKind);
  }

  /** An open statement as it is in memory; a finished one from the store. */
  getStatement(rt: SessionRuntime, stmtId: number): StatementRecord {
    const s = rt.statements.find(stmtId) ?? this.d.store.getStatement(rt.id, stmtId);
    if (!s) throw notFound(`Statement ${stmtId} not found in session ${rt.id}`, 'STATEMENT_NOT_FOUND');
    return s;
  }

  listStatements(rt: SessionRuntime): StatementRecord[] {
    return this.d.store.listStatements(rt.id);
  }

  /** Progress of a statement now, live for the running one. */
  progressOf(rt: SessionRuntime, s: StatementRecord): number { return rt.statements.progressOf(s); }

  streamedSoFar(rt: SessionRuntime, stmtId: number): StreamedLine[] { return rt.statements.streamedSoFar(stmtId); }

  /** Resolves when the statement is finished or `ms` has passed, with its latest record. */
  waitForStatement(rt: SessionRuntime, stmtId: number, ms: number): Promise<StatementRecord> {
    const s = this.getStatement(rt, stmtId);
    if (statementMachine.is(s.state, 'finished') || ms <= 0) return Promise.resolve(s);
    // `s` is the open record itself: when 'done' comes it already holds the final state.
    return new Promise((resolve) => {
      const done = () => {
        off();
        timer.cancel();
        resolve(s);
      };
      const off = this.d.bus.onStatement(rt.id, stmtId, (ev) => { if (ev.event === 'done') done(); });
      const timer = this.d.clock.setTimeout(done, ms);
    });
  }

  async cancel(rt: SessionRuntime, stmtId: number): Promise<void> {
    this.getStatement(rt, stmtId);
    this.touch(rt);
    await rt.statements.cancel(stmtId);
  }

  async complete(rt: SessionRuntime, code: string, kind: string | undefined, cursor: number | undefined): Promise<string[]> {
    const k = kind !== undefined ? resolveCodeKind(kind, 'completion') : rt.record.kind === 'shared' ? 'pyspark' : rt.record.kind;
    this.touch(rt);
    const link = rt.link;
    if (!link || !sessionMachine.is(rt.record.state, 'reachable')) {
      throw conflict(`Session ${rt.id} is ${rt.record.state}: completion needs a running session`, 'SESSION_NOT_ACTIVE');
    }
    try {
      const r = await link.request<{ candidates: string[] }>(
        { type: 'complete', kind: k, code, cursor: cursor ?? code.length }, { timeoutMs: COMPLETION_TIMEOUT_MS },
      );
      return r.candidates ?? [];
    } catch (e) {
      throw e instanceof DriverCallError ? restError(e, 'Completion failed') : e;
    }
  }

  // ---- state ----------------------------------------------------------------------------

  /** Checks the move against the table, stamps time and reason, persists, then announces it. */
  transition(rt: SessionRuntime, to: SessionState, reason: string): void { this.reg.transition(rt, to, reason); }

  persist(rt: SessionRuntime): void { this.reg.persist(rt); }
}
