/**
 * The batch launcher port: how a batch's spark-submit comes to exist. The domain hands over
 * the checked request and the batch's directory; turning that into a command line is the
 * adapter's business. The local adapter runs spark-submit detached in client mode, so it
 * outlives a server restart (driver/local-batch-launcher.ts); a cluster adapter (a YARN or
 * Kubernetes submission watched from outside) only has to produce a BatchProcess.
 */
import type { BatchSpec } from '../records.ts';
import type { AppInfoUpdate, DriverProcess } from './launcher.ts';

export interface BatchLaunchSpec {
  batchId: number;
  /** What the batch asked for, checked and with defaults filled in. */
  batch: BatchSpec;
  /** The batch's own directory: spark-submit's cwd. */
  workDir: string;
}

export type { AppInfoUpdate } from './launcher.ts';

/** spark-submit, watched like a driver, plus what it says about the application. */
export interface BatchProcess extends DriverProcess {
  onAppInfo(cb: (info: AppInfoUpdate) => void): void;
  /**
   * Every line delivered so far is in the store: a server that adopts this batch after a
   * restart delivers output from here on, so nothing is lost or repeated. Optional.
   */
  logStored?(): void;
}

export interface BatchLauncher {
  launch(spec: BatchLaunchSpec): BatchProcess;
  /**
   * The batch's spark-submit as an earlier server left it, after a restart: still running
   * (followed from here on, killed by kill), or ended since, in which case its output since the
   * last logStored() and then its exit are delivered at once (code and signal both null when
   * how it ended is unknown). Null when nothing is known of a process for it.
   */
  adopt(batchId: number, workDir: string, batch?: BatchSpec): BatchProcess | null;
}
