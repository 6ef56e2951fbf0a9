/**
 * Which SQLite failures mean "the disk or the file, not this request": those become
 * StoreUnavailable (a 503 the client may retry), everything else stays an error (a 500: a bug,
 * a corrupt file). better-sqlite3 puts the extended result code in `code`.
 */
import { StoreUnavailable } from '../domain/errors.ts';

const CAUSES: [RegExp, string][] = [
  [/^SQLITE_FULL/, 'the disk is full'],
  [/^SQLITE_READONLY/, 'its file is read-only'],
  [/^SQLITE_IOERR/, 'a disk I/O error'],
  [/^SQLITE_CANTOPEN/, "its file can't be opened"],
  // BUSY reaches us only once busy_timeout has passed: another process holds the lock.
  [/^SQLITE_(BUSY|PROTOCOL)/, 'another process holds its lock'],
];

/**
 * Faults a fresh connection may cure: a read-only open stays read-only. Not I/O errors: SQLite
 * recovers from those on the same connection, and a new one would need room for its -shm first.
 */
const REOPEN = /^SQLITE_(READONLY|CANTOPEN)/;

export function sqliteCode(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

/** The StoreUnavailable for a SQLite failure, or undefined when it is not a store fault. */
export function storeFault(e: unknown): StoreUnavailable | undefined {
  const code = sqliteCode(e);
  const cause = CAUSES.find(([re]) => re.test(code));
  return cause && new StoreUnavailable(`${cause[1]}: ${code}`);
}

export const needsReopen = (e: unknown): boolean => REOPEN.test(sqliteCode(e));
