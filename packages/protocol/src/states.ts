/**
 * State names and the sets clients ask about, read from the lifecycle tables (machines.ts).
 */
import { batchMachine, sessionMachine, statementMachine } from './machines.ts';

export type { BatchState, DriverProcessState, SessionState, StatementState } from './machines.ts';

export const SESSION_STATES = sessionMachine.states;
/** States after which a session never runs code again. */
export const FINISHED_SESSION_STATES = sessionMachine.sets.finished;
export const STATEMENT_STATES = statementMachine.states;
export const FINISHED_STATEMENT_STATES = statementMachine.sets.finished;
export const BATCH_STATES = batchMachine.states;
