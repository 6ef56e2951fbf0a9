/**
 * One session's driver process, from start slot to exit, as the table driverProcessMachine
 * describes it: launching (waiting for a slot, then spawning) → connecting (hello and ready
 * awaited) → ready → stopping → gone. Every timer runs on the injected clock. It knows nothing
 * of statements or of the session's Livy state: it tells the session manager when the driver is
 * ready and when it is gone, and stops it when asked.
 */
import { driverProcessMachine, type DriverProcessState } from '@sparkport/protocol';
import type { Clock, Timer } from '../clock.ts';
import type { Config } from '../config.ts';
import type { LogBuffer } from './log-buffer.ts';
import type { DriverChannel, DriverLink } from './ports/driver-link.ts';
import type { DriverProcess, SessionLauncher } from './ports/launcher.ts';
import type { SessionRecord } from './records.ts';
import type { StartQueue, StartTicket } from './start-queue.ts';
import { checkTransition } from './state-machine.ts';

export interface DriverSupervisorDeps {
  clock: Clock;
  config: Pick<Config, 'sessions'>;
  launcher: SessionLauncher;
  channel: DriverChannel;
  slots: StartQueue;
  /** host:port drivers call back to. */
  connect: string;
}

export interface DriverApp { appId: string | null; sparkUiUrl: string | null }

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
  /** Exit, dropped connection, failed launch or start deadline, whichever came first; told once. */
  gone(loss: DriverLoss): void;
}

/** Signals that mean someone ended the process on purpose, rather than it failing. */
const KILL_SIGNALS = new Set(['SIGKILL', 'SIGTERM', 'SIGINT', 'SIGHUP']);
/** How long a process gets after a last SIGTERM before SIGKILL, and after SIGKILL before we stop waiting. */
const KILL_GRACE_MS = 5000;

export class DriverSupervisor {
  private current: DriverProcessState = 'launching';
  private proc?: DriverProcess;
  private conn?: DriverLink;
  private ticket?: StartTicket;
  private deadline?: Timer;
  private revoke?: () => void;
  private fatal?: string;
  private stopping?: Promise<void>;

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
    const { token, revoke } = this.d.channel.expect(this.session.id, (link) => this.onConnect(link));
    this.revoke = revoke;
    const ms = config.sessions.startTimeoutMs;
    this.deadline = clock.setTimeout(() => this.lost(`the driver did not become ready within ${ms} ms`), ms);
    let proc: DriverProcess;
    try {
      proc = this.d.launcher.launch({ session: this.session, workDir: this.workDir, connect: this.d.connect, token });
    } catch (e) {
      return this.lost(`the driver could not be launched: ${(e as Error).message}`);
    }
    this.proc = proc;
    this.move('connecting');
    this.events.launched(proc.pid ?? null);
    proc.onOutput((stream, line) => this.log.push(stream, line));
    proc.onExit((code, signal) => {
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      this.lost(`the driver process ${how}`, signal !== null && KILL_SIGNALS.has(signal));
    });
  }

  private onConnect(link: DriverLink): void {
    if (this.current !== 'connecting') {
      link.close();
      return;
    }
    this.conn = link;
    link.on('ready', (m) => {
      if (this.current !== 'connecting') return;
      this.endStart();
      this.move('ready');
      this.events.ready({ appId: m.app_id, sparkUiUrl: m.spark_ui_url }, link);
    });
    link.on('fatal', (m) => {
      this.fatal = m.message;
      for (const line of [m.message, ...(m.traceback ?? [])].join('').split('\n')) if (line) this.log.push('stderr', line);
    });
    link.on('protocolError', (msg) => this.log.push('stderr', `driver protocol error: ${msg}`));
    link.on('close', () => this.lost('the driver connection dropped'));
  }

  /** The start is over, one way or the other: its slot and deadline go, the token is void. */
  private endStart(): void {
    this.revoke?.();
    this.deadline?.cancel();
    this.ticket?.release();
  }

  private lost(why: string, killed = false): void {
    // While stopping, the exit is what stop() waits for, not news.
    if (this.current === 'gone' || this.current === 'stopping') return;
    this.move('gone');
    this.endStart();
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
