/**
 * The launcher port: how a session's driver process comes to exist. The local adapter
 * (driver/local-launcher.ts) spawns the Python driver in Spark client mode against any master;
 * another adapter only has to produce a DriverProcess. Turning the session's spec into
 * spark-submit arguments and environment is the adapter's business: the domain hands over the
 * session as created.
 */
import type { SessionRecord } from '../records.ts';

export interface SessionLaunch {
  session: SessionRecord;
  /** The session's own directory: scratch space, warehouse, compiled Scala classes. */
  workDir: string;
  /** host:port the driver must call back to, and the one-time token it must present. */
  connect: string;
  token: string;
}

export interface DriverProcess {
  readonly pid: number | undefined;
  /** Each line the process writes to stdout or stderr. */
  onOutput(cb: (stream: 'stdout' | 'stderr', line: string) => void): void;
  /** Fires once; a callback added after the exit still hears of it. */
  onExit(cb: (code: number | null, signal: string | null) => void): void;
  kill(signal: NodeJS.Signals): void;
  readonly exited: boolean;
}

export interface SessionLauncher {
  launch(spec: SessionLaunch): DriverProcess;
  /**
   * The driver an earlier server started for this session, if it still runs, told where the
   * server now listens (`connect`, host:port); null when it is gone.
   */
  adopt?(session: SessionRecord, workDir: string, connect: string): DriverProcess | null;
}
