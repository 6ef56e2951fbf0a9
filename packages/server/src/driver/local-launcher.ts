/**
 * Spawns `python -m sparkport_driver`. PySpark starts the driver JVM itself from
 * PYSPARK_SUBMIT_ARGS, so master, memory, jars and conf all travel through spark-submit's own
 * flags. The driver's stdin is ignored: the protocol runs over TCP (PROTOCOL.md §1).
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { ExitLatch } from './exit-latch.ts';
import type { DriverProcess, LaunchSpec, Launcher } from './launcher.ts';
import { replClassDir } from './scala-support.ts';

export function shellQuote(arg: string): string {
  return /^[\w@%+=:,./[\]*-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

export class LocalLauncher implements Launcher {
  constructor(private readonly python: string, private readonly driverPackageDir: string) {}

  launch(spec: LaunchSpec): DriverProcess {
    mkdirSync(replClassDir(spec.workDir), { recursive: true });
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...spec.env,
      PYTHONPATH: [this.driverPackageDir, process.env.PYTHONPATH].filter(Boolean).join(':'),
      PYTHONUNBUFFERED: '1',
      PYSPARK_PYTHON: process.env.PYSPARK_PYTHON ?? this.python,
      PYSPARK_SUBMIT_ARGS: [...spec.submitArgs, 'pyspark-shell'].map(shellQuote).join(' '),
      MPLBACKEND: 'Agg',
      SPARKPORT_CONNECT: spec.connect,
      SPARKPORT_TOKEN: spec.token,
      SPARKPORT_SESSION_ID: String(spec.sessionId),
    };
    // Never inherit the server's own settings: they could carry secrets into user code.
    for (const k of Object.keys(env)) {
      if (k.startsWith('SPARKPORT_') && !['SPARKPORT_CONNECT', 'SPARKPORT_TOKEN', 'SPARKPORT_SESSION_ID'].includes(k)) delete env[k];
    }
    const child = spawn(this.python, ['-m', 'sparkport_driver'], {
      cwd: spec.workDir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: a Ctrl-C meant for the server must not interrupt user code. The
      // driver still exits when the server goes, because its connection drops.
      detached: true,
    });
    const exit = new ExitLatch();
    child.on('exit', exit.fire);
    child.on('error', (e) => {
      outputCbs.forEach((cb) => cb('stderr', `failed to start driver: ${e.message}`));
      exit.fire(127, null);
    });
    const outputCbs: ((stream: 'stdout' | 'stderr', line: string) => void)[] = [];
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
