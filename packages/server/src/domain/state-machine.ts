/**
 * Session and statement lifecycles as data. Every state change goes through `checkTransition`,
 * so an illegal move is refused (a 409 at the edge) and never silently applied.
 */
import type { BatchState, SessionState, StatementState } from '@sparkport/protocol';
import { conflict } from './errors.ts';

export const SESSION_TRANSITIONS: Record<SessionState, readonly SessionState[]> = {
  not_started: ['starting', 'dead', 'error', 'shutting_down'],
  starting: ['idle', 'error', 'shutting_down', 'dead', 'killed'],
  recovering: ['idle', 'busy', 'error', 'dead', 'shutting_down'],
  idle: ['busy', 'shutting_down', 'error', 'dead', 'killed'],
  running: ['idle', 'busy', 'shutting_down', 'error', 'dead', 'killed'],
  busy: ['idle', 'shutting_down', 'error', 'dead', 'killed'],
  error: ['dead', 'shutting_down'],
  shutting_down: ['dead', 'killed'],
  dead: [],
  killed: [],
  success: [],
};

export const STATEMENT_TRANSITIONS: Record<StatementState, readonly StatementState[]> = {
  waiting: ['running', 'cancelled', 'available'],
  running: ['available', 'cancelling', 'cancelled'],
  cancelling: ['cancelled', 'available'],
  available: [],
  cancelled: [],
};

/**
 * A batch runs once: spark-submit starts (`running` at once in client mode) and its exit decides:
 * 0 is `success`, anything else `dead`, and a kill we asked for `killed`.
 */
export const BATCH_TRANSITIONS: Record<BatchState, readonly BatchState[]> = {
  starting: ['running', 'dead', 'killed'],
  recovering: ['running', 'success', 'dead', 'killed'],
  running: ['success', 'dead', 'killed'],
  success: [],
  dead: [],
  killed: [],
};

/** States in which a batch's spark-submit is (or is about to be) alive. */
export const ACTIVE_BATCH_STATES: readonly BatchState[] = ['starting', 'recovering', 'running'];

/** States in which a session accepts new statements. */
export const ACCEPTS_STATEMENTS: readonly SessionState[] = ['starting', 'recovering', 'idle', 'busy', 'running'];
/** States in which a session holds a live driver (or is about to). */
export const ACTIVE_SESSION_STATES: readonly SessionState[] = ['not_started', 'starting', 'recovering', 'idle', 'running', 'busy'];

export function checkTransition<S extends string>(table: Record<S, readonly S[]>, what: string, from: S, to: S): void {
  if (!table[from].includes(to)) {
    throw conflict(`${what} cannot go from '${from}' to '${to}'`);
  }
}
