/**
 * State names exactly as Livy clients know them. Clients with an enum of states crash on an
 * unknown one, so no state of our own is ever added here.
 */
export const SESSION_STATES = [
  'not_started',
  'starting',
  'recovering',
  'idle',
  'running',
  'busy',
  'shutting_down',
  'error',
  'dead',
  'killed',
  'success',
] as const;
export type SessionState = (typeof SESSION_STATES)[number];

/** States after which a session never runs code again. */
export const FINISHED_SESSION_STATES: readonly SessionState[] = ['dead', 'killed', 'success'];

export const STATEMENT_STATES = ['waiting', 'running', 'available', 'cancelling', 'cancelled'] as const;
export type StatementState = (typeof STATEMENT_STATES)[number];

export const FINISHED_STATEMENT_STATES: readonly StatementState[] = ['available', 'cancelled'];

export const BATCH_STATES = ['starting', 'running', 'success', 'dead', 'killed', 'recovering'] as const;
export type BatchState = (typeof BATCH_STATES)[number];
