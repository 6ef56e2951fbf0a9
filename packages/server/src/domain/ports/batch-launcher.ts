/**
 * The batch launcher port: how a batch's spark-submit comes to exist. The domain hands over
 * the checked request and the batch's directory; turning that into a command line is the
 * adapter's business. The local adapter runs spark-submit as a child in client mode
 * (driver/local-batch-launcher.ts); a cluster adapter (a YARN or Kubernetes submission watched
 * from outside) only has to produce a BatchProcess.
 */
import type { BatchSpec } from '../records.ts';
import type { DriverProcess } from './launcher.ts';

export interface BatchLaunchSpec {
  batchId: number;
  /** What the batch asked for, checked and with defaults filled in. */
  batch: BatchSpec;
  /** The batch's own directory: spark-submit's cwd. */
  workDir: string;
}

/** What the launcher learnt about the Spark application; either may come first, or never. */
export interface AppInfoUpdate {
  appId?: string;
  sparkUiUrl?: string;
}

/** spark-submit, watched like a driver, plus what it says about the application. */
export interface BatchProcess extends DriverProcess {
  onAppInfo(cb: (info: AppInfoUpdate) => void): void;
}

export interface BatchLauncher {
  launch(spec: BatchLaunchSpec): BatchProcess;
  /**
   * A batch process left over from before a server restart, if it still runs: stop it, since
   * nobody is watching it any more. Best effort.
   */
  reap(pid: number, workDir: string): void;
}
