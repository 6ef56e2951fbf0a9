/**
 * A cluster-mode application, watched like a local process: spark-submit's output until it has
 * submitted, then the cluster manager's reports, polled every cluster.pollMs, until the
 * application ends. Its end is an exit: 0 for success, 1 for failure, SIGTERM for a kill, and
 * neither when the cluster manager no longer knows it. A kill goes to the cluster manager once the
 * submission id is known (to spark-submit before that).
 *
 * The submission id is written to the run directory as soon as spark-submit prints it, so a
 * restarted server finds the application again (adopt) and follows it from its cluster manager,
 * whatever became of spark-submit.
 */
import type { AppInfoUpdate, BatchProcess } from '../../domain/ports/batch-launcher.ts';
import type { DetachedProcess } from '../detached-process.ts';
import { ExitLatch } from '../exit-latch.ts';
import type { RunFiles } from '../run-files.ts';
import { isFinalPhase, type AppReport, type ClusterManager } from './cluster-manager.ts';

type Stream = 'stdout' | 'stderr';

export interface ClusterAppOptions {
  pollMs: number;
  /** The master the application was submitted to, recorded with its id. */
  master: string;
}

export class ClusterApp implements BatchProcess {
  private readonly latch = new ExitLatch();
  private readonly outputCbs: ((stream: Stream, line: string) => void)[] = [];
  private readonly infoCbs: ((info: AppInfoUpdate) => void)[] = [];
  private id: string | null;
  private timer?: NodeJS.Timeout;
  private lastState?: string;
  private unreachable = false;
  /** A kill was asked for: it is sent again with every report until the application has ended. */
  private killWanted = false;
  private killRefusal?: string;
  /** A report is being asked for: one at a time, whatever schedules the next. */
  private polling = false;
  private why?: string;

  constructor(
    private readonly manager: ClusterManager,
    private readonly run: RunFiles,
    private readonly submit: DetachedProcess | null,
    private readonly opts: ClusterAppOptions,
    knownId: string | null = null,
  ) {
    this.id = knownId;
    // An id the server chose itself (a Kubernetes pod) is known before spark-submit says anything.
    if (knownId && submit) this.run.writeApp({ id: knownId, master: opts.master });
    if (submit) {
      submit.onOutput((stream, line) => {
        this.emit(stream, line);
        if (this.id) return;
        const id = manager.submissionIn(line);
        if (id) this.submitted(id);
      });
      submit.onExit((code, signal) => this.submitExited(code, signal));
    }
    // Callbacks are registered by the caller first; a known id is polled from the next tick.
    if (knownId && !submit) setImmediate(() => this.poll());
  }

  /** spark-submit's pid while it runs; the application itself has none here. */
  get pid(): number | undefined { return this.submit && !this.submit.exited ? this.submit.pid : undefined; }

  get exited(): boolean { return this.latch.exited; }

  /** Why it ended, in the cluster manager's words; undefined while it runs. */
  get endReason(): string | undefined { return this.why; }

  onOutput(cb: (stream: Stream, line: string) => void): void { this.outputCbs.push(cb); }

  onExit(cb: (code: number | null, signal: string | null) => void): void { this.latch.on(cb); }

  onAppInfo(cb: (info: AppInfoUpdate) => void): void { this.infoCbs.push(cb); }

  logStored(): void { this.submit?.logStored(); }

  kill(signal: NodeJS.Signals): void {
    if (this.exited) return;
    if (!this.id) {
      this.submit?.kill(signal);
      return;
    }
    const first = !this.killWanted;
    this.killWanted = true;
    if (first) this.sendKill();
    // The kill shows in the next report; poll now rather than a period later.
    this.schedule(500);
  }

  private sendKill(): void {
    const id = this.id!;
    this.manager.kill(id).then(
      () => this.emit('stderr', `asked ${this.manager.name} to kill ${id}`),
      (e: Error) => {
        // Said once; tried again with each report, until the application ends.
        if (this.killRefusal !== e.message) this.emit('stderr', `could not kill ${id} through ${this.manager.name}: ${e.message}`);
        this.killRefusal = e.message;
      },
    );
  }

  private get pollMs(): number { return Math.max(this.opts.pollMs, this.manager.minPollMs ?? 0); }

  private emit(stream: Stream, line: string): void { this.outputCbs.forEach((cb) => cb(stream, line)); }

  private submitted(id: string): void {
    this.id = id;
    this.run.writeApp({ id, master: this.opts.master });
    this.infoCbs.forEach((cb) => cb({ appId: id }));
  }

  private submitExited(code: number | null, signal: string | null): void {
    if (this.id) return this.schedule(0);
    // It ended before naming a submission: the submission itself failed (or was killed).
    this.why = signal ? `spark-submit was killed by ${signal} before it submitted the application` : `spark-submit exited with code ${code} without submitting the application`;
    this.finish(code, signal);
  }

  private schedule(ms: number): void {
    if (this.exited) return;
    clearTimeout(this.timer);
    // A poll in flight schedules the next itself when it is done.
    this.timer = setTimeout(() => (this.polling ? this.schedule(ms) : void this.poll()), ms);
    this.timer.unref();
  }

  private async poll(): Promise<void> {
    if (this.exited || !this.id || this.polling) return;
    this.polling = true;
    try {
      await this.pollOnce();
    } finally {
      this.polling = false;
    }
  }

  private async pollOnce(): Promise<void> {
    let report: AppReport;
    try {
      report = await this.manager.report(this.id!);
    } catch (e) {
      if (this.exited) return;
      if (!this.unreachable) this.emit('stderr', `cannot ask ${this.manager.name} about ${this.id}: ${(e as Error).message}; trying again every ${this.pollMs} ms`);
      this.unreachable = true;
      return this.schedule(this.pollMs);
    }
    if (this.exited) return;
    if (this.unreachable) this.emit('stderr', `${this.manager.name} answers again`);
    this.unreachable = false;
    if (report.state !== this.lastState) {
      this.lastState = report.state;
      this.emit('stderr', `${this.id} is ${report.state} on ${this.manager.name}`);
      const info: AppInfoUpdate = {};
      if (report.appId) info.appId = report.appId;
      if (report.sparkUiUrl) info.sparkUiUrl = report.sparkUiUrl;
      if (report.driverLogUrl) info.driverLogUrl = report.driverLogUrl;
      if (Object.keys(info).length) this.infoCbs.forEach((cb) => cb(info));
    }
    if (!isFinalPhase(report.phase)) {
      if (this.killWanted) this.sendKill();
      return this.schedule(this.pollMs);
    }
    await this.end(report);
  }

  private async end(report: AppReport): Promise<void> {
    const where = `${this.id} ended ${report.state} on ${this.manager.name}`;
    this.why = report.diagnostics ? `${where}: ${report.diagnostics}` : where;
    if (report.phase === 'failed') {
      // The driver's last words (a Python traceback, "cannot connect to …") are on the cluster.
      const tail = await this.manager.driverLogTail(this.id!, report);
      if (this.exited) return;
      for (const line of tail) this.emit('stderr', line);
    }
    if (report.phase === 'succeeded') this.finish(0, null);
    else if (report.phase === 'failed') this.finish(1, null);
    else if (report.phase === 'killed') this.finish(null, 'SIGTERM');
    else this.finish(null, null);
  }

  private finish(code: number | null, signal: string | null): void {
    clearTimeout(this.timer);
    this.latch.fire(code, signal);
    // After the owner's exit callbacks, which store the end: no later server needs the id.
    setImmediate(() => this.run.forgetApp());
  }
}

/**
 * The application an earlier server submitted, found by the id recorded in its run files, or
 * while it had not yet been named, the spark-submit that was submitting it; null when neither
 * was recorded.
 */
export function adoptClusterApp(manager: ClusterManager, run: RunFiles, adoptSubmit: () => DetachedProcess | null, pollMs: number): ClusterApp | null {
  const app = run.readApp();
  if (app) return new ClusterApp(manager, run, null, { pollMs, master: app.master }, app.id);
  const submit = adoptSubmit();
  return submit && new ClusterApp(manager, run, submit, { pollMs, master: '' });
}
