/**
 * Batches: one spark-submit run each, from create to its exit or a kill. Knows nothing of HTTP.
 *
 * Lookup, names, limits, state changes, forgetting and recovery are the registry's (shared
 * with sessions); what is batch-only is here: launching, watching and killing spark-submit.
 * A batch row is written before its spark-submit is launched. spark-submit outlives the server:
 * a batch that was running when the server stopped is taken on again by the next one.
 */
import path from 'node:path';
import { batchMachine, type BatchState, type CreateBatchRequest } from '@sparkport/protocol';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import { runAs } from './access.ts';
import { BatchRuntime } from './batch-runtime.ts';
import { limitReached } from './limits.ts';
import { placementOf } from './placement.ts';
import type { BatchBusEvent, EventBus } from './event-bus.ts';
import type { AppInfoUpdate, BatchLauncher, BatchProcess } from './ports/batch-launcher.ts';
import type { Store } from './ports/store.ts';
import type { BatchRecord } from './records.ts';
import { Registry, type FlagOf, type RecordStore } from './registry.ts';
import { validateBatchRequest } from './validate-batch.ts';
import { removeWorkDir } from './work-dirs.ts';

export interface BatchManagerDeps {
  store: Store;
  clock: Clock;
  config: Config;
  launcher: BatchLauncher;
  bus: EventBus;
}

export interface BatchStateEvent extends BatchBusEvent { state: BatchState }

/** How a kill ends a batch: killed when someone asked for it, dead when the server goes away. */
type KillOutcome = Extract<BatchState, 'killed' | 'dead'>;

/** How a batch ends when its process ended while no server ran and left no exit status. */
const UNWATCHED = 'server restarted; the batch ended while no server watched it';
/** After SIGKILL, how long to wait for the exit before recording the outcome anyway. */
const AFTER_SIGKILL_MS = 5000;
/** A running batch's output reaches the store this long after it was printed, at the latest. */
export const LOG_FLUSH_MS = 5000;

const batchRows = (store: Store): RecordStore<BatchRecord> => ({
  nextId: () => store.nextBatchId(),
  insert: (r) => store.insertBatch(r),
  update: (r) => store.updateBatch(r),
  list: () => store.listBatches(),
  purge: (id) => store.purgeBatch(id),
});

export class BatchManager {
  private readonly reg: Registry<BatchRecord, BatchRuntime, FlagOf<typeof batchMachine>>;

  constructor(private readonly d: BatchManagerDeps) {
    this.reg = new Registry({
      noun: 'batch',
      notFoundCode: 'BATCH_NOT_FOUND',
      machine: batchMachine,
      finishedFlag: 'finished',
      store: batchRows(d.store),
      clock: d.clock,
      revive: (rec) => new BatchRuntime(rec, d.config.batches.logLines),
      onEnter: (rt, to, reason) => this.onEnter(rt, to, reason),
      emit: (_rt, ev) => d.bus.emitBatch(ev),
      listChanged: () => d.bus.emitListChange('batches'),
      onForget: (rt) => removeWorkDir(d.config.dataDir, this.workDir(rt.id)),
    });
  }

  /**
   * Batches that were running when the server last stopped are followed again: their log, their
   * end, a kill. One that ended meanwhile ends now, as its exit status says.
   */
  recover(): void {
    for (const rt of this.reg.recover()) {
      if (!this.reg.is(rt, 'active')) continue;
      const proc = this.d.launcher.adopt(rt.id, this.workDir(rt.id), rt.record);
      if (!proc) {
        this.reg.transition(rt, 'dead', UNWATCHED);
        continue;
      }
      rt.adopted = true;
      this.follow(rt, proc, 'spark-submit still running after a server restart');
    }
  }

  create(req: CreateBatchRequest, owner: string | null = null): BatchRecord {
    const { config, clock } = this.d;
    const spec = validateBatchRequest(req, config);
    spec.proxyUser = runAs(config.access, owner, spec.proxyUser, placementOf(spec, config));
    this.reg.checkNameFree(spec.name);
    const active = this.reg.count('active');
    if (active >= config.batches.max) {
      throw limitReached({
        code: 'TOO_MANY_BATCHES', what: 'batches', count: active, limit: config.batches.max, state: 'are running',
        setting: 'batches.max', remedy: 'Wait for one to end or delete one', retryAfterSeconds: 30,
      });
    }
    const now = clock.now();
    const rec: BatchRecord = {
      ...spec,
      id: this.reg.nextId(),
      owner,
      state: 'starting',
      stateReason: 'created',
      stateChangedAt: now,
      createdAt: now,
      appId: null,
      sparkUiUrl: null,
      driverLogUrl: null,
      pid: null,
      exitCode: null,
      deleted: false,
      logTail: [],
    };
    const rt = this.reg.insert(new BatchRuntime(rec, config.batches.logLines));
    this.launch(rt);
    return rt.record;
  }

  /** By numeric id or by name. Deleted batches are not found. */
  resolve(idOrName: string | number): BatchRuntime { return this.reg.resolve(idOrName); }

  list(): BatchRuntime[] { return this.reg.list(); }

  /** Kills it if it runs, then forgets it: it is 404 afterwards. */
  async delete(idOrName: string | number): Promise<void> {
    const rt = this.resolve(idOrName);
    await this.stop(rt, 'deleted by user');
    this.reg.forget(rt);
  }

  /** Forgets batches that ended more than sessions.stateRetainMs ago (the same period as sessions). */
  sweep(onError?: (id: number, e: Error) => void): BatchRuntime[] {
    return this.reg.sweep(this.d.config.sessions.stateRetainMs, (rt, e) => onError?.(rt.id, e));
  }

  /**
   * Kills spark-submit (SIGTERM, then SIGKILL after batches.killTimeoutMs) and resolves once
   * it is gone. The batch ends as `as`, whatever exit code the kill produced.
   */
  stop(rt: BatchRuntime, reason: string, as: KillOutcome = 'killed'): Promise<void> {
    rt.stopping ??= this.kill(rt, reason, as);
    return rt.stopping;
  }

  async stopAll(reason: string): Promise<void> {
    const live = this.list().filter((rt) => this.reg.is(rt, 'active'));
    await Promise.all(live.map((rt) => this.stop(rt, reason, 'dead').catch(() => undefined)));
  }

  /** Every batch's state changes; the same events reach the EventBus's batch watchers. */
  onStateChange(cb: (ev: BatchStateEvent) => void): () => void {
    return this.d.bus.onBatch('*', cb as (ev: BatchBusEvent) => void);
  }

  transition(rt: BatchRuntime, to: BatchState, reason: string): void { this.reg.transition(rt, to, reason); }

  /** An ended batch has no process, and its log is stored whole with the outcome last. */
  private onEnter(rt: BatchRuntime, to: BatchState, reason: string): void {
    if (batchMachine.is(to, 'active')) return;
    rt.logFlush?.cancel();
    rt.logFlush = undefined;
    rt.record.pid = null;
    rt.log.push('stdout', `batch ${to}: ${reason}`);
    rt.record.logTail = rt.log.lines();
  }

  private async kill(rt: BatchRuntime, reason: string, as: KillOutcome): Promise<void> {
    if (!this.reg.is(rt, 'active')) return;
    const proc = rt.proc;
    if (!proc || proc.exited) {
      this.transition(rt, as, reason);
      return;
    }
    rt.killedAs = { state: as, reason };
    const exited = new Promise<boolean>((r) => proc.onExit(() => r(true)));
    proc.kill('SIGTERM');
    if (!(await this.within(exited, this.d.config.batches.killTimeoutMs))) {
      rt.log.push('stdout', `spark-submit still running ${this.d.config.batches.killTimeoutMs} ms after SIGTERM: sending SIGKILL`);
      proc.kill('SIGKILL');
      await this.within(exited, AFTER_SIGKILL_MS);
    }
    if (this.reg.is(rt, 'active')) this.transition(rt, as, `${reason} (the process did not exit)`);
  }

  private within(p: Promise<boolean>, ms: number): Promise<boolean> {
    let timer: { cancel(): void } | undefined;
    const timeout = new Promise<boolean>((r) => { timer = this.d.clock.setTimeout(() => r(false), ms); });
    return Promise.race([p, timeout]).finally(() => timer?.cancel());
  }

  private launch(rt: BatchRuntime): void {
    let proc: BatchProcess;
    try {
      proc = this.d.launcher.launch({ batchId: rt.id, batch: rt.record, workDir: this.workDir(rt.id) });
    } catch (e) {
      this.transition(rt, 'dead', `spark-submit could not be launched: ${(e as Error).message}`);
      return;
    }
    // Client mode: the application runs as soon as spark-submit does.
    this.follow(rt, proc, 'spark-submit started');
  }

  /** Its output, what it says of the application, then its end; `running` meanwhile. */
  private follow(rt: BatchRuntime, proc: BatchProcess, why: string): void {
    rt.proc = proc;
    rt.record.pid = proc.pid ?? null;
    proc.onOutput((_stream, line) => {
      rt.log.push('stdout', line); // cut there if it runs away
      // Stored now and then while it runs, so a server crash doesn't take the whole log along;
      // the launcher then knows where a later server's reading should start.
      rt.logFlush ??= this.d.clock.setTimeout(() => {
        rt.logFlush = undefined;
        rt.record.logTail = rt.log.lines();
        this.reg.persist(rt);
        proc.logStored?.();
      }, LOG_FLUSH_MS);
    });
    proc.onAppInfo((info) => this.onAppInfo(rt, info));
    if (rt.record.state === 'running') this.reg.persist(rt);
    else this.transition(rt, 'running', why);
    proc.onExit((code, signal) => this.onExit(rt, code, signal));
  }

  private onAppInfo(rt: BatchRuntime, info: AppInfoUpdate): void {
    let changed = false;
    if (info.appId && info.appId !== rt.record.appId) {
      rt.record.appId = info.appId;
      changed = true;
    }
    if (info.sparkUiUrl && info.sparkUiUrl !== rt.record.sparkUiUrl) {
      rt.record.sparkUiUrl = info.sparkUiUrl;
      changed = true;
    }
    if (info.driverLogUrl && info.driverLogUrl !== rt.record.driverLogUrl) {
      rt.record.driverLogUrl = info.driverLogUrl;
      changed = true;
    }
    if (changed) this.reg.persist(rt);
  }

  /** The exit decides, once: a kill we asked for, success on 0, dead otherwise. */
  private onExit(rt: BatchRuntime, code: number | null, signal: string | null): void {
    if (!this.reg.is(rt, 'active')) return;
    rt.record.exitCode = code;
    if (rt.killedAs) return this.transition(rt, rt.killedAs.state, rt.killedAs.reason);
    // A cluster-mode application's end, as its cluster manager tells it (a kill nobody here asked for is killed, as in Livy).
    const told = rt.proc?.endReason;
    if (told) return this.transition(rt, code === 0 ? 'success' : signal ? 'killed' : 'dead', told);
    if (code === 0) return this.transition(rt, 'success', 'spark-submit exited with code 0');
    if (code === null && signal === null) return this.transition(rt, 'dead', rt.adopted ? UNWATCHED : 'spark-submit ended, and how is not known');
    this.transition(rt, 'dead', signal ? `spark-submit was killed by ${signal}` : `spark-submit exited with code ${code}`);
  }

  private workDir(id: number): string {
    return path.join(this.d.config.dataDir, 'batches', String(id));
  }
}
