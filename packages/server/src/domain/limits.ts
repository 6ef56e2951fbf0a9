/**
 * The one shape of every refusal for a limit (sessions.max, batches.max, queued statements,
 * long polls, event streams): 429 with Retry-After, and a message that names the setting, so
 * whoever hits it knows what to wait for and which setting an operator would raise.
 */
import type { ErrorCode } from '@sparkport/protocol';
import { DomainError } from './errors.ts';

export interface LimitHit {
  code: ErrorCode;
  /** What there are too many of: "sessions", "statements waiting in session 3". */
  what: string;
  count: number;
  limit: number;
  /** Said after "N of M": "are live". */
  state?: string;
  /** The setting that sets the limit, by its dotted name. */
  setting: string;
  /** What the client can do besides waiting: "Delete one". */
  remedy?: string;
  retryAfterSeconds: number;
}

export function limitReached(h: LimitHit): DomainError {
  const now = `${h.count} of ${h.limit}${h.state ? ` ${h.state}` : ''}`;
  const then = h.remedy ? `${h.remedy}, or try again in ${h.retryAfterSeconds} s` : `Try again in ${h.retryAfterSeconds} s`;
  return new DomainError(h.code, `Rejected, too many ${h.what}: ${now} (setting ${h.setting}). ${then}`, h.retryAfterSeconds);
}
