/**
 * Runs a batch as `spark-submit … <file> <args>` in client mode, from the configured Spark home
 * (by default the venv's pyspark, whose bin/spark-submit is the real script). The command line
 * is built here from the batch's request, so another adapter is free to submit differently. spark-submit
 * exec()s into the JVM, which starts the Python process for .py files; the child gets its own
 * process group so a kill reaches both.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readlinkSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Config } from '../config.ts';
import type { AppInfoUpdate, BatchLaunchSpec, BatchLauncher, BatchProcess } from '../domain/ports/batch-launcher.ts';
import { lookupAppId, parseAppLine, uiUrl } from './app-info.ts';
import { ensurePrivateDir } from '../private-files.ts';
import { buildBatchSubmitArgs } from './batch-submit-args.ts';
import { cleanEnv } from './clean-env.ts';
import { ExitLatch } from './exit-latch.ts';

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

function killGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    try {
      process.kill(pid, signal);
      return true;
    } catch {
      return false;
    }
  }
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
    const submitArgs = buildBatchSubmitArgs(spec.batch, spec.batchId, this.config, spec.workDir);
    const child = spawn(sparkSubmit, submitArgs, {
      cwd: spec.workDir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });

    const exit = new ExitLatch();
    const outputCbs: ((stream: 'stdout' | 'stderr', line: string) => void)[] = [];
    const infoCbs: ((info: AppInfoUpdate) => void)[] = [];
    const onExit = exit.fire;
    // 'close' waits for the pipes to drain, so the last lines are in the log before the exit;
    // but a leftover grandchild could hold them open, so the exit counts after a short wait.
    child.on('close', onExit);
    child.on('exit', (code, signal) => { setTimeout(() => onExit(code, signal), 2000).unref(); });
    child.on('error', (e) => {
      outputCbs.forEach((cb) => cb('stderr', `failed to start spark-submit: ${e.message}`));
      onExit(127, null);
    });

    let uiHost: string | undefined;
    let appId: string | undefined;
    const info = (update: AppInfoUpdate) => infoCbs.forEach((cb) => cb(update));
    const watch = (line: string) => {
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
            if (id && !appId && !exit.exited) {
              appId = id;
              info({ appId });
            }
          });
        }
      }
    };
    for (const name of ['stdout', 'stderr'] as const) {
      createInterface({ input: child[name]! }).on('line', (line) => {
        outputCbs.forEach((cb) => cb(name, line));
        watch(line);
      });
    }

    return {
      get pid() { return child.pid; },
      get exited() { return exit.exited; },
      onOutput: (cb) => outputCbs.push(cb),
      onExit: (cb) => exit.on(cb),
      onAppInfo: (cb) => infoCbs.push(cb),
      kill: (signal) => {
        if (!exit.exited && child.pid) killGroup(child.pid, signal);
      },
    };
  }

  reap(pid: number, workDir: string): void {
    let cwd: string;
    try {
      cwd = readlinkSync(`/proc/${pid}/cwd`);
    } catch {
      return; // Gone already (or no /proc to tell): nothing to do.
    }
    let dir = workDir;
    try { dir = realpathSync(workDir); } catch { /* keep as given */ }
    // A pid seen before a restart may now be someone else's: only a process still working in
    // this batch's directory is ours.
    if (cwd !== dir && cwd !== workDir) return;
    killGroup(pid, 'SIGTERM');
    setTimeout(() => killGroup(pid, 'SIGKILL'), 10_000).unref();
  }
}
