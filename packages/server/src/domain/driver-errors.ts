/**
 * A driver's refusal as the REST error it means, by the DRIVER_ERRORS table: a missing map is a
 * 404, a bad request a 400, a driver that could not answer a 502, a timeout a 504.
 */
import { DRIVER_ERRORS, type ErrorCode } from '@sparkport/protocol';
import { DomainError } from './errors.ts';
import type { DriverCallError } from './ports/driver-link.ts';

/** `unavailable` prefixes the message when the fault is the driver's, not the request's. */
export function restError(e: DriverCallError, unavailable: string): DomainError {
  const code: ErrorCode = (DRIVER_ERRORS as Record<string, ErrorCode>)[e.code] ?? 'DRIVER_UNAVAILABLE';
  if (code === 'DRIVER_UNAVAILABLE' || code === 'DRIVER_TIMEOUT') return new DomainError(code, `${unavailable}: ${e.message}`);
  return new DomainError(code, e.message);
}
