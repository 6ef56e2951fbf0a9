/**
 * Spawns `python -m sparkport_driver`, the adapter of the domain's SessionLauncher port.
 * PySpark starts the driver JVM itself from PYSPARK_SUBMIT_ARGS, so master, memory, jars and
 * conf all travel through spark-submit's own flags, built here from the session's spec. The
 * driver's stdin is ignored: the protocol runs over TCP (PROTOCOL.md §1).
 *
 * The driver starts from a clean environment (clean-env.ts) in a work directory only the
 * server's user can read. Its one-time token is in a file there (mode 600), which the driver
 * reads and deletes before anything else runs: an environment variable would stay readable in
 * /proc/<pid>/environ for the process's whole life, to session code included.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Config } from '../config.ts';
import type { DriverProcess, SessionLaunch, SessionLauncher } from '../domain/ports/launcher.ts';
import { ensurePrivateDir, writePrivateFile } from '../private-files.ts';
import { cleanEnv } from './clean-env.ts';
import { ExitLatch } from './exit-latch.ts';
import { sandboxOn, sandboxed } from './sandbox.ts';
import { replClassDir, withScalaSupport } from './scala-support.ts';
import { buildSubmitArgs, isLocalMaster } from './submit-args.ts';

export function shellQuote(arg: string): string {
  return /^[\w@%+=:,./[\]*-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** spark-submit's arguments for a session's driver: its spec, then what Scala needs. */
export function sessionSubmitArgs(spec: SessionLaunch, cfg: Config): string[] {
  return withScalaSupport(buildSubmitArgs(spec.session, spec.session.id, cfg, spec.workDir), cfg, spec.workDir);
}

/** Where a launch's token waits for its driver. */
export function tokenFile(workDir: string): string {
  return path.join(workDir, 'driver.token');
}

/**
 * The driver's environment: the allowed part of the server's, then the connection it calls back
 * on, where its token is, and for a local master a loopback address, so Spark never goes looking
 * for a network interface.
 */
export function sessionEnv(spec: SessionLaunch, cfg: Config, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return {
    ...cleanEnv(cfg, base),
    ...(isLocalMaster(cfg.spark.master) ? { SPARK_LOCAL_IP: '127.0.0.1' } : {}),
    PYTHONPATH: [cfg.spark.driverPackageDir, base.PYTHONPATH].filter(Boolean).join(':'),
    PYTHONUNBUFFERED: '1',
    PYSPARK_PYTHON: base.PYSPARK_PYTHON ?? cfg.spark.python,
    PYSPARK_SUBMIT_ARGS: [...sessionSubmitArgs(spec, cfg), 'pyspark-shell'].map(shellQuote).join(' '),
    MPLBACKEND: 'Agg',
    SPARKPORT_CONNECT: spec.connect,
    SPARKPORT_TOKEN_FILE: tokenFile(spec.workDir),
    SPARKPORT_SESSION_ID: String(spec.session.id),
  };
}

export class LocalLauncher implements SessionLauncher {
  constructor(private readonly cfg: Config) {}

  launch(spec: SessionLaunch): DriverProcess {
    ensurePrivateDir(spec.workDir);
    mkdirSync(replClassDir(spec.workDir), { recursive: true, mode: 0o700 });
    const token = tokenFile(spec.workDir);
    writePrivateFile(token, spec.token);
    const run = sandboxOn(this.cfg)
      ? sandboxed(this.cfg, spec.workDir, this.cfg.spark.python, ['-m', 'sparkport_driver'])
      : { command: this.cfg.spark.python, args: ['-m', 'sparkport_driver'] };
    const child = spawn(run.command, run.args, {
      cwd: spec.workDir,
      env: sessionEnv(spec, this.cfg),
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: a Ctrl-C meant for the server must not interrupt user code. The
      // driver still exits when the server goes, because its connection drops.
      detached: true,
    });
    const exit = new ExitLatch();
    const outputCbs: ((stream: 'stdout' | 'stderr', line: string) => void)[] = [];
    // A driver that died before reading its token leaves the file: it goes with the process.
    exit.on(() => rmSync(token, { force: true }));
    child.on('exit', exit.fire);
    child.on('error', (e) => {
      outputCbs.forEach((cb) => cb('stderr', `failed to start driver: ${e.message}`));
      exit.fire(127, null);
    });
    for (const name of ['stdout', 'stderr'] as const) {
      createInterface({ input: child[name]! }).on('line', (line) => outputCbs.forEach((cb) => cb(name, line)));
    }
    return {
      get pid() { return child.pid; },
      get exited() { return exit.exited; },
      onOutput: (cb) => outputCbs.push(cb),
      onExit: (cb) => exit.on(cb),
      kill: (signal) => {
        if (!exit.exited) child.kill(signal);
      },
    };
  }
}
