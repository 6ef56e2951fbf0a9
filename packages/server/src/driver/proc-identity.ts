/**
 * Which process a pid is. A pid alone names whatever holds it now, and pids are reused; the pid
 * with the process's start time (/proc/<pid>/stat field 22, clock ticks since boot) names one
 * process for good. A restarted server signals and adopts only a process whose pair matches the
 * one it recorded. Linux only: without /proc nothing is identified, so nothing is adopted.
 */
import { readFileSync } from 'node:fs';

export interface ProcessIdentity {
  pid: number;
  /** Field 22 of /proc/<pid>/stat, kept as text: it is compared, never computed with. */
  startTime: string;
}

function procStat(pid: number): { state: string; startTime: string } | null {
  if (!Number.isSafeInteger(pid) || pid <= 0) return null;
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // Field 2, the command name, is in parentheses and may itself hold spaces and ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  const startTime = fields[19];
  return state && startTime && /^\d+$/.test(startTime) ? { state, startTime } : null;
}

export function identify(pid: number): ProcessIdentity | null {
  const s = procStat(pid);
  return s ? { pid, startTime: s.startTime } : null;
}

/** Still that process, and more than a zombie waiting for its parent (init, after a restart) to reap it. */
export function isRunning(id: ProcessIdentity): boolean {
  const s = procStat(id.pid);
  return s !== null && s.startTime === id.startTime && s.state !== 'Z' && s.state !== 'X';
}
