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
import { DriverSupervisor, type DriverSupervisorDeps } from './driver-supervisor.ts';
import { runAs } from './access.ts';
import { conflict, invalid, notFound } from './errors.ts';
import { limitReached } from './limits.ts';
import type { EventBus } from './event-bus.ts';
import { restError } from './driver-errors.ts';
import { DriverCallError, type DriverChannel } from './ports/driver-link.ts';
import type { SessionLauncher } from './ports/launcher.ts';
import { driverAddressFor, placementOf, type DriverAddresses } from './placement.ts';
import { sessionLimit } from './capacity.ts';
import { WarmPool, warmMisfit, type WarmDriver } from './warm-pool.ts';
import { noMetrics, type DomainMetrics } from './ports/metrics.ts';
import type { Store } from './ports/store.ts';
import type { SessionRecord, SessionSpec, StatementRecord } from './records.ts';
import { Registry, type FlagOf } from './registry.ts';
import { sessionDriverEvents, type SessionHost } from './session-driver-events.ts';
import { SessionRuntime } from './session-runtime.ts';
import { removeWorkDir } from './work-dirs.ts';
import { StartQueue } from './start-queue.ts';
import { StatementDispatcher, type StreamedLine } from './statement-dispatcher.ts';
import { meteredStatementWrites } from './statement-metrics.ts';
import { resolveCodeKind, validateSessionRequest } from './validate-session.ts';

export interface SessionManagerDeps {
  store: Store;
  clock: Clock;
  config: Config;
  launcher: SessionLauncher;
  /** Where drivers call back (the driver listener). */
  listener: DriverChannel;
  bus: EventBus;
  /** Where drivers call back (placement.ts): one address for all, or local and cluster ones. */
  driverAddress: string | DriverAddresses;
  log?: (msg: string) => void;
  /** Driver starts, failures and reconnects, and finished statements, as they happen; none when absent. */
  metrics?: DomainMetrics;
}

const COMPLETION_TIMEOUT_MS = 10_000;
const LOG_TAIL_LINES = 50;

export class SessionManager {
  private readonly reg: Registry<SessionRecord, SessionRuntime, FlagOf<typeof sessionMachine>>;
  private readonly drivers: DriverSupervisorDeps;
  private readonly pool: WarmPool;
  private get metrics(): DomainMetrics { return this.d.metrics ?? noMetrics; }

  /** What a session's driver events act on (session-driver-events.ts). */
  private get host(): SessionHost {
    return {
      config: this.d.config, metrics: this.metrics,
      transition: (rt, to, reason) => this.transition(rt, to, reason), persist: (rt) => this.persist(rt), touch: (rt) => this.touch(rt),
      startCold: (rt, why) => this.startCold(rt, why),
    };
  }

  constructor(private readonly d: SessionManagerDeps) {
    const { store } = d;
    this.drivers = {
      clock: d.clock, config: d.config, launcher: d.launcher, channel: d.listener, connect: d.driverAddress,
      slots: new StartQueue(d.config.sessions.maxStarting),
    };
    this.pool = new WarmPool({
      config: d.config, clock: d.clock, live: () => this.reg.count('live'), log: d.log ?? (() => undefined),
      mint: () => this.mintWarm(),
      start: (rt, events) => {
        rt.driver = new DriverSupervisor(this.drivers, rt.record, this.workDir(rt), rt.log, events);
        rt.driver.start();
      },
    });
    this.reg = new Registry({
      noun: 'session', notFoundCode: 'SESSION_NOT_FOUND', machine: sessionMachine, finishedFlag: 'finished', clock: d.clock,
      store: {
        nextId: () => store.nextSessionId(), insert: (r) => store.insertSession(r), update: (r) => store.updateSession(r),
        list: () => store.listSessions(), purge: (id) => store.purgeSession(id),
      },
      onForget: (rt) => removeWorkDir(d.config.dataDir, this.workDir(rt)),
      revive: (rec) => this.runtime(rec, store.countStatements(rec.id)),
      // Once the driver is gone its last lines are all there will be: they stay with the record.
      onEnter: (rt) => {
        if (!rt.driver || driverProcessMachine.is(rt.driver.state, 'gone')) rt.record.logTail = rt.log.lines().slice(-LOG_TAIL_LINES);
      },
      emit: (rt, ev) => d.bus.emitSession(rt.id, { event: 'session', data: ev }),
      listChanged: () => d.bus.emitListChange('sessions'),
    });
  }

  /**
   * After a restart, sessions that were live wait for their drivers to call back (PROTOCOL.md
   * §3a), with their open statements; one whose driver process is gone, or that was shutting
   * down, is over.
   */
  recover(): void {
    for (const rt of this.reg.recover()) {
      const state = rt.record.state;
      if (sessionMachine.is(state, 'finished')) continue;
      rt.statements.adopt(this.d.store.listStatements(rt.id));
      const workDir = this.workDir(rt);
      const proc = this.d.launcher.adopt?.(rt.record, workDir, driverAddressFor(this.d.driverAddress, rt.record, this.d.config)) ?? null;
      if (state === 'shutting_down' || !sessionMachine.is(state, 'live')) {
        proc?.kill('SIGKILL');
        rt.statements.failOpen('SessionError', 'The server restarted while this session was stopping');
        this.transition(rt, 'dead', 'server restarted while the session was stopping');
        continue;
      }
      // Its log files are replayed into the log, which must not hold them twice.
      if (proc) rt.log.clear();
      this.supervise(rt, workDir).reattach(proc);
    }
    // Drivers of no session: warm drivers an earlier server left when it died.
    this.d.launcher.reap?.(new Set(this.reg.list().map((rt) => rt.id)));
  }

  // ---- sessions -------------------------------------------------------------------------

  create(req: CreateSessionRequest, owner: string | null = null): SessionRecord {
    const { config } = this.d;
    const spec = validateSessionRequest(req, config);
    // Before the warm-driver check: a driver that is to run as its owner starts as them.
    spec.proxyUser = runAs(config.access, owner, spec.proxyUser, placementOf(spec, config));
    this.reg.checkNameFree(spec.name);
    const live = this.reg.count('live');
    const max = sessionLimit(config);
    if (live >= max) {
      throw limitReached({
        code: 'TOO_MANY_SESSIONS', what: 'sessions', count: live, limit: max, state: 'are live',
        setting: 'sessions.max', remedy: 'Delete one', retryAfterSeconds: 30,
      });
    }
    const warm = warmMisfit(spec, config) === undefined ? this.pool.take() : undefined;
    if (warm) return this.claim(warm, spec, owner);
    // Warm drivers count against sessions.max: one gives way to a session that can't use it.
    if (live + this.pool.count >= max) this.pool.giveWay();
    const now = this.d.clock.now();
    const rec: SessionRecord = {
      ...spec, id: this.reg.nextId(), owner, proxyUser: spec.proxyUser,
      state: 'starting', stateReason: 'created', stateChangedAt: now,
      createdAt: now, lastActivity: now, lastHeartbeat: now,
      appId: null, sparkUiUrl: null, driverLogUrl: null, driverPid: null, deleted: false, logTail: [],
    };
    this.launch(this.reg.insert(this.runtime(rec, 0)));
    return rec;
  }

  /** Starts the warm drivers (sessions.warmDrivers): with the server's upkeep, not in unit tests. */
  warmUp(): void { this.pool.start(); }

  /** Warm drivers not yet taken, ready or still starting (GET /metrics). */
  warmDrivers(): { ready: number; starting: number } { return this.pool.counts(); }

  /** Stops the warm drivers for good: they never outlive the server. */
  closeWarm(): Promise<void> { return this.pool.close(); }

  /**
   * The session takes a warm driver: the runtime minted for it becomes the session's, and what
   * the driver says from now on is the session's. Conf Spark takes at runtime is marked pending
   * on the record and set before the session is idle, after a reconnect or a server restart too
   * (session-driver-events.ts); a driver that refuses it is stopped and the session starts cold.
   */
  private claim(w: WarmDriver, spec: SessionSpec, owner: string | null): SessionRecord {
    const rt = w.rt;
    const now = this.d.clock.now();
    const before = { ...rt.record };
    Object.assign(rt.record, {
      ...spec, id: rt.id, owner, state: 'starting', stateReason: 'created (on a warm driver)', stateChangedAt: now,
      createdAt: now, lastActivity: now, lastHeartbeat: now, deleted: false, confPending: Object.keys(spec.conf).length > 0,
    });
    try {
      this.reg.insert(rt);
    } catch (e) {
      // Neither the pool's nor a session: it must not run on unseen.
      rt.record = before;
      void rt.driver?.stop();
      throw e;
    }
    // Counted once: a driver still waiting for its start slot is counted when it launches.
    if (rt.driver?.state !== 'launching') this.metrics.driverStarted();
    WarmPool.hand(w, sessionDriverEvents(rt, this.host));
    this.pool.fill();
    return rt.record;
  }

  /** The warm driver could not take the session's conf: a new one, with the conf on its command line. */
  private startCold(rt: SessionRuntime, why: string): void {
    if (rt.record.state !== 'starting' || this.pool.isClosed) {
      void this.stop(rt, why);
      return;
    }
    rt.log.push('stderr', `${why}: starting a new driver`);
    rt.record.confPending = false;
    void rt.driver?.stop().then(() => {
      if (rt.record.state === 'starting' && !this.pool.isClosed) this.launch(rt);
    });
  }

  /** A runtime for a warm driver: a session id of its own, the default settings, not registered until taken. */
  private mintWarm(): SessionRuntime {
    const now = this.d.clock.now();
    const rec: SessionRecord = {
      ...validateSessionRequest({}, this.d.config), id: this.reg.nextId(), owner: null,
      state: 'starting', stateReason: 'warm driver', stateChangedAt: now, createdAt: now, lastActivity: now, lastHeartbeat: now,
      appId: null, sparkUiUrl: null, driverLogUrl: null, driverPid: null, deleted: false, logTail: [],
    };
    return this.runtime(rec, 0);
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
      sessionId: rec.id, store: meteredStatementWrites(store, this.metrics), clock, bus, nextId: statementCount,
      hooks: {
        busy: (s) => { if (rt.record.state === 'idle') this.transition(rt, 'busy', `running statement ${s.id}`); },
        idle: () => { if (rt.record.state === 'busy') this.transition(rt, 'idle', 'statements done'); },
        settled: () => this.touch(rt),
      },
    }), this.d.config.limits.logLines);
    return rt;
  }

  private workDir(rt: SessionRuntime): string { return path.join(this.d.config.dataDir, 'sessions', String(rt.id)); }

  private launch(rt: SessionRuntime): void {
    this.supervise(rt, this.workDir(rt)).start();
  }

  private supervise(rt: SessionRuntime, workDir: string): DriverSupervisor {
    rt.driver = new DriverSupervisor(this.drivers, rt.record, workDir, rt.log, sessionDriverEvents(rt, this.host));
    return rt.driver;
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
    // sessions.maxQueuedStatements: a client in a loop once queued 7,786 statements in 8 s.
    const max = this.d.config.sessions.maxQueuedStatements;
    if (rt.statements.waiting >= max) {
      throw limitReached({
        code: 'TOO_MANY_STATEMENTS', what: `statements waiting in session ${rt.id}`, count: rt.statements.waiting, limit: max,
        setting: 'sessions.maxQueuedStatements', remedy: 'Wait for some to run', retryAfterSeconds: 5,
      });
    }
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
  transition(rt: SessionRuntime, to: SessionState, reason: string): void {
    this.reg.transition(rt, to, reason);
    // A session that ends makes room: the pool refills to its size.
    if (!sessionMachine.is(to, 'live')) this.pool.fill();
  }

  persist(rt: SessionRuntime): void { this.reg.persist(rt); }
}
