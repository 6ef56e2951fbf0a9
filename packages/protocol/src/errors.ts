/**
 * Stable error codes carried as `code` in every error body `{msg, code}`. `msg` is for people
 * (and is what Livy clients read); `code` is for programs and never changes meaning.
 */
export const ERROR_CODES = {
  BAD_JSON: 400,
  VALIDATION: 400,
  UNSUPPORTED_KIND: 400,
  CSRF: 400,
  MALFORMED_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  FORBIDDEN_PATH: 403,
  FORBIDDEN_HOST: 403,
  FORBIDDEN_ORIGIN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  REQUEST_TIMEOUT: 408,
  SHARED_NOT_FOUND: 404,
  KEY_NOT_FOUND: 404,
  WRONG_KIND: 409,
  SHARED_IO: 422,
  SESSION_NOT_FOUND: 404,
  STATEMENT_NOT_FOUND: 404,
  BATCH_NOT_FOUND: 404,
  NAME_TAKEN: 409,
  ILLEGAL_STATE: 409,
  SESSION_NOT_ACTIVE: 409,
  BODY_TOO_LARGE: 413,
  VALUE_TOO_LARGE: 413,
  URI_TOO_LONG: 414,
  UNSUPPORTED_MEDIA: 415,
  HEADERS_TOO_LARGE: 431,
  TOO_MANY_SESSIONS: 429,
  TOO_MANY_BATCHES: 429,
  TOO_MANY_AUTH_FAILURES: 429,
  TOO_MANY_STATEMENTS: 429,
  TOO_MANY_WAITS: 429,
  TOO_MANY_STREAMS: 429,
  DRIVER_UNAVAILABLE: 502,
  DRIVER_TIMEOUT: 504,
  AUTH_UNAVAILABLE: 503,
  STORE_UNAVAILABLE: 503,
  NOT_READY: 503,
  SHUTTING_DOWN: 503,
  INTERNAL: 500,
} as const;
export type ErrorCode = keyof typeof ERROR_CODES;

export interface ErrorBody {
  msg: string;
  code: ErrorCode;
}

/**
 * Codes a driver puts in an `error` message or a failed `reply` (PROTOCOL.md), and the REST
 * code each becomes when it reaches an HTTP client. A driver that misunderstood us is a bad
 * gateway (502) to the client, not our internal error.
 */
export const DRIVER_ERRORS = {
  BAD_MESSAGE: 'DRIVER_UNAVAILABLE',
  UNKNOWN_TYPE: 'DRIVER_UNAVAILABLE',
  BAD_TOKEN: 'DRIVER_UNAVAILABLE',
  BAD_PROTOCOL: 'DRIVER_UNAVAILABLE',
  NOT_READY: 'DRIVER_UNAVAILABLE',
  UNKNOWN_TARGET: 'DRIVER_UNAVAILABLE',
  DRIVER_LOST: 'DRIVER_UNAVAILABLE',
  INTERNAL: 'DRIVER_UNAVAILABLE',
  TIMEOUT: 'DRIVER_TIMEOUT',
  NOT_FOUND: 'SHARED_NOT_FOUND',
  WRONG_KIND: 'WRONG_KIND',
  BAD_REQUEST: 'VALIDATION',
  IO_ERROR: 'SHARED_IO',
} as const satisfies Record<string, ErrorCode>;
export type DriverErrorCode = keyof typeof DRIVER_ERRORS;
export const DRIVER_ERROR_CODES = Object.keys(DRIVER_ERRORS) as DriverErrorCode[];
