/**
 * Runs a batch as `spark-submit … <file> <args>` in client mode, from the configured Spark home
 * (by default the venv's pyspark, whose bin/spark-submit is the real script). The command line
 * is built here from the batch's request, so another adapter is free to submit differently. spark-submit
 * exec()s into the JVM, which starts the Python process for .py files; all of them share the
 * process group of the launch wrapper, so a kill reaches every one.
 *
 * The batch outlives the server (detached-process.ts): stdout and stderr go, in the order
 * written, to output.log in the batch's directory, where Livy's batch log shows them as one, and
 * a restarted server adopts the batch, reading its output on from where the log was last stored.
 */
import path from 'node:path';
import type { Config } from '../config.ts';
import type { AppInfoUpdate, BatchLaunchSpec, BatchLauncher, BatchProcess } from '../domain/ports/batch-launcher.ts';
import { lookupAppId, parseAppLine, uiUrl } from './app-info.ts';
import { ensurePrivateDir } from '../private-files.ts';
import { buildBatchSubmitArgs } from './batch-submit-args.ts';
import { cleanEnv } from './clean-env.ts';
import { adoptDetached, spawnDetached, type DetachedProcess } from './detached-process.ts';
import { isLocalMaster, placementOf } from '../domain/placement.ts';
import { presetSubmissionId } from './cluster/cluster-conf.ts';
import { launchCommand } from './sandbox.ts';
import type { BatchSpec } from '../domain/records.ts';
import { adoptClusterApp, ClusterApp } from './cluster/cluster-app.ts';
import { clusterManagerFor } from './cluster/cluster-manager.ts';
import { RunFiles } from './run-files.ts';
import { sparkHomeOf, sparkSubmitOf } from './spark-home.ts';

/** Where a batch's spark-submit is recorded, in the server's run directory. */
export function batchRunFiles(cfg: Config, batchId: number): RunFiles {
  return RunFiles.of(cfg.dataDir, `batch-${batchId}`);
}

/** spark-submit's stdout and stderr together, as written. */
export function batchLogFile(workDir: string): string {
  return path.join(workDir, 'output.log');
}

export { venvSparkHome } from './spark-home.ts';

/** spark-submit's output, watched for what it says about the application. */
function withAppInfo(proc: DetachedProcess): BatchProcess {
  const infoCbs: ((info: AppInfoUpdate) => void)[] = [];
  const info = (update: AppInfoUpdate) => infoCbs.forEach((cb) => cb(update));
  let uiHost: string | undefined;
  let appId: string | undefined;
  proc.onOutput((_stream, line) => {
    const p = parseAppLine(line);
    if (p.uiHost) uiHost = p.uiHost;
    if (p.appId && !appId) {
      appId = p.appId;
      info({ appId });
    }
    const ui = p.sparkUiUrl ?? (p.uiPort ? uiUrl(uiHost, p.uiPort) : undefined);
    if (ui) {
      info({ sparkUiUrl: ui });
      if (!appId) {
        void lookupAppId(ui).then((id) => {
          if (id && !appId && !proc.exited) {
            appId = id;
            info({ appId });
          }
        });
      }
    }
  });
  return {
    get pid() { return proc.pid; },
    get exited() { return proc.exited; },
    onOutput: (cb) => proc.onOutput(cb),
    onExit: (cb) => proc.onExit(cb),
    onAppInfo: (cb) => infoCbs.push(cb),
    kill: (signal) => proc.kill(signal),
    logStored: () => proc.logStored(),
  };
}

export class LocalBatchLauncher implements BatchLauncher {
  private readonly python: string;

  constructor(
    private readonly config: Config,
    private readonly sparkHome: string | null = sparkHomeOf(config),
  ) {
    this.python = config.spark.python;
  }

  launch(spec: BatchLaunchSpec): BatchProcess {
    const { home, sparkSubmit } = sparkSubmitOf(this.sparkHome);
    const placement = placementOf(spec.batch, this.config);
    ensurePrivateDir(spec.workDir);
    // The allowed part of the server's environment only (clean-env.ts): the job is user code.
    const env: NodeJS.ProcessEnv = {
      ...cleanEnv(this.config),
      SPARK_HOME: home,
      PYSPARK_PYTHON: process.env.PYSPARK_PYTHON ?? this.python,
      // The driver-side Python must import the pyspark that matches this JVM, whatever the
      // server's own environment says (PYSPARK_DRIVER_PYTHON=jupyter is common).
      PYSPARK_DRIVER_PYTHON: this.python,
      PYTHONUNBUFFERED: '1',
      // Loopback for a local master; on a cluster, executors elsewhere must reach a client-mode
      // driver, so the host's own SPARK_LOCAL_IP (cleanEnv passes SPARK_*) or Spark's pick stands.
      ...(isLocalMaster(placement.master) ? { SPARK_LOCAL_IP: process.env.SPARK_LOCAL_IP ?? '127.0.0.1' } : {}),
    };
    const run = batchRunFiles(this.config, spec.batchId);
    // The batch's code (client mode) or the jars spark-submit loads (cluster mode) run sandboxed,
    // as sessions' drivers do: the data directory but the batch's own work directory out of sight.
    const args = buildBatchSubmitArgs(spec.batch, spec.batchId, this.config, spec.workDir);
    const cmd = launchCommand(this.config, spec.workDir, sparkSubmit, args);
    const proc = spawnDetached({
      name: 'spark-submit',
      command: cmd.command,
      args: cmd.args,
      cwd: spec.workDir,
      env,
      run,
      stdout: batchLogFile(spec.workDir),
      maxLogBytes: this.config.logs.maxBytes,
    });
    // Cluster mode: spark-submit only submits; the application is followed through its cluster manager.
    if (placement.deployMode === 'cluster') {
      return new ClusterApp(clusterManagerFor(placement, this.config), run, proc, { pollMs: this.config.cluster.pollMs, master: placement.master },
        presetSubmissionId(placement, this.config, 'batch', spec.batchId));
    }
    return withAppInfo(proc);
  }

  /**
   * Found by the batch's id in the run directory, whose record names the log file (in the batch's
   * directory, as launched): running or ended since, or null if nothing was recorded.
   */
  adopt(batchId: number, _workDir: string, batch?: BatchSpec): BatchProcess | null {
    const run = batchRunFiles(this.config, batchId);
    const submit = () => adoptDetached(run, { name: 'spark-submit', maxLogBytes: this.config.logs.maxBytes, replayLines: this.config.batches.logLines });
    const placement = batch && placementOf(batch, this.config);
    if (placement?.deployMode === 'cluster') {
      return adoptClusterApp(clusterManagerFor(placement, this.config), run, submit, this.config.cluster.pollMs);
    }
    const proc = submit();
    return proc && withAppInfo(proc);
  }
}
