/**
 * The names of every driver protocol message (PROTOCOL.md) and every Server-Sent Event, by
 * direction. The Python driver and client read them from the generated protocol.json.
 */
export const DRIVER_TO_SERVER_TYPES = ['hello', 'ready', 'fatal', 'stream', 'progress', 'reply', 'resumed', 'error'] as const;
export const SHARED_REQUEST_TYPES = [
  'shared_list', 'shared_put', 'shared_get', 'shared_delete', 'shared_scan', 'shared_save', 'shared_load',
] as const;
export const SERVER_TO_DRIVER_TYPES = [
  'welcome', 'execute', 'cancel', 'complete', 'ping', 'shutdown', 'configure', ...SHARED_REQUEST_TYPES, 'ack', 'error',
] as const;

/**
 * Events of GET /sessions/{id}/statements/{sid}/events, in the order a stream can carry them.
 * `dropped` (on both streams) counts the events a client that read too slowly missed (http/sse.ts).
 */
export const STATEMENT_EVENTS = ['statement', 'output', 'progress', 'state', 'done', 'dropped'] as const;
/** Events of GET /sessions/{id}/events. */
export const SESSION_EVENTS = ['session', 'statement', 'dropped'] as const;
