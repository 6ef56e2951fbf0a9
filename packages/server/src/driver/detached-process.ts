/**
 * A process that outlives the server: started in a session and process group of its own
 * (detached, unref'd), stdin closed, stdout and stderr appended to log files in its work
 * directory, under the launch wrapper that records how it ended (launch-wrapper.ts). Its
 * identity goes to the server's run directory (run-files.ts), from which a restarted server
 * adopts it: the same handle, whether this server spawned the process or found it again.
 *
 * Output is read by polling the log files (log-tail.ts). The end is, for a process spawned
 * here, the wrapper's exit event; for an adopted one (not our child, so no event), a poll of
 * /proc for the wrapper's pid and start time. Then the status file says how it ended.
 *
 * Adopted output starts where the last logStored() left it: what the owner had stored, so
 * nothing is missed (output while no server ran included) and nothing comes twice. An owner
 * that never calls logStored (a session driver, whose log is stored only once it is gone)
 * gets each file's last lines again instead, the log as it was, plus what came since.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, constants, fstatSync } from 'node:fs';
import type { DriverProcess } from '../domain/ports/launcher.ts';
import { ExitLatch } from './exit-latch.ts';
import { exitFromStatus, readExitStatus, type ExitStatus } from './exit-status.ts';
import { wrapperArgs } from './launch-wrapper.ts';
import { LogTail, type Stream, type TailStart } from './log-tail.ts';
import { identify, isRunning, type ProcessIdentity } from './proc-identity.ts';
import type { LogFileId, LogOffsets, RunFiles } from './run-files.ts';
import { openLog, openRegular } from './work-dir-files.ts';

export interface DetachedSpec {
  /** What runs, in messages: 'driver', 'spark-submit'. */
  name: string;
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  run: RunFiles;
  /** Appended to. */
  stdout: string;
  /** Absent: stderr goes into the stdout file, in the order written, and is reported as stdout. */
  stderr?: string;
  maxLogBytes: number;
}

export interface AdoptOptions {
  name: string;
  maxLogBytes: number;
  /** When logStored was never called: how many of each file's last lines to deliver again. */
  replayLines: number;
}

const OUTPUT_POLL_MS = 200;
const LIVENESS_POLL_MS = 500;

interface OpenLog {
  fd: number;
  file: string;
  stream: Stream;
  start: TailStart;
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // Gone already.
    }
  }
}

function fileId(file: string, fd: number): LogFileId {
  const s = fstatSync(fd, { bigint: true });
  return { path: file, dev: String(s.dev), ino: String(s.ino) };
}

export function spawnDetached(spec: DetachedSpec): DetachedProcess {
  spec.run.clear();
  const fds: number[] = [];
  const starts: number[] = [];
  let child: ChildProcess;
  try {
    fds.push(openLog(spec.stdout));
    if (spec.stderr) fds.push(openLog(spec.stderr));
    // Taken before the process can write: its first line is new output.
    for (const fd of fds) starts.push(fstatSync(fd).size);
    child = spawn('/bin/sh', wrapperArgs(spec.run.status, spec.command, spec.args), {
      cwd: spec.cwd,
      env: spec.env,
      stdio: ['ignore', fds[0]!, fds[1] ?? fds[0]!],
      // A session of its own: no terminal's signals, and a process group the server kills whole.
      detached: true,
    });
  } catch (e) {
    for (const fd of fds) closeSync(fd);
    throw e;
  }
  child.unref();
  const [outFd, errFd] = fds as [number, number | undefined];
  const identity = child.pid === undefined ? null : identify(child.pid);
  if (identity) {
    try {
      spec.run.writeRecord({
        ...identity,
        stdout: fileId(spec.stdout, outFd),
        stderr: errFd === undefined ? null : fileId(spec.stderr!, errFd),
      });
    } catch (e) {
      // Unrecorded, it would be nobody's after a restart: better not started at all.
      killGroup(identity.pid, 'SIGKILL');
      for (const fd of fds) closeSync(fd);
      throw e;
    }
  }
  // The server reads through the same open files the process writes to, whatever happens to their names.
  const logs: OpenLog[] = [{ fd: outFd, file: spec.stdout, stream: 'stdout', start: { offset: starts[0]! } }];
  if (errFd !== undefined) logs.push({ fd: errFd, file: spec.stderr!, stream: 'stderr', start: { offset: starts[1]! } });
  return new DetachedProcess(spec.name, spec.run, child.pid, identity, logs, spec.maxLogBytes, child);
}

/** Whether the process recorded in run is still the one that runs there. */
export function recordedRunning(run: RunFiles): boolean {
  const rec = run.readRecord();
  return rec !== null && isRunning(rec);
}

/**
 * The process an earlier server recorded in run, or null when none is. Adopted whether it still
 * runs or not: one that ended since delivers its output since, then its end, at once; one whose
 * pid now belongs to another process (pid reuse) is taken for ended, and never signalled.
 */
export function adoptDetached(run: RunFiles, o: AdoptOptions): DetachedProcess | null {
  const rec = run.readRecord();
  if (!rec) return null;
  const offsets = run.readOffsets();
  const logs: OpenLog[] = [];
  const notes: [Stream, string][] = [];
  for (const [stream, id] of [['stdout', rec.stdout], ['stderr', rec.stderr]] as const) {
    if (!id) continue;
    try {
      const fd = openRegular(id.path, constants.O_RDWR);
      const now = fileId(id.path, fd);
      if (now.dev !== id.dev || now.ino !== id.ino) {
        closeSync(fd);
        throw new Error('it is not the file the process was started with');
      }
      logs.push({ fd, file: id.path, stream, start: offsets ? { offset: offsets[stream] ?? 0 } : { lastLines: o.replayLines } });
    } catch (e) {
      notes.push([stream, `[sparkport: ${id.path} is not followed: ${(e as Error).message}]`]);
    }
  }
  const proc = new DetachedProcess(o.name, run, rec.pid, rec, logs, o.maxLogBytes, null, offsets);
  for (const [stream, line] of notes) proc.note(stream, line);
  return proc;
}

export class DetachedProcess implements DriverProcess {
  private readonly latch = new ExitLatch();
  private readonly outputCbs: ((stream: Stream, line: string) => void)[] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly pendingNotes: [Stream, string][] = [];
  private tails: LogTail[];
  /** The last signal sent: how it ended when nothing else says (SIGKILL takes the wrapper too). */
  private sent: NodeJS.Signals | null = null;
  private released = false;

  constructor(
    private readonly name: string,
    private readonly run: RunFiles,
    readonly pid: number | undefined,
    private readonly identity: ProcessIdentity | null,
    logs: OpenLog[],
    maxLogBytes: number,
    private readonly child: ChildProcess | null,
    /** What the owner last stored; null until it first says so. */
    private stored: LogOffsets | null = null,
  ) {
    const emit = (stream: Stream, line: string) => this.outputCbs.forEach((cb) => cb(stream, line));
    this.tails = logs.map((l) => new LogTail(l.fd, l.file, l.stream, maxLogBytes, emit, l.start, () => this.rotated(l.stream)));
    // Ticks start after the caller has registered its callbacks.
    setImmediate(() => this.tick());
    this.timers.push(setInterval(() => this.pollOutput(), OUTPUT_POLL_MS));
    if (child) {
      child.once('exit', (code, signal) => this.end(signal ? { code: null, signal } : exitFromStatus(code ?? 0)));
      child.once('error', (e) => {
        this.note('stderr', `failed to start ${this.name}: ${e.message}`);
        this.end({ code: 127, signal: null });
      });
    } else {
      this.timers.push(setInterval(() => this.checkAlive(), LIVENESS_POLL_MS));
    }
  }

  get exited(): boolean { return this.latch.exited; }

  /** Each line written to stdout or stderr from now on. */
  onOutput(cb: (stream: Stream, line: string) => void): void { this.outputCbs.push(cb); }

  /** Fires once; a callback added after the end still hears of it. */
  onExit(cb: (code: number | null, signal: string | null) => void): void { this.latch.on(cb); }

  /** To the whole process group, the wrapper's. An adopted process is checked first: its pid may be another's by now. */
  kill(signal: NodeJS.Signals): void {
    if (this.latch.exited || this.released || this.pid === undefined) return;
    if (!this.child && (!this.identity || !isRunning(this.identity))) return;
    this.sent = signal;
    killGroup(this.pid, signal);
  }

  /**
   * Every line delivered so far is stored by the owner: a server that adopts this process later
   * delivers from here on (server-private, in the run directory).
   */
  logStored(): void {
    if (this.latch.exited || this.released || !this.identity) return;
    this.stored = Object.fromEntries(this.tails.map((t) => [t.stream, t.position]));
    this.saveOffsets();
  }

  /** Stops following, without killing: the process runs on, to be adopted again. */
  release(): void {
    if (this.released || this.latch.exited) return;
    this.released = true;
    this.stopTimers();
    this.child?.removeAllListeners('exit').removeAllListeners('error');
    for (const t of this.tails) t.close();
  }

  /** A line from the server about this process's output, in that output. */
  note(stream: Stream, line: string): void {
    if (this.outputCbs.length) this.outputCbs.forEach((cb) => cb(stream, line));
    else this.pendingNotes.push([stream, line]);
  }

  private tick(): void {
    for (const [stream, line] of this.pendingNotes.splice(0)) this.note(stream, line);
    this.pollOutput();
    if (!this.child) this.checkAlive();
  }

  private pollOutput(): void {
    if (this.released || this.latch.exited) return;
    for (const t of [...this.tails]) {
      try {
        t.poll();
      } catch (e) {
        this.dropTail(t, e as Error);
      }
    }
  }

  private dropTail(t: LogTail, e: Error): void {
    this.tails = this.tails.filter((x) => x !== t);
    try {
      t.close();
    } catch { /* closed already */ }
    this.note(t.stream, `[sparkport: ${t.file} is no longer followed: ${e.message}]`);
  }

  private checkAlive(): void {
    if (this.released || this.latch.exited) return;
    if (this.identity && isRunning(this.identity)) return;
    this.end({ code: null, signal: this.sent });
  }

  /** The last output first, then the end, as the status file tells it if it can. */
  private end(otherwise: ExitStatus): void {
    if (this.released || this.latch.exited) return;
    this.stopTimers();
    for (const [stream, line] of this.pendingNotes.splice(0)) this.note(stream, line);
    for (const t of this.tails) {
      try {
        t.finish();
      } catch {
        t.close();
      }
    }
    const st = readExitStatus(this.run.status) ?? otherwise;
    this.latch.fire(st.code, st.signal);
    // After the owner's exit callbacks (which record the end in the store), nothing here is needed.
    if (this.identity) setImmediate(() => this.run.remove());
  }

  private rotated(stream: Stream): void {
    if (!this.stored) return;
    // Lines before the rotation that the owner had not stored yet are lost if the server dies before it does.
    this.stored[stream] = 0;
    this.saveOffsets();
  }

  private saveOffsets(): void {
    try {
      this.run.writeOffsets(this.stored ?? {});
    } catch {
      // The run directory is the server's own; if it can't be written, adoption replays the last lines instead.
    }
  }

  private stopTimers(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers.length = 0;
  }
}
