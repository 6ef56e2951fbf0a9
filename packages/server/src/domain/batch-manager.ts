/**
 * Batches: one spark-submit run each, from create to its exit or a kill. Knows nothing of HTTP.
 *
 * Lookup, names, limits, state changes, forgetting and recovery are the registry's (shared
 * with sessions); what is batch-only is here: launching, watching and killing spark-submit.
 * A batch row is written before its spark-submit is launched, and batches that were running
 * when the server stopped are dead on the next start: nothing watched them.
 */
import path from 'node:path';
import { batchMachine, type BatchState, type CreateBatchRequest } from '@sparkport/protocol';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import { BatchRuntime } from './batch-runtime.ts';
import { DomainError } from './errors.ts';
import type { BatchBusEvent, EventBus } from './event-bus.ts';
import type { AppInfoUpdate, BatchLauncher, BatchProcess } from './ports/batch-launcher.ts';
import type { Store } from './ports/store.ts';
import type { BatchRecord } from './records.ts';
import { Registry, type FlagOf, type RecordStore } from './registry.ts';
import { validateBatchRequest } from './validate-batch.ts';

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

/** A line longer than this is cut: one runaway print must not fill the server's memory. */
const MAX_LINE_CHARS = 16 * 1024;
/** After SIGKILL, how long to wait for the exit before recording the outcome anyway. */
const AFTER_SIGKILL_MS = 5000;
/** A running batch's output reaches the store this long after it was printed, at the latest. */
export const LOG_FLUSH_MS = 5000;

const batchRows = (store: Store): RecordStore<BatchRecord> => ({
  nextId: () => store.nextBatchId(),
  insert: (r) => store.insertBatch(r),
  update: (r) => store.updateBatch(r),
  list: () => store.listBatches(),
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
    });
  }

  /** Batches still running when the server last stopped lost their watcher with it. */
  recover(): void {
    for (const rt of this.reg.recover()) {
      if (!this.reg.is(rt, 'active')) continue;
      if (rt.record.pid !== null) this.d.launcher.reap(rt.record.pid, this.workDir(rt.id));
      this.reg.transition(rt, 'dead', 'server restarted');
    }
  }

  create(req: CreateBatchRequest, owner: string | null = null): BatchRecord {
    const { config, clock } = this.d;
    const spec = validateBatchRequest(req, config);
    this.reg.checkNameFree(spec.name);
    const active = this.reg.count('active');
    if (active >= config.batches.max) {
      throw new DomainError(
        'TOO_MANY_BATCHES',
        `Rejected, too many batches: ${active} of ${config.batches.max} are running. Wait for one to end, delete one, or raise batches.max`,
        30,
      );
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
    rt.proc = proc;
    rt.record.pid = proc.pid ?? null;
    proc.onOutput((_stream, line) => {
      rt.log.push('stdout', line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS)}… [${line.length - MAX_LINE_CHARS} more characters]` : line);
      // Stored now and then while it runs, so a server crash doesn't take the whole log along.
      rt.logFlush ??= this.d.clock.setTimeout(() => {
        rt.logFlush = undefined;
        rt.record.logTail = rt.log.lines();
        this.reg.persist(rt);
      }, LOG_FLUSH_MS);
    });
    proc.onAppInfo((info) => this.onAppInfo(rt, info));
    // Client mode: the application runs as soon as spark-submit does.
    this.transition(rt, 'running', 'spark-submit started');
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
    if (changed) this.reg.persist(rt);
  }

  /** The exit decides, once: a kill we asked for, success on 0, dead otherwise. */
  private onExit(rt: BatchRuntime, code: number | null, signal: string | null): void {
    if (!this.reg.is(rt, 'active')) return;
    rt.record.exitCode = code;
    if (rt.killedAs) return this.transition(rt, rt.killedAs.state, rt.killedAs.reason);
    if (code === 0) return this.transition(rt, 'success', 'spark-submit exited with code 0');
    this.transition(rt, 'dead', signal ? `spark-submit was killed by ${signal}` : `spark-submit exited with code ${code}`);
  }

  private workDir(id: number): string {
    return path.join(this.d.config.dataDir, 'batches', String(id));
  }
}
