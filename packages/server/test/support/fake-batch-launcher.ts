/**
 * A batch launcher whose "spark-submit" is a script the test drives: print lines, report the
 * application, exit with a code, or shrug off SIGTERM the way a stuck JVM does. Each launch
 * records the command line the local launcher would have run, so tests can read it. Processes
 * that outlive their server are put in FakeBatchLauncher.survivors, by work directory, for the
 * next server's launcher to adopt.
 */
import type { Config } from '../../src/config.ts';
import type { AppInfoUpdate, BatchLaunchSpec, BatchLauncher, BatchProcess } from '../../src/domain/ports/batch-launcher.ts';
import { buildBatchSubmitArgs } from '../../src/driver/batch-submit-args.ts';

export interface FakeLaunch extends BatchLaunchSpec { submitArgs: string[] }

let nextPid = 70_000;

export class FakeBatchProcess implements BatchProcess {
  readonly pid = nextPid++;
  exited = false;
  exitCode: number | null = null;
  exitSignal: string | null = null;
  signals: NodeJS.Signals[] = [];
  /** When true, SIGTERM is ignored and only SIGKILL ends the process. */
  ignoreTerm = false;
  /** Exit code a SIGTERM produces (a JVM's shutdown hook exits 143). */
  termExitCode = 143;
  private outCbs: ((s: 'stdout' | 'stderr', l: string) => void)[] = [];
  private exitCbs: ((c: number | null, s: string | null) => void)[] = [];
  private infoCbs: ((i: AppInfoUpdate) => void)[] = [];

  /** Told where the owner's stored log ends. */
  logStoredCalls = 0;

  constructor(readonly spec: FakeLaunch) {}

  logStored(): void { this.logStoredCalls++; }

  onOutput(cb: (s: 'stdout' | 'stderr', l: string) => void): void { this.outCbs.push(cb); }
  onExit(cb: (c: number | null, s: string | null) => void): void {
    if (this.exited) cb(this.exitCode, this.exitSignal);
    else this.exitCbs.push(cb);
  }
  onAppInfo(cb: (i: AppInfoUpdate) => void): void { this.infoCbs.push(cb); }

  kill(signal: NodeJS.Signals): void {
    this.signals.push(signal);
    if (signal === 'SIGTERM' && this.ignoreTerm) return;
    if (signal === 'SIGKILL') this.exit(null, 'SIGKILL');
    else this.exit(this.termExitCode);
  }

  print(line: string, stream: 'stdout' | 'stderr' = 'stdout'): void { this.outCbs.forEach((cb) => cb(stream, line)); }
  appInfo(info: AppInfoUpdate): void { this.infoCbs.forEach((cb) => cb(info)); }

  exit(code: number | null, signal: string | null = null): void {
    if (this.exited) return;
    this.exited = true;
    this.exitCode = code;
    this.exitSignal = signal;
    this.exitCbs.forEach((cb) => cb(code, signal));
  }
}

export class FakeBatchLauncher implements BatchLauncher {
  launched: FakeLaunch[] = [];
  procs: FakeBatchProcess[] = [];
  adopted: { batchId: number; workDir: string }[] = [];
  /** Processes still there for the next server, by work directory: a test puts one for each survivor. */
  static survivors = new Map<string, FakeBatchProcess>();
  /** Set to make the next launches throw, as a missing spark-submit does. */
  failWith?: string;

  constructor(private readonly config: Config) {}

  launch(spec: BatchLaunchSpec): BatchProcess {
    if (this.failWith) throw new Error(this.failWith);
    const launch = { ...spec, submitArgs: buildBatchSubmitArgs(spec.batch, spec.batchId, this.config, spec.workDir) };
    this.launched.push(launch);
    const p = new FakeBatchProcess(launch);
    this.procs.push(p);
    return p;
  }

  adopt(batchId: number, workDir: string): BatchProcess | null {
    this.adopted.push({ batchId, workDir });
    const p = FakeBatchLauncher.survivors.get(workDir) ?? null;
    FakeBatchLauncher.survivors.delete(workDir);
    if (p) this.procs.push(p);
    return p;
  }

  last(): FakeBatchProcess {
    const p = this.procs.at(-1);
    if (!p) throw new Error('nothing launched');
    return p;
  }
}
