/**
 * Exit codes scripts can branch on, and the errors that carry them. The client library's two
 * errors map to "the server said no" and "the server could not be reached".
 */
import { NetworkError, SparkportError } from '@sparkport/client';

export const EXIT = {
  ok: 0,
  /** The code ran and failed (error output, cancelled statement, batch that did not succeed). */
  failed: 1,
  usage: 2,
  /** The server answered with a 4xx or 5xx. */
  refused: 3,
  unreachable: 4,
} as const;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A run that went through but whose outcome is a failure (exit 1); its message is already shown. */
export class Failed extends Error {
  constructor(message = '') {
    super(message);
    this.name = 'Failed';
  }
}

export function exitCodeFor(e: unknown): number {
  if (e instanceof UsageError) return EXIT.usage;
  if (e instanceof Failed) return EXIT.failed;
  if (e instanceof SparkportError) return EXIT.refused;
  if (e instanceof NetworkError) return EXIT.unreachable;
  return EXIT.failed;
}
