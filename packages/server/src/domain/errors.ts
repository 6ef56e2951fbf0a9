/**
 * Domain errors carry a stable code and a message for people. They know nothing of HTTP: the
 * one error handler in http/errors.ts maps codes to status codes.
 */
import type { ErrorCode } from '@sparkport/protocol';

export class DomainError extends Error {
  constructor(readonly code: ErrorCode, message: string, readonly retryAfterSeconds?: number) {
    super(message);
    this.name = 'DomainError';
  }
}

export const notFound = (msg: string, code: ErrorCode = 'NOT_FOUND') => new DomainError(code, msg);
export const invalid = (msg: string) => new DomainError('VALIDATION', msg);
export const conflict = (msg: string, code: ErrorCode = 'ILLEGAL_STATE') => new DomainError(code, msg);

/**
 * The store can't take a write (or a read) just now: disk full, a read-only file, an I/O error,
 * a lock held too long elsewhere. Nothing was written; the same request may succeed later, so it
 * is a 503 with Retry-After, not a 500.
 */
export class StoreUnavailable extends DomainError {
  /** What the disk did, in a few words: "the disk is full: SQLITE_FULL". */
  constructor(readonly why: string) {
    super('STORE_UNAVAILABLE', `The server's state store is unavailable just now (${why}); the request was not carried out. Try again shortly`, 5);
  }
}

export const isStoreUnavailable = (e: unknown): e is StoreUnavailable => e instanceof DomainError && e.code === 'STORE_UNAVAILABLE';
