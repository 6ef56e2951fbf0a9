/**
 * Batches: one spark-submit run each, from create to its exit or a kill. Knows nothing of HTTP.
 *
 * Every state change goes through `transition`: check the table, stamp time and reason,
 * persist, then emit. A batch row is written before its spark-submit is launched, and batches
 * that were running when the server stopped are dead on the next start: nothing watched them.
 */
import { EventEmitter } from 'node:events';
import path from 'node:path';
import type { BatchState, CreateBatchRequest } from '@sparkport/protocol';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import type { AppInfoUpdate, BatchLauncher, BatchProcess } from '../driver/batch-launcher.ts';
import { buildBatchSubmitArgs } from '../driver/batch-submit-args.ts';
import type { Store } from '../store/store.ts';
import { BatchRuntime } from './batch-runtime.ts';
import { DomainError, conflict, notFound } from './errors.ts';
import type { BatchRecord } from './records.ts';
import { ACTIVE_BATCH_STATES, BATCH_TRANSITIONS, checkTransition } from './state-machine.ts';
import { validateBatchRequest } from './validate-batch.ts';

export interface BatchManagerDeps {
  store: Store;
  clock: Clock;
  config: Config;
  launcher: BatchLauncher;
}

export interface BatchStateEvent { id: number; state: BatchState; reason: string; at: number }

/** A line longer than this is cut: one runaway print must not fill the server's memory. */
const MAX_LINE_CHARS = 16 * 1024;
/** After SIGKILL, how long to wait for the exit before recording the outcome anyway. */
const AFTER_SIGKILL_MS = 5000;
/** A running batch's output reaches the store this long after it was printed, at the latest. */
export const LOG_FLUSH_MS = 5000;

export class BatchManager {
  private runtimes = new Map<number, BatchRuntime>();
  private events = new EventEmitter();

  constructor(private readonly d: BatchManagerDeps) {
    this.events.setMaxListeners(0);
  }

  /** Batches still running when the server last stopped lost their watcher with it. */
  recover(): void {
    for (const rec of this.d.store.listBatches()) {
      const rt = new BatchRuntime(rec, this.d.config.batches.logLines);
      this.runtimes.set(rec.id, rt);
      if (!ACTIVE_BATCH_STATES.includes(rec.state)) continue;
      if (rec.pid !== null) this.d.launcher.reap(rec.pid, this.workDir(rec.id));
      this.transition(rt, 'dead', 'server restarted');
    }
  }

  create(req: CreateBatchRequest, owner: string | null = null): BatchRecord {
    const { config, clock, store } = this.d;
    const spec = validateBatchRequest(req, config.spark.blockedConf, config.batches.allowedDirs);
    if (spec.name !== null && this.findByName(spec.name)) {
      throw conflict(`Duplicate batch name '${spec.name}': choose another name or delete that batch`, 'NAME_TAKEN');
    }
    const active = this.list().filter((r) => ACTIVE_BATCH_STATES.includes(r.record.state)).length;
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
      id: store.nextBatchId(),
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
    store.insertBatch(rec);
    const rt = new BatchRuntime(rec, config.batches.logLines);
    this.runtimes.set(rec.id, rt);
    this.launch(rt);
    return rt.record;
  }

  /** By numeric id or by name. Deleted batches are not found. */
  resolve(idOrName: string | number): BatchRuntime {
    const key = String(idOrName);
    const rt = /^\d+$/.test(key) ? this.runtimes.get(Number(key)) : this.findByName(key);
    if (!rt || rt.record.deleted) throw notFound(`Batch '${key}' not found.`, 'BATCH_NOT_FOUND');
    return rt;
  }

  list(): BatchRuntime[] {
    return [...this.runtimes.values()].filter((r) => !r.record.deleted).sort((a, b) => a.id - b.id);
  }

  /** Kills it if it runs, then forgets it: it is 404 afterwards. */
  async delete(idOrName: string | number): Promise<void> {
    const rt = this.resolve(idOrName);
    await this.stop(rt, 'deleted by user');
    rt.record.deleted = true;
    this.persist(rt);
    this.runtimes.delete(rt.id);
  }

  /**
   * Kills spark-submit (SIGTERM, then SIGKILL after batches.killTimeoutMs) and resolves once
   * it is gone. The batch ends as `as`, whatever exit code the kill produced.
   */
  stop(rt: BatchRuntime, reason: string, as: 'killed' | 'dead' = 'killed'): Promise<void> {
    rt.stopping ??= this.kill(rt, reason, as);
    return rt.stopping;
  }

  async stopAll(reason: string): Promise<void> {
    const live = this.list().filter((rt) => ACTIVE_BATCH_STATES.includes(rt.record.state));
    await Promise.all(live.map((rt) => this.stop(rt, reason, 'dead').catch(() => undefined)));
  }

  onStateChange(cb: (ev: BatchStateEvent) => void): () => void {
    this.events.on('state', cb);
    return () => this.events.off('state', cb);
  }

  private async kill(rt: BatchRuntime, reason: string, as: 'killed' | 'dead'): Promise<void> {
    if (!ACTIVE_BATCH_STATES.includes(rt.record.state)) return;
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
    if (ACTIVE_BATCH_STATES.includes(rt.record.state)) this.transition(rt, as, `${reason} (the process did not exit)`);
  }

  private within(p: Promise<boolean>, ms: number): Promise<boolean> {
    let timer: { cancel(): void } | undefined;
    const timeout = new Promise<boolean>((r) => { timer = this.d.clock.setTimeout(() => r(false), ms); });
    return Promise.race([p, timeout]).finally(() => timer?.cancel());
  }

  private launch(rt: BatchRuntime): void {
    const workDir = this.workDir(rt.id);
    let proc: BatchProcess;
    try {
      proc = this.d.launcher.launch({
        batchId: rt.id,
        submitArgs: buildBatchSubmitArgs(rt.record, rt.id, this.d.config, workDir),
        workDir,
      });
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
        this.persist(rt);
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
    if (changed) this.persist(rt);
  }

  /** The exit decides, once: a kill we asked for, success on 0, dead otherwise. */
  private onExit(rt: BatchRuntime, code: number | null, signal: string | null): void {
    if (!ACTIVE_BATCH_STATES.includes(rt.record.state)) return;
    rt.record.exitCode = code;
    if (rt.killedAs) return this.transition(rt, rt.killedAs.state, rt.killedAs.reason);
    if (code === 0) return this.transition(rt, 'success', 'spark-submit exited with code 0');
    this.transition(rt, 'dead', signal ? `spark-submit was killed by ${signal}` : `spark-submit exited with code ${code}`);
  }

  transition(rt: BatchRuntime, to: BatchState, reason: string): void {
    checkTransition(BATCH_TRANSITIONS, `Batch ${rt.id}`, rt.record.state, to);
    const now = this.d.clock.now();
    rt.record.state = to;
    rt.record.stateReason = reason;
    rt.record.stateChangedAt = now;
    if (!ACTIVE_BATCH_STATES.includes(to)) {
      rt.logFlush?.cancel();
      rt.logFlush = undefined;
      rt.record.pid = null;
      rt.log.push('stdout', `batch ${to}: ${reason}`);
      rt.record.logTail = rt.log.lines();
    }
    this.persist(rt);
    this.events.emit('state', { id: rt.id, state: to, reason, at: now } satisfies BatchStateEvent);
  }

  private persist(rt: BatchRuntime): void {
    this.d.store.updateBatch(rt.record);
  }

  private workDir(id: number): string {
    return path.join(this.d.config.dataDir, 'batches', String(id));
  }

  private findByName(name: string): BatchRuntime | undefined {
    for (const rt of this.runtimes.values()) if (!rt.record.deleted && rt.record.name === name) return rt;
    return undefined;
  }
}
