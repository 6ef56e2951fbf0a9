/**
 * One session's driver process, from start slot to exit, as the table driverProcessMachine
 * describes it: launching (waiting for a slot, then spawning) → connecting (hello and ready
 * awaited) → ready ⇄ reconnecting → stopping → gone. Every timer runs on the injected clock. It
 * knows nothing of statements or of the session's Livy state: it tells the session manager when
 * the driver is ready, when it is back after a dropped connection or a server restart, and when
 * it is gone, and stops it when asked.
 *
 * A dropped connection is not the end (PROTOCOL.md §3a): the driver has the grace period to call
 * back. A driver whose control thread stops answering pings, though, is gone even while its
 * process and socket live: it would never answer anything again.
 */
import { driverProcessMachine, type ConnectFace, type DriverProcessState, type PingResult, type ReadyMsg, type ResumedMsg } from '@sparkport/protocol';
import type { Clock, Timer } from '../clock.ts';
import type { Config } from '../config.ts';
import { cutLine, type LogBuffer } from './log-buffer.ts';
import type { DriverCallError, DriverChannel, DriverLink } from './ports/driver-link.ts';
import type { AppInfoUpdate, DriverProcess, SessionLauncher } from './ports/launcher.ts';
import { driverAddressFor, type DriverAddresses } from './placement.ts';
import { connectSettings } from './spark-connect.ts';
import type { SessionRecord } from './records.ts';
import type { StartQueue, StartTicket } from './start-queue.ts';
import { checkTransition } from './state-machine.ts';

export interface DriverSupervisorDeps {
  clock: Clock;
  config: Pick<Config, 'sessions' | 'spark' | 'connect'>;
  launcher: SessionLauncher;
  channel: DriverChannel;
  slots: StartQueue;
  /** Where drivers call back: one address, or one for drivers on this machine and one for drivers in the cluster. */
  connect: string | DriverAddresses;
}

export interface DriverApp {
  appId: string | null;
  sparkUiUrl: string | null;
  /** Its Spark Connect face, when it was asked for one and it started (spark-connect.ts). */
  connect: ConnectFace | null;
}

const appOf = (m: Omit<ReadyMsg, 'type'>): DriverApp => ({ appId: m.app_id, sparkUiUrl: m.spark_ui_url, connect: m.connect ?? null });

/** Why a driver went away without being asked to. */
export interface DriverLoss {
  /** What happened, in a few words: "the driver process exited with code 1". */
  why: string;
  /** `why` and the driver's last words (its fatal message, or the end of its stderr). */
  reason: string;
  /** A signal we did not send ended it (an operator, the OOM killer): Livy calls such sessions killed. */
  killed: boolean;
}

export interface DriverEvents {
  launched(pid: number | null): void;
  /** Requests may go to the driver over `link` from now on. */
  ready(app: DriverApp, link: DriverLink): void;
  /** The driver is back after a dropped connection or a server restart, and says what it runs. */
  resumed(app: DriverApp, link: DriverLink, running: ResumedMsg['running']): void;
  /** The connection dropped; the driver has the grace period to come back. */
  disconnected(graceMs: number): void;
  /** The driver is back on `link`, before its replay is read: what must hear the replay listens now. */
  returned(link: DriverLink): void;
  /** What the cluster manager says of a cluster-mode driver's application. */
  appInfo(info: AppInfoUpdate): void;
  /** Its Spark Connect face was last used at `at` (this server's clock): a ping's reply says so. */
  connectUsed(at: number): void;
  /** Exit, dropped connection, failed launch or start deadline, whichever came first; told once. */
  gone(loss: DriverLoss): void;
}

/** Signals that mean someone ended the process on purpose, rather than it failing. */
const KILL_SIGNALS = new Set(['SIGKILL', 'SIGTERM', 'SIGINT', 'SIGHUP']);
/** How long a process gets after a last SIGTERM before SIGKILL, and after SIGKILL before we stop waiting. */
const KILL_GRACE_MS = 5000;
/** How much of a driver's last words (fatal message and traceback) reach the session log. */
const MAX_FATAL_LOG_CHARS = 64 * 1024;

export class DriverSupervisor {
  private current: DriverProcessState = 'launching';
  private proc?: DriverProcess;
  private conn?: DriverLink;
  private ticket?: StartTicket;
  private deadline?: Timer;
  private revoke?: () => void;
  private fatal?: string;
  private stopping?: Promise<void>;
  private grace?: Timer;
  private ping?: Timer;
  private unlisten?: () => void;
  /** Links whose events are already wired (a link comes back after each reconnect). */
  private readonly wired = new WeakSet<DriverLink>();

  constructor(
    private readonly d: DriverSupervisorDeps,
    private readonly session: SessionRecord,
    private readonly workDir: string,
    private readonly log: LogBuffer,
    private readonly events: DriverEvents,
  ) {}

  get state(): DriverProcessState { return this.current; }

  /** The connection while it is open, from the driver's hello until it is gone. */
  get link(): DriverLink | undefined { return this.conn?.isOpen ? this.conn : undefined; }

  /** Takes a start slot (maybe after waiting for one) and launches. */
  start(): void {
    if (this.ticket || this.current !== 'launching') return;
    this.ticket = this.d.slots.enter((ticket) => {
      this.ticket = ticket;
      this.launch();
    });
  }

  /**
   * After a server restart: waits for the driver an earlier server started to call back, with
   * `proc` its process if it still runs (null: it is gone).
   */
  reattach(proc: DriverProcess | null): void {
    this.move('reconnecting');
    if (!proc) return this.lost('the driver process ended while no server was running');
    this.watch(proc);
    this.awaitReturn('the server restarted');
  }

  /** Asks the driver to exit, then signals it; resolves once the process is gone. */
  stop(): Promise<void> {
    this.stopping ??= this.shutDown();
    return this.stopping;
  }

  private move(to: DriverProcessState): void {
    checkTransition(driverProcessMachine, `The driver of session ${this.session.id}`, this.current, to);
    this.current = to;
  }

  private launch(): void {
    const { clock, config } = this.d;
    const welcome = { connect: connectSettings(this.d.config, this.session) };
    const { token, revoke } = this.d.channel.expect(this.session.id, (link) => this.onConnect(link), welcome);
    this.revoke = revoke;
    const ms = config.sessions.startTimeoutMs;
    this.deadline = clock.setTimeout(() => this.lost(`the driver did not become ready within ${ms} ms`), ms);
    let proc: DriverProcess;
    try {
      const connect = driverAddressFor(this.d.connect, this.session, this.d.config);
      proc = this.d.launcher.launch({ session: this.session, workDir: this.workDir, connect, token });
    } catch (e) {
      return this.lost(`the driver could not be launched: ${(e as Error).message}`);
    }
    this.move('connecting');
    this.watch(proc);
    this.events.launched(proc.pid ?? null);
  }

  private watch(proc: DriverProcess): void {
    this.proc = proc;
    proc.onOutput((stream, line) => this.log.push(stream, line));
    proc.onAppInfo?.((info) => this.events.appInfo(info));
    proc.onExit((code, signal) => {
      const how = proc.endReason ?? `the driver process ${signal ? `was killed by ${signal}` : `exited with code ${code}`}`;
      this.lost(how, signal !== null && KILL_SIGNALS.has(signal));
    });
  }

  private onConnect(link: DriverLink): void {
    if (this.current !== 'connecting') {
      link.close();
      return;
    }
    this.conn = link;
    this.wire(link);
    this.startPings(link);
  }

  private wire(link: DriverLink): void {
    if (this.wired.has(link)) return;
    this.wired.add(link);
    link.on('ready', (m) => {
      if (this.current !== 'connecting') return;
      this.endStart();
      this.move('ready');
      this.events.ready(appOf(m), link);
    });
    link.on('resumed', (m) => this.onResumed(link, m));
    link.on('fatal', (m) => {
      this.fatal = cutLine(m.message);
      // Only the end is split into lines: the ring keeps the last few anyway, and a driver's
      // message can be 64 MiB of line breaks.
      const text = [m.message, ...(m.traceback ?? [])].join('');
      for (const line of text.slice(-MAX_FATAL_LOG_CHARS).split('\n')) if (line) this.log.push('stderr', line);
    });
    link.on('protocolError', (msg) => this.log.push('stderr', `driver protocol error: ${msg}`));
    link.on('disconnect', () => this.onDisconnect());
    link.on('close', () => this.lost('the driver connection dropped'));
  }

  /** The socket dropped: the driver may come back within the grace period (not during its start). */
  private onDisconnect(): void {
    // A driver that said it is dying (fatal) is not coming back.
    if (this.current !== 'ready' || this.fatal !== undefined || this.d.config.sessions.reconnectGraceMs <= 0) return this.lost('the driver connection dropped');
    this.move('reconnecting');
    this.awaitReturn('the driver connection dropped');
  }

  private awaitReturn(why: string): void {
    const ms = this.d.config.sessions.reconnectGraceMs;
    this.ping?.cancel();
    this.log.push('stderr', `${why}; waiting up to ${Math.round(ms / 1000)} s for the driver to reconnect`);
    this.events.disconnected(ms);
    this.grace = this.d.clock.setTimeout(() => this.lost(`${why} and the driver did not reconnect within ${Math.round(ms / 1000)} s`), ms);
    this.unlisten = this.d.channel.expectReturn(this.session.id, this.conn, (link) => {
      if (this.current !== 'reconnecting') return;
      this.conn = link;
      this.wire(link);
      this.events.returned(link);
    }).revoke;
  }

  private onResumed(link: DriverLink, m: ResumedMsg): void {
    if (this.current !== 'reconnecting' || this.conn !== link) return;
    this.grace?.cancel();
    this.unlisten?.();
    this.log.push('stderr', 'the driver reconnected');
    this.startPings(link);
    if (!m.app) {
      // Spark was still starting when the connection dropped: its `ready` is still to come.
      this.move('connecting');
      const ms = this.d.config.sessions.startTimeoutMs;
      this.deadline = this.d.clock.setTimeout(() => this.lost(`the driver did not become ready within ${ms} ms`), ms);
      return;
    }
    this.move('ready');
    this.events.resumed(appOf(m.app), link, m.running);
  }

  /**
   * A control thread that stops answering makes every later request hang: better dead. The
   * replies also say when the driver's Spark Connect face was last used (PROTOCOL.md, `ping`).
   */
  private startPings(link: DriverLink): void {
    const { pingIntervalMs: every, pingTimeoutMs: within } = this.d.config.sessions;
    if (every <= 0) return;
    this.ping?.cancel();
    const next = () => {
      this.ping = this.d.clock.setTimeout(() => {
        if (!driverProcessMachine.is(this.current, 'alive') || this.current === 'stopping' || this.current === 'reconnecting' || !link.isOpen) return;
        link.request<PingResult>({ type: 'ping' }, { timeoutMs: within }).then((r) => {
          this.heardPing(r);
          next();
        }, (e: DriverCallError) => {
          if (e.code === 'TIMEOUT') this.lost(`the driver's control thread did not answer a ping within ${within} ms`);
        });
      }, every);
    };
    next();
  }

  private heardPing(r: PingResult | undefined): void {
    // Replies are not checked field by field: a count of milliseconds, or nothing.
    const idle: unknown = r?.connect_idle_ms;
    if (this.current !== 'ready' || typeof idle !== 'number' || !Number.isSafeInteger(idle) || idle < 0) return;
    this.events.connectUsed(this.d.clock.now() - idle);
  }

  /** The start is over, one way or the other: its slot and deadline go, the token is void. */
  private endStart(): void {
    this.revoke?.();
    this.deadline?.cancel();
    this.ticket?.release();
    this.ticket = undefined;
  }

  private lost(why: string, killed = false): void {
    // While stopping, the exit is what stop() waits for, not news.
    if (this.current === 'gone' || this.current === 'stopping') return;
    this.move('gone');
    this.endStart();
    this.grace?.cancel();
    this.ping?.cancel();
    this.unlisten?.();
    const detail = this.fatal ?? this.log.stderrTail(15).join('\n');
    this.conn?.close();
    const proc = this.proc;
    if (proc && !proc.exited) {
      proc.kill('SIGTERM');
      const fallback = this.d.clock.setTimeout(() => proc.kill('SIGKILL'), KILL_GRACE_MS);
      proc.onExit(() => fallback.cancel());
    }
    this.events.gone({ why, reason: detail ? `${why}: ${detail}` : why, killed });
  }

  private async shutDown(): Promise<void> {
    if (this.current === 'gone') return;
    this.endStart();
    this.grace?.cancel();
    this.ping?.cancel();
    this.unlisten?.();
    this.move('stopping');
    const budget = this.d.config.sessions.shutdownTimeoutMs;
    const asked = this.conn?.isOpen ? await this.askToExit(Math.min(KILL_GRACE_MS, budget)) : false;
    await this.terminate(asked, budget);
    this.conn?.close();
    this.move('gone');
  }

  /** The polite way: the driver stops Spark and exits. True if it agreed in time. */
  private askToExit(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = this.d.clock.setTimeout(() => resolve(false), ms);
      const settle = (ok: boolean) => { timer.cancel(); resolve(ok); };
      this.conn!.request({ type: 'shutdown' }).then(() => settle(true), () => settle(false));
    });
  }

  /** Half the budget to exit on its own (if it was asked), half after SIGTERM, then SIGKILL. */
  private async terminate(asked: boolean, budget: number): Promise<void> {
    const proc = this.proc;
    if (!proc || proc.exited) return;
    const exited = new Promise<void>((r) => proc.onExit(() => r()));
    const within = (ms: number) => new Promise<boolean>((resolve) => {
      const timer = this.d.clock.setTimeout(() => resolve(false), ms);
      void exited.then(() => { timer.cancel(); resolve(true); });
    });
    if (asked && (await within(budget / 2))) return;
    proc.kill('SIGTERM');
    if (await within(budget / 2)) return;
    proc.kill('SIGKILL');
    await within(KILL_GRACE_MS);
  }
}
