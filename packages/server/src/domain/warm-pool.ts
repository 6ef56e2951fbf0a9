/**
 * Warm drivers (sessions.warmDrivers): session drivers started ahead, with the server's default
 * settings, so that POST /sessions finds one already running. Each is a session in all but name:
 * it has its id (minted when it starts, so its work directory, run files and session token are
 * the session's own), its supervisor and its runtime, but no record in the store or the
 * registry, and it runs no user code. A request the rule below allows takes one, ready or still
 * starting; the pool refills in the background. Warm drivers count against sessions.max (the
 * pool gives way to a session that needs the room) and sessions.maxStarting (they start through
 * the same queue), and stop with the server, whatever shutdown.stopDrivers says.
 *
 * The rule, one place (README, "Warm drivers"): a warm driver serves a request that needs nothing
 * a running driver can't take on. Its master and deploy mode are the server's; it has no
 * proxyUser; no driver or executor memory, cores, executors or queue; no jars, pyFiles, files or
 * archives; and only conf keys Spark applies at runtime (spark.sql.*, less the static ones), which
 * the driver sets before the session is idle (`configure`, PROTOCOL.md). Kind, name, timeouts,
 * heartbeat and preload are the server's business and always fine. The Spark application's name
 * stays the warm driver's (`sparkport-session-<id>`).
 */
import type { Clock, Timer } from '../clock.ts';
import type { Config } from '../config.ts';
import type { DriverApp, DriverEvents, DriverLoss } from './driver-supervisor.ts';
import type { DriverLink } from './ports/driver-link.ts';
import type { AppInfoUpdate } from './ports/launcher.ts';
import { sessionLimit } from './capacity.ts';
import { defaultPlacement, isLocalMaster, placementOf } from './placement.ts';
import type { SessionSpec } from './records.ts';
import type { SessionRuntime } from './session-runtime.ts';

/** spark.sql.* keys Spark reads once, when the session starts: they need a new driver. */
const STATIC_SQL_CONF = [
  /^spark\.sql\.extensions$/, /^spark\.sql\.catalogImplementation$/, /^spark\.sql\.warehouse\.dir$/, /^spark\.sql\.catalog\./,
  /^spark\.sql\.hive\./, /^spark\.sql\.ui\./, /^spark\.sql\.streaming\.ui\./, /^spark\.sql\.event\./, /^spark\.sql\.queryExecutionListeners$/,
  /^spark\.sql\.streaming\.streamingQueryListeners$/, /^spark\.sql\.cache\.serializer$/, /^spark\.sql\.sources\.disabledJdbcConnProviderList$/,
  /^spark\.sql\.legacy\.sessionInitWithConfigDefaults$/, /^spark\.sql\.defaultUrlStreamHandlerFactory\.enabled$/,
];

/** Keys of a request's conf a running driver can take (spark.conf.set): the rule's conf part. */
export const isRuntimeConf = (key: string) => key.startsWith('spark.sql.') && !STATIC_SQL_CONF.some((re) => re.test(key));

/** Why a warm driver can't serve this session, or undefined when one can. */
export function warmMisfit(spec: SessionSpec, cfg: Pick<Config, 'spark'>): string | undefined {
  const p = placementOf(spec, cfg);
  const d = defaultPlacement(cfg as Config);
  if (p.master !== d.master || p.deployMode !== d.deployMode) return 'another master or deploy mode';
  if (spec.proxyUser) return 'proxyUser (a driver runs as its user from the start)';
  if (spec.driverMemory || spec.driverCores || spec.executorMemory || spec.executorCores || spec.numExecutors || spec.queue) {
    return 'memory, cores, executors or queue (a driver starts with them)';
  }
  if (spec.jars.length || spec.pyFiles.length || spec.files.length || spec.archives.length) return 'files to ship with the driver';
  const fixed = Object.keys(spec.conf).filter((k) => !isRuntimeConf(k));
  if (fixed.length) return `conf a running driver can't take: ${fixed.join(', ')}`;
  return undefined;
}

/**
 * The pool's size: the setting, or with -1 (auto) one warm driver on a local master and none on
 * a cluster, nor when sessions run as their owners (access.runAsOwner): a warm driver runs as
 * the server's user, so only a request without an owner (authentication off) could take it.
 */
export function warmPoolSize(cfg: Pick<Config, 'sessions' | 'spark' | 'access'>): number {
  // Warm drivers run on this machine: in cluster deploy mode there are none, whatever the setting.
  if (cfg.spark.deployMode === 'cluster') return 0;
  const n = cfg.sessions.warmDrivers;
  if (n >= 0) return n;
  return isLocalMaster(cfg.spark.master) && !cfg.access.runAsOwner ? 1 : 0;
}

/** What the pool needs of the session manager. */
export interface WarmPoolHost {
  config: Config;
  clock: Clock;
  /** A new session id's runtime, not registered, not stored: the warm driver's until a request takes it. */
  mint(): SessionRuntime;
  /** Starts the runtime's driver with these events (the supervisor's, as for any session). */
  start(rt: SessionRuntime, events: DriverEvents): void;
  /** Sessions that count against sessions.max now. */
  live(): number;
  log(msg: string): void;
}

/** A warm driver: its runtime, what it has said so far, and where its events go once taken. */
export interface WarmDriver {
  rt: SessionRuntime;
  ready?: { app: DriverApp; link: DriverLink };
  /** Null while it is the pool's. */
  owner: DriverEvents | null;
}

const RETRY_FIRST_MS = 5_000;
const RETRY_MAX_MS = 300_000;

export class WarmPool {
  private readonly drivers: WarmDriver[] = [];
  private closed = false;
  private started = false;
  private retryMs = RETRY_FIRST_MS;
  private retry?: Timer;

  constructor(private readonly host: WarmPoolHost, private readonly size = warmPoolSize(host.config)) {}

  /** Warm drivers not yet taken. */
  get count(): number { return this.drivers.length; }

  counts(): { ready: number; starting: number } {
    const ready = this.drivers.filter((w) => w.ready).length;
    return { ready, starting: this.drivers.length - ready };
  }

  /** Starts warm drivers up to the pool's size, within sessions.max. */
  fill(): void {
    // A launch that fails at once ends in failed(), which sets `retry`: the loop stops there.
    while (this.started && !this.closed && !this.retry && this.drivers.length < this.size && this.host.live() + this.drivers.length < sessionLimit(this.host.config)) {
      try {
        this.startOne();
      } catch (e) {
        // No id to mint (the store can't write just now): later, like a failed start.
        this.backOff(`no session id for it (${(e as Error).message})`, null);
      }
    }
  }

  /** From now on the pool fills (the server's upkeep starts it; unit tests mostly don't). */
  start(): void {
    this.started = true;
    this.fill();
  }

  get isClosed(): boolean { return this.closed; }

  /**
   * A warm driver for a session, a ready one first, or undefined. The caller gives it its events
   * with `hand`, and refills the pool (fill) once the session counts as live.
   */
  take(): WarmDriver | undefined {
    const ready = this.drivers.findIndex((w) => w.ready);
    const i = ready >= 0 ? ready : this.drivers.findIndex((w) => w.rt.driver?.state !== 'gone');
    if (i < 0) return undefined;
    return this.drivers.splice(i, 1)[0];
  }

  /** From now on the driver's events are the session's; what it already said (ready) is said again to them. */
  static hand(w: WarmDriver, owner: DriverEvents): void {
    w.owner = owner;
    if (w.ready) owner.ready(w.ready.app, w.ready.link);
  }

  /** Stops one warm driver, to make room for a session that can't use one. */
  giveWay(): void {
    // One still starting first: its start slot is the scarcer thing.
    const starting = this.drivers.findIndex((d) => !d.ready);
    const [w] = this.drivers.splice(starting >= 0 ? starting : this.drivers.length - 1, 1);
    if (w) void w.rt.driver?.stop();
  }

  /** Stops them all, for good (the server is closing). */
  async close(): Promise<void> {
    this.closed = true;
    this.retry?.cancel();
    const all = this.drivers.splice(0);
    await Promise.all(all.map((w) => w.rt.driver?.stop().catch(() => undefined)));
  }

  private startOne(): void {
    const rt = this.host.mint();
    const w: WarmDriver = { rt, owner: null };
    this.drivers.push(w);
    this.host.start(rt, this.events(w));
  }

  /** The supervisor's events: the pool's while the driver is warm, the session's once taken. */
  private events(w: WarmDriver): DriverEvents {
    const pool: DriverEvents = {
      launched: (pid) => { w.rt.record.driverPid = pid; },
      appInfo: () => undefined,
      connectUsed: () => undefined,
      ready: (app, link) => {
        w.ready = { app, link };
        this.retryMs = RETRY_FIRST_MS;
      },
      resumed: () => undefined,
      returned: () => undefined,
      // A warm driver that lost its connection is not worth waiting for: replaced, as a failed one is.
      // Stopped after the supervisor has finished setting up its wait for the driver's return.
      disconnected: () => {
        queueMicrotask(() => void w.rt.driver?.stop());
        this.failed(w, { why: 'its connection dropped', reason: 'its connection dropped', killed: false });
      },
      gone: (loss) => this.failed(w, loss),
    };
    const route = <K extends keyof DriverEvents>(k: K) => ((...a: Parameters<DriverEvents[K]>) =>
      ((w.owner ?? pool)[k] as (...x: Parameters<DriverEvents[K]>) => void)(...a)) as DriverEvents[K];
    return {
      launched: route('launched'), appInfo: route('appInfo'), connectUsed: route('connectUsed'), ready: route('ready'), resumed: route('resumed'),
      returned: route('returned'), disconnected: route('disconnected'), gone: route('gone'),
    };
  }

  private drop(w: WarmDriver): void {
    const i = this.drivers.indexOf(w);
    if (i >= 0) this.drivers.splice(i, 1);
  }

  /** A warm driver that failed to start: tried again later, less often each time it keeps failing. */
  private failed(w: WarmDriver, loss: DriverLoss): void {
    if (!this.drivers.includes(w)) return;
    this.drop(w);
    this.backOff(loss.why, w.rt.id);
  }

  private backOff(why: string, id: number | null): void {
    if (this.closed || this.retry) return;
    this.host.log(`a warm driver${id === null ? '' : ` (session id ${id})`} failed: ${why}; starting another in ${Math.round(this.retryMs / 1000)} s`);
    this.retry = this.host.clock.setTimeout(() => {
      this.retry = undefined;
      this.fill();
    }, this.retryMs);
    this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
  }
}
