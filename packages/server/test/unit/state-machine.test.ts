/**
 * The session and statement lifecycles (domain/state-machine.ts) and Livy's time strings
 * (domain/time-strings.ts): what moves are allowed, what an illegal move looks like to a caller,
 * and how `ttl`/`idleTimeout` values are read.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  FINISHED_SESSION_STATES, FINISHED_STATEMENT_STATES, SESSION_STATES, STATEMENT_STATES, sessionMachine, statementMachine,
  type SessionState, type StatementState,
} from '@sparkport/protocol';
import { DomainError } from '../../src/domain/errors.ts';
import {
  ACCEPTS_STATEMENTS, ACTIVE_SESSION_STATES, SESSION_TRANSITIONS, STATEMENT_TRANSITIONS, checkTransition,
} from '../../src/domain/state-machine.ts';
import { parseTimeString } from '../../src/domain/time-strings.ts';

const session = (from: SessionState, to: SessionState) => () => checkTransition(sessionMachine, 'Session 1', from, to);
const statement = (from: StatementState, to: StatementState) => () => checkTransition(statementMachine, 'Statement 1', from, to);

/** An illegal move throws a DomainError with code ILLEGAL_STATE that names both states. */
function assertIllegal(fn: () => void, from: string, to: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof DomainError, `expected a DomainError for ${from} → ${to}`);
    assert.equal(e.code, 'ILLEGAL_STATE');
    assert.match(e.message, new RegExp(`'${from}'.*'${to}'`));
    return true;
  });
}

describe('session lifecycle', () => {
  test('the table covers every Livy session state and only names known states', () => {
    assert.deepEqual(Object.keys(SESSION_TRANSITIONS).sort(), [...SESSION_STATES].sort());
    for (const [from, tos] of Object.entries(SESSION_TRANSITIONS)) {
      for (const to of tos) assert.ok((SESSION_STATES as readonly string[]).includes(to), `${from} → unknown state ${to}`);
    }
  });

  test('the ordinary life of a session is allowed', () => {
    const path: [SessionState, SessionState][] = [
      ['not_started', 'starting'],
      ['starting', 'idle'],
      ['idle', 'busy'],
      ['busy', 'idle'],
      ['idle', 'shutting_down'],
      ['shutting_down', 'dead'],
    ];
    for (const [from, to] of path) assert.doesNotThrow(session(from, to), `${from} → ${to}`);
  });

  test('failure paths are allowed: a failed start and a driver lost while busy both end dead via error', () => {
    for (const [from, to] of [
      ['starting', 'error'], ['busy', 'error'], ['idle', 'error'], ['error', 'dead'], ['recovering', 'error'],
    ] as [SessionState, SessionState][]) {
      assert.doesNotThrow(session(from, to), `${from} → ${to}`);
    }
  });

  test('every live session can be stopped', () => {
    for (const from of ACTIVE_SESSION_STATES) assert.doesNotThrow(session(from, 'shutting_down'), from);
    assert.doesNotThrow(session('error', 'shutting_down'));
  });

  test('illegal moves throw ILLEGAL_STATE naming both states', () => {
    const illegal: [SessionState, SessionState][] = [
      ['dead', 'idle'],
      ['dead', 'starting'],
      ['killed', 'idle'],
      ['success', 'busy'],
      ['idle', 'starting'],
      ['busy', 'starting'],
      ['starting', 'busy'],
      ['not_started', 'idle'],
      ['shutting_down', 'idle'],
      ['error', 'idle'],
      ['idle', 'idle'],
    ];
    for (const [from, to] of illegal) assertIllegal(session(from, to), from, to);
  });

  test('finished states (dead, killed, success) have no exits at all', () => {
    for (const from of FINISHED_SESSION_STATES) {
      assert.deepEqual(SESSION_TRANSITIONS[from], [], from);
      for (const to of SESSION_STATES) assertIllegal(session(from, to), from, to);
    }
  });

  test('checkTransition agrees with the table for every pair of states', () => {
    for (const from of SESSION_STATES) {
      for (const to of SESSION_STATES) {
        if (SESSION_TRANSITIONS[from].includes(to)) assert.doesNotThrow(session(from, to), `${from} → ${to}`);
        else assertIllegal(session(from, to), from, to);
      }
    }
  });

  test('statements are accepted while starting (queued) and while live, never once finished', () => {
    assert.ok(ACCEPTS_STATEMENTS.includes('starting'));
    assert.ok(ACCEPTS_STATEMENTS.includes('idle'));
    assert.ok(ACCEPTS_STATEMENTS.includes('busy'));
    for (const s of [...FINISHED_SESSION_STATES, 'error', 'shutting_down'] as SessionState[]) {
      assert.ok(!ACCEPTS_STATEMENTS.includes(s), s);
      assert.ok(!ACTIVE_SESSION_STATES.includes(s), s);
    }
  });
});

describe('statement lifecycle', () => {
  test('the table covers every Livy statement state', () => {
    assert.deepEqual(Object.keys(STATEMENT_TRANSITIONS).sort(), [...STATEMENT_STATES].sort());
  });

  test('legal moves: run to completion, cancel while waiting, cancel while running', () => {
    const legal: [StatementState, StatementState][] = [
      ['waiting', 'running'],
      ['running', 'available'],
      ['waiting', 'cancelled'],
      ['running', 'cancelling'],
      ['cancelling', 'cancelled'],
      // A statement that finishes before the cancel lands keeps its result.
      ['cancelling', 'available'],
      // A statement that can never run (driver lost) is finished with an error output.
      ['waiting', 'available'],
    ];
    for (const [from, to] of legal) assert.doesNotThrow(statement(from, to), `${from} → ${to}`);
  });

  test('illegal moves throw ILLEGAL_STATE', () => {
    const illegal: [StatementState, StatementState][] = [
      ['available', 'running'],
      ['available', 'cancelled'],
      ['cancelled', 'running'],
      ['cancelled', 'available'],
      ['waiting', 'cancelling'],
      ['running', 'waiting'],
      ['cancelling', 'running'],
      ['running', 'running'],
    ];
    for (const [from, to] of illegal) assertIllegal(statement(from, to), from, to);
  });

  test('finished states (available, cancelled) have no exits at all', () => {
    for (const from of FINISHED_STATEMENT_STATES) {
      assert.deepEqual(STATEMENT_TRANSITIONS[from], [], from);
      for (const to of STATEMENT_STATES) assertIllegal(statement(from, to), from, to);
    }
  });

  test('checkTransition agrees with the table for every pair of states', () => {
    for (const from of STATEMENT_STATES) {
      for (const to of STATEMENT_STATES) {
        if (STATEMENT_TRANSITIONS[from].includes(to)) assert.doesNotThrow(statement(from, to), `${from} → ${to}`);
        else assertIllegal(statement(from, to), from, to);
      }
    }
  });
});

describe('parseTimeString', () => {
  test('every unit Livy accepts', () => {
    const cases: [string, number][] = [
      ['2000us', 2],
      ['1500us', 1],
      ['250ms', 250],
      ['30s', 30_000],
      ['10m', 600_000],
      ['10min', 600_000],
      ['2h', 7_200_000],
      ['1d', 86_400_000],
    ];
    for (const [text, ms] of cases) assert.equal(parseTimeString(text), ms, text);
  });

  test('a bare number is milliseconds', () => {
    assert.equal(parseTimeString('250'), 250);
    assert.equal(parseTimeString('0'), 0);
  });

  test('units are case-insensitive and surrounding or inner blanks are tolerated', () => {
    assert.equal(parseTimeString('30S'), 30_000);
    assert.equal(parseTimeString('1H'), 3_600_000);
    assert.equal(parseTimeString(' 5 m '), 300_000);
  });

  test('sub-millisecond values round down', () => {
    assert.equal(parseTimeString('999us'), 0);
  });

  test('garbage gives undefined', () => {
    for (const text of ['', ' ', 'soon', 's', '10x', '10 seconds', '1.5h', '-5s', '5s5', 'h1', '1e3', '0x10', '10mins']) {
      assert.equal(parseTimeString(text), undefined, JSON.stringify(text));
    }
  });
});
