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
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.ts';
import type { AppInfoUpdate, BatchLaunchSpec, BatchLauncher, BatchProcess } from '../domain/ports/batch-launcher.ts';
import { lookupAppId, parseAppLine, uiUrl } from './app-info.ts';
import { ensurePrivateDir } from '../private-files.ts';
import { buildBatchSubmitArgs } from './batch-submit-args.ts';
import { cleanEnv } from './clean-env.ts';
import { adoptDetached, spawnDetached, type DetachedProcess } from './detached-process.ts';
import { RunFiles } from './run-files.ts';

/** Where a batch's spark-submit is recorded, in the server's run directory. */
export function batchRunFiles(cfg: Config, batchId: number): RunFiles {
  return RunFiles.of(cfg.dataDir, `batch-${batchId}`);
}

/** spark-submit's stdout and stderr together, as written. */
export function batchLogFile(workDir: string): string {
  return path.join(workDir, 'output.log');
}

/** The pyspark package directory of a venv's python: it is a complete SPARK_HOME. */
export function venvSparkHome(python: string): string | null {
  const lib = path.join(path.dirname(path.dirname(python)), 'lib');
  if (!existsSync(lib)) return null;
  for (const py of readdirSync(lib)) {
    const home = path.join(lib, py, 'site-packages', 'pyspark');
    if (existsSync(path.join(home, 'bin', 'spark-submit'))) return home;
  }
  return null;
}

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
    private readonly sparkHome: string | null = config.batches.sparkHome ?? venvSparkHome(config.spark.python),
  ) {
    this.python = config.spark.python;
  }

  launch(spec: BatchLaunchSpec): BatchProcess {
    const home = this.sparkHome;
    const sparkSubmit = home ? path.join(home, 'bin', 'spark-submit') : '';
    if (!home || !existsSync(sparkSubmit)) {
      throw new Error(`spark-submit not found${home ? ` at ${sparkSubmit}` : ''}: install pyspark in the venv (npm run setup) or set batches.sparkHome`);
    }
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
      SPARK_LOCAL_IP: process.env.SPARK_LOCAL_IP ?? '127.0.0.1',
    };
    return withAppInfo(spawnDetached({
      name: 'spark-submit',
      command: sparkSubmit,
      args: buildBatchSubmitArgs(spec.batch, spec.batchId, this.config, spec.workDir),
      cwd: spec.workDir,
      env,
      run: batchRunFiles(this.config, spec.batchId),
      stdout: batchLogFile(spec.workDir),
      maxLogBytes: this.config.logs.maxBytes,
    }));
  }

  /**
   * Found by the batch's id in the run directory, whose record names the log file (in the batch's
   * directory, as launched): running or ended since, or null if nothing was recorded.
   */
  adopt(batchId: number, _workDir: string): BatchProcess | null {
    const proc = adoptDetached(batchRunFiles(this.config, batchId), {
      name: 'spark-submit',
      maxLogBytes: this.config.logs.maxBytes,
      replayLines: this.config.batches.logLines,
    });
    return proc && withAppInfo(proc);
  }
}
