/**
 * Builds protocol.json: the lifecycle tables, error codes and message types in one file for
 * the programs that can't import TypeScript (the Python driver and client). Written by
 * `npm run gen:protocol`; a unit test fails when any checked-in copy is stale.
 */
import { DRIVER_PROTOCOL_VERSION, MAX_LINE_DEPTH } from './driver.ts';
import { DRIVER_ERROR_CODES, ERROR_CODES } from './errors.ts';
import { RUNNABLE_KINDS } from './kinds.ts';
import { MACHINES, type Machine } from './machines.ts';
import { DRIVER_TO_SERVER_TYPES, SERVER_TO_DRIVER_TYPES, SESSION_EVENTS, STATEMENT_EVENTS } from './message-types.ts';

/** Where the copies live, from the repository root: each Python package ships its own. */
export const PROTOCOL_JSON_PATHS = [
  'packages/protocol/generated/protocol.json',
  'driver/sparkport_driver/protocol.json',
  'clients/python/sparkport/protocol.json',
];

function machineJson<S extends string, F extends string>(m: Machine<S, F>) {
  return {
    states: m.states,
    transitions: Object.fromEntries(m.states.map((s) => [s, m.table[s].to])),
    sets: m.sets,
  };
}

export function protocolJson(): string {
  const doc = {
    _comment: 'Generated from packages/protocol/src by `npm run gen:protocol`. Do not edit.',
    machines: Object.fromEntries(Object.entries(MACHINES).map(([k, m]) => [k, machineJson(m as Machine<string, string>)])),
    errorCodes: ERROR_CODES,
    /** The canonical kinds a statement can be run in (the server resolves aliases first). */
    statementKinds: RUNNABLE_KINDS,
    driver: {
      protocolVersion: DRIVER_PROTOCOL_VERSION,
      maxLineDepth: MAX_LINE_DEPTH,
      errorCodes: DRIVER_ERROR_CODES,
      messages: { driverToServer: DRIVER_TO_SERVER_TYPES, serverToDriver: SERVER_TO_DRIVER_TYPES },
    },
    events: { statement: STATEMENT_EVENTS, session: SESSION_EVENTS },
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
