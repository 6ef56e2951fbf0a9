/**
 * The audit log: one JSON object per line, appended, for the people who must later answer "who
 * ran what on this server, and when". The HTTP layer decides what is written (http/audit.ts);
 * this is only where it goes. Records hold names, ids and sizes, never request bodies, headers
 * or code, so the file can be shipped to a log system without carrying secrets with it.
 */
import { closeSync, fchmodSync, mkdirSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.ts';

export interface AuditRecord {
  /** When the request arrived, ISO 8601. */
  at: string;
  /** The authenticated user; null when authentication is off (loopback). */
  user: string | null;
  /** The client's address as the server saw it. */
  address: string;
  /** The endpoint's operationId (createStatement, deleteSession, …). */
  action: string;
  /** What it was done to, and its size: session, batch, statement, shared, proxyUser, codeLength… */
  [detail: string]: unknown;
  status: number;
  /** ok: done; denied: 401 or 403; failed: any other error answer. */
  outcome: 'ok' | 'denied' | 'failed';
}

export interface AuditLog {
  write(rec: AuditRecord): void;
  close(): void;
}

/** Where the audit log goes: `audit.file`, or `<dataDir>/audit.log` when that is empty. */
export function auditFile(cfg: Config): string {
  return path.resolve(cfg.audit.file || path.join(cfg.dataDir, 'audit.log'));
}

/**
 * Appends to a file only the server's user may read (mode 600, also when it existed with a
 * wider mode). Each record is one synchronous write of one line: a line is on disk, whole,
 * before the answer it records is sent, and records from concurrent requests never interleave.
 */
export class FileAuditLog implements AuditLog {
  private fd: number | null;

  constructor(readonly file: string) {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    this.fd = openSync(file, 'a', 0o600);
    fchmodSync(this.fd, 0o600);
  }

  write(rec: AuditRecord): void {
    if (this.fd === null) return;
    writeSync(this.fd, `${JSON.stringify(rec)}\n`);
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
