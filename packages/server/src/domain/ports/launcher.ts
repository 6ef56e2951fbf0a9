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

/** What the launcher learnt about the Spark application; any may come first, or never. */
export interface AppInfoUpdate {
  appId?: string;
  sparkUiUrl?: string;
  /** Where the cluster manager serves the driver's log. */
  driverLogUrl?: string;
}

/**
 * A driver (or spark-submit) on this machine, or an application in a cluster followed through
 * its cluster manager (cluster deploy mode): either way it has output, an end, and a kill.
 */
export interface DriverProcess {
  readonly pid: number | undefined;
  /** What the launcher learns about the application (a cluster's id, UI and log pages); optional. */
  onAppInfo?(cb: (info: AppInfoUpdate) => void): void;
  /** Once it has ended: why, in the words of whoever knows (a cluster manager), when more than an exit status says it. */
  readonly endReason?: string;
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
  /** Stops every driver an earlier server started for a session id not in `keep` (a warm driver never taken). */
  reap?(keep: Set<number>): void;
}
