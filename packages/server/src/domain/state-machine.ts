/**
 * The lifecycle tables live in @sparkport/protocol (machines.ts); this is where the domain
 * turns a move the table forbids into a 409, so an illegal move is refused and never applied.
 */
import { batchMachine, sessionMachine, statementMachine, type Machine } from '@sparkport/protocol';
import { conflict } from './errors.ts';

export function checkTransition<S extends string, F extends string>(m: Machine<S, F>, what: string, from: S, to: S): void {
  if (!m.can(from, to)) throw conflict(`${what} cannot go from '${from}' to '${to}'`);
}

/** Transition lists by state, as the tables give them (for tests and diagnostics). */
const transitionsOf = <S extends string, F extends string>(m: Machine<S, F>) =>
  Object.fromEntries(m.states.map((s) => [s, m.table[s].to])) as Record<S, readonly S[]>;

export const SESSION_TRANSITIONS = transitionsOf(sessionMachine);
export const STATEMENT_TRANSITIONS = transitionsOf(statementMachine);
export const BATCH_TRANSITIONS = transitionsOf(batchMachine);
export const ACTIVE_BATCH_STATES = batchMachine.sets.active;
export const ACCEPTS_STATEMENTS = sessionMachine.sets.acceptsStatements;
export const ACTIVE_SESSION_STATES = sessionMachine.sets.live;
