/**
 * The launcher port: how a session's driver process comes to exist. The local adapter spawns
 * the Python driver as a child (Spark client mode against any master: local, standalone, YARN,
 * Kubernetes). Other adapters only need to produce a DriverProcess.
 */
export interface LaunchSpec {
  sessionId: number;
  /** Where the driver must call back, and the one-time token it must present. */
  connect: string;
  token: string;
  /** spark-submit style arguments (master, memory, --conf …). */
  submitArgs: string[];
  workDir: string;
  env?: Record<string, string>;
}

export interface DriverProcess {
  readonly pid: number | undefined;
  /** Each line the process writes to stdout or stderr. */
  onOutput(cb: (stream: 'stdout' | 'stderr', line: string) => void): void;
  onExit(cb: (code: number | null, signal: string | null) => void): void;
  kill(signal: NodeJS.Signals): void;
  readonly exited: boolean;
}

export interface Launcher {
  launch(spec: LaunchSpec): DriverProcess;
}
