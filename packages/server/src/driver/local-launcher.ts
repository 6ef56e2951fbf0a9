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
 *
 * The driver outlives the server (detached-process.ts): its output goes to stdout.log and
 * stderr.log in the work directory, and a restarted server adopts it (adopt) and writes its new
 * address to driver.connect (connect-file.ts), where the driver looks when it calls again.
 */
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.ts';
import type { DriverProcess, SessionLaunch, SessionLauncher } from '../domain/ports/launcher.ts';
import type { SessionRecord } from '../domain/records.ts';
import { ensurePrivateDir, writePrivateFile } from '../private-files.ts';
import { cleanEnv } from './clean-env.ts';
import { driverTls } from './driver-tls.ts';
import { connectFile, writeConnectFile } from './connect-file.ts';
import { adoptDetached, recordedRunning, spawnDetached } from './detached-process.ts';
import { RunFiles } from './run-files.ts';
import { launchCommand } from './sandbox.ts';
import { replClassDir, withScalaSupport } from './scala-support.ts';
import { isLocalMaster, placementOf } from '../domain/placement.ts';
import { buildSubmitArgs } from './submit-args.ts';

export { writeConnectFile } from './connect-file.ts';

export function shellQuote(arg: string): string {
  return /^[\w@%+=:,./[\]*-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * A driver JVM out of heap exits (and its session ends dead, saying so) rather than living on
 * with a broken Python bridge that fails every later statement.
 */
const DRIVER_JVM_OPTIONS = '-XX:+ExitOnOutOfMemoryError';

export function withDriverJvmOptions(args: string[]): string[] {
  const out = [...args];
  const key = 'spark.driver.extraJavaOptions=';
  const i = out.findIndex((a, j) => out[j - 1] === '--conf' && a.startsWith(key));
  if (i >= 0) out[i] = `${out[i]} ${DRIVER_JVM_OPTIONS}`;
  else out.push('--conf', `${key}${DRIVER_JVM_OPTIONS}`);
  return out;
}

/** spark-submit's arguments for a session's driver: its spec, then what Scala and a heap limit need. */
export function sessionSubmitArgs(spec: SessionLaunch, cfg: Config): string[] {
  return withDriverJvmOptions(withScalaSupport(buildSubmitArgs(spec.session, spec.session.id, cfg, spec.workDir), cfg, spec.workDir));
}

/** Where a launch's token waits for its driver. */
export function tokenFile(workDir: string): string {
  return path.join(workDir, 'driver.token');
}

/** Where a session's driver process is recorded, in the server's run directory. */
export function sessionRunFiles(cfg: Config, sessionId: number): RunFiles {
  return RunFiles.of(cfg.dataDir, `session-${sessionId}`);
}

/** The driver's output, in its work directory. */
export function sessionLogFiles(workDir: string): { stdout: string; stderr: string } {
  return { stdout: path.join(workDir, 'stdout.log'), stderr: path.join(workDir, 'stderr.log') };
}

/**
 * The driver's environment: the allowed part of the server's, then the connection it calls back
 * on (and the file with the address of a later server), where its token is, and for a local
 * master a loopback address, so Spark never goes looking for a network interface.
 */
export function sessionEnv(spec: SessionLaunch, cfg: Config, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return {
    ...cleanEnv(cfg, base),
    ...(isLocalMaster(placementOf(spec.session, cfg).master) ? { SPARK_LOCAL_IP: '127.0.0.1' } : {}),
    PYTHONPATH: [cfg.spark.driverPackageDir, base.PYTHONPATH].filter(Boolean).join(':'),
    PYTHONUNBUFFERED: '1',
    PYSPARK_PYTHON: base.PYSPARK_PYTHON ?? cfg.spark.python,
    PYSPARK_SUBMIT_ARGS: [...sessionSubmitArgs(spec, cfg), 'pyspark-shell'].map(shellQuote).join(' '),
    MPLBACKEND: 'Agg',
    SPARKPORT_CONNECT: spec.connect,
    SPARKPORT_CONNECT_FILE: connectFile(spec.workDir),
    SPARKPORT_TOKEN_FILE: tokenFile(spec.workDir),
    SPARKPORT_SESSION_ID: String(spec.session.id),
    // Over TCP (no Unix socket here) to a TLS listener: the certificate to pin.
    ...(!spec.connect.startsWith('unix:') && driverTls(cfg) ? { SPARKPORT_TLS_CERT: driverTls(cfg)!.leafPem } : {}),
  };
}

export class LocalLauncher implements SessionLauncher {
  constructor(private readonly cfg: Config) {}

  launch(spec: SessionLaunch): DriverProcess {
    ensurePrivateDir(spec.workDir);
    mkdirSync(replClassDir(spec.workDir), { recursive: true, mode: 0o700 });
    const token = tokenFile(spec.workDir);
    writePrivateFile(token, spec.token);
    writeConnectFile(spec.workDir, spec.connect);
    const run = launchCommand(this.cfg, spec.workDir, this.cfg.spark.python, ['-m', 'sparkport_driver']);
    const proc = spawnDetached({
      name: 'driver',
      command: run.command,
      args: run.args,
      cwd: spec.workDir,
      env: sessionEnv(spec, this.cfg),
      run: sessionRunFiles(this.cfg, spec.session.id),
      ...sessionLogFiles(spec.workDir),
      maxLogBytes: this.cfg.logs.maxBytes,
    });
    // A driver that died before reading its token leaves the file: it goes with the process.
    proc.onExit(() => rmSync(token, { force: true }));
    return proc;
  }

  /**
   * The driver an earlier server started for this session, if that very process still runs
   * (pid and start time as recorded); null otherwise. Its last lines are delivered again, then
   * what it writes from now on; `connect` goes to its connect file.
   */
  /**
   * Every driver recorded in the run directory for a session id not in `keep`: a warm driver an
   * earlier server started and never handed to a session. Killed, its records removed with it.
   */
  reap(keep: Set<number>): void {
    const dir = path.join(this.cfg.dataDir, 'run');
    const names = existsSync(dir) ? readdirSync(dir) : [];
    for (const f of names) {
      const id = /^session-(\d+)\.json$/.exec(f)?.[1];
      if (id === undefined || keep.has(Number(id))) continue;
      const run = sessionRunFiles(this.cfg, Number(id));
      if (!recordedRunning(run)) {
        run.remove();
        continue;
      }
      adoptDetached(run, { name: 'driver', maxLogBytes: this.cfg.logs.maxBytes, replayLines: 0 })?.kill('SIGKILL');
    }
  }

  adopt(session: SessionRecord, workDir: string, connect?: string): DriverProcess | null {
    const run = sessionRunFiles(this.cfg, session.id);
    if (!recordedRunning(run)) return null;
    if (connect !== undefined) writeConnectFile(workDir, connect);
    const proc = adoptDetached(run, { name: 'driver', maxLogBytes: this.cfg.logs.maxBytes, replayLines: this.cfg.limits.logLines });
    proc?.onExit(() => rmSync(tokenFile(workDir), { force: true }));
    return proc;
  }
}
