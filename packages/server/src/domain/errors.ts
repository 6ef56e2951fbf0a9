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
