/**
 * What the server keeps about a process it started, to find it again after a restart, under
 * <dataDir>/run/ as <name>.json (the identity and the log files), <name>.exit (the status the
 * launch wrapper writes when the command ends) and <name>.offsets.json (how far the log files
 * were read and stored). The run directory is the server's alone, and the session sandbox hides
 * all of the data directory but a session's work directory and shared data (sandbox.ts): session
 * code can't point a restarted server at another process to signal or adopt, nor fake an exit.
 */
import { readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ensurePrivateDir, writePrivateFile } from '../private-files.ts';
import type { ProcessIdentity } from './proc-identity.ts';

/** A log file as it was created: the path, and the file itself, so a replaced one is noticed. */
export interface LogFileId {
  path: string;
  dev: string;
  ino: string;
}

export interface ProcessRecord extends ProcessIdentity {
  stdout: LogFileId;
  /** Null: stderr goes into the stdout file, in the order written. */
  stderr: LogFileId | null;
}

/** A cluster-mode application: the id its cluster manager knows it by, and which master that is. */
export interface ClusterAppRecord {
  id: string;
  master: string;
}

/** Where each log file had been read to when its lines were last stored. */
export interface LogOffsets {
  stdout?: number;
  stderr?: number;
}

export class RunFiles {
  readonly record: string;
  readonly status: string;
  readonly offsets: string;
  /** The application's id in its cluster (cluster deploy mode), as soon as spark-submit names it. */
  readonly app: string;

  constructor(readonly dir: string, name: string) {
    const base = path.join(dir, name);
    this.record = `${base}.json`;
    this.status = `${base}.exit`;
    this.offsets = `${base}.offsets.json`;
    this.app = `${base}.app.json`;
  }

  static of(dataDir: string, name: string): RunFiles {
    return new RunFiles(path.join(dataDir, 'run'), name);
  }

  /** A new launch: nothing an earlier one left may be taken for this one's. */
  clear(): void {
    ensurePrivateDir(this.dir);
    for (const f of [this.record, this.status, this.offsets, this.app]) rmSync(f, { force: true });
  }

  writeApp(app: ClusterAppRecord): void { this.write(this.app, app); }

  readApp(): ClusterAppRecord | null {
    const a = this.read(this.app) as Partial<ClusterAppRecord> | null;
    return a && typeof a.id === 'string' && typeof a.master === 'string' ? (a as ClusterAppRecord) : null;
  }

  writeRecord(rec: ProcessRecord): void { this.write(this.record, rec); }

  readRecord(): ProcessRecord | null {
    const r = this.read(this.record) as Partial<ProcessRecord> | null;
    const isLog = (l: unknown): l is LogFileId => !!l && typeof (l as LogFileId).path === 'string' && typeof (l as LogFileId).ino === 'string';
    if (!r || !Number.isSafeInteger(r.pid) || (r.pid as number) <= 0 || typeof r.startTime !== 'string' || !isLog(r.stdout)) return null;
    if (r.stderr !== null && !isLog(r.stderr)) return null;
    return r as ProcessRecord;
  }

  writeOffsets(o: LogOffsets): void { this.write(this.offsets, o); }

  readOffsets(): LogOffsets | null {
    const o = this.read(this.offsets) as LogOffsets | null;
    const ok = (n: unknown) => n === undefined || (Number.isSafeInteger(n) && (n as number) >= 0);
    return o && typeof o === 'object' && ok(o.stdout) && ok(o.stderr) ? o : null;
  }

  /** Once the end is recorded where it matters (the store), none of these is needed again. */
  remove(): void {
    // The application's record lives as long as the application, not as spark-submit (forgetApp).
    for (const f of [this.record, this.status, this.offsets]) rmSync(f, { force: true });
  }

  /** The cluster-mode application has ended and its end is stored. */
  forgetApp(): void {
    rmSync(this.app, { force: true });
  }

  private write(file: string, value: unknown): void {
    const tmp = `${file}.tmp`;
    writePrivateFile(tmp, JSON.stringify(value));
    renameSync(tmp, file);
  }

  private read(file: string): unknown {
    try {
      return JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      return null;
    }
  }
}
