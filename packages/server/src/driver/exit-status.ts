/**
 * The status the launch wrapper (launch-wrapper.ts) writes when its command ends: the shell's
 * `$?`, which is the exit code, or 128+N when signal N ended the command. The shell can't tell a
 * kill by SIGTERM from an `exit 143`; a status that names a signal is reported as the signal, so
 * the domain can say "killed by SIGKILL" (a JVM's SIGTERM hook exits 143, and a SIGTERM is indeed
 * what ended it).
 */
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';

export interface ExitStatus {
  code: number | null;
  signal: string | null;
}

// Some numbers have two names (SIGIOT is SIGABRT): the first listed is the usual one.
const SIGNAL_NAMES = new Map<number, string>();
for (const [name, n] of Object.entries(constants.signals)) if (!SIGNAL_NAMES.has(n)) SIGNAL_NAMES.set(n, name);

export function exitFromStatus(status: number): ExitStatus {
  const signal = status > 128 ? SIGNAL_NAMES.get(status - 128) : undefined;
  return signal ? { code: null, signal } : { code: status, signal: null };
}

/** What the status file says, or null when there is none (or not a status: a wrapper killed mid-write). */
export function readExitStatus(file: string): ExitStatus | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  return /^\d{1,3}\n?$/.test(text) ? exitFromStatus(Number(text.trim())) : null;
}
