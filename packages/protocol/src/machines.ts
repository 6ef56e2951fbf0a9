/**
 * Every lifecycle as one table: its states, the moves each allows, and the named sets derived
 * from per-state flags. The server, the TypeScript client and (through the generated
 * protocol.json) the Python client and driver take state names and sets from here only.
 *
 * Session, statement and batch names are Livy's: clients with an enum of states crash on an
 * unknown one, so no state of our own is ever added to those three.
 */

/** State names are inferred from the table's keys only, so a typo in a move is an error. */
interface Row<S extends string, F extends string> {
  to: readonly NoInfer<S>[];
  flags: readonly NoInfer<F>[];
}

export interface Machine<S extends string, F extends string> {
  readonly name: string;
  readonly states: readonly S[];
  readonly table: Readonly<Record<S, Row<S, F>>>;
  /** States that carry each flag, in table order. */
  readonly sets: Readonly<Record<F, readonly S[]>>;
  can(from: S, to: S): boolean;
  is(state: S, flag: F): boolean;
}

function machine<S extends string, F extends string>(name: string, flags: readonly F[], table: Record<S, Row<S, F>>): Machine<S, F> {
  const states = Object.keys(table) as S[];
  const sets = Object.fromEntries(flags.map((f) => [f, states.filter((s) => table[s].flags.includes(f))])) as Record<F, S[]>;
  for (const s of states) {
    for (const t of table[s].to) if (!(t in table)) throw new Error(`${name}: ${s} → unknown state ${t}`);
  }
  return {
    name,
    states,
    table,
    sets,
    can: (from, to) => table[from]?.to.includes(to) ?? false,
    is: (state, flag) => table[state]?.flags.includes(flag) ?? false,
  };
}

/**
 * live: holds a driver (or is about to); acceptsStatements: POST /statements is queued;
 * reachable: the driver answers shared-data and completion calls; ready: a waiting client may
 * go ahead; finished: never runs code again.
 */
const SESSION_FLAGS = ['live', 'acceptsStatements', 'reachable', 'ready', 'finished'] as const;
export const sessionMachine = machine('session', SESSION_FLAGS, {
  not_started: { to: ['starting', 'dead', 'error', 'shutting_down'], flags: ['live'] },
  starting: { to: ['idle', 'error', 'shutting_down', 'dead', 'killed'], flags: ['live', 'acceptsStatements'] },
  // The driver is away (its connection dropped, or the server restarted) and may come back.
  recovering: { to: ['idle', 'busy', 'error', 'dead', 'killed', 'shutting_down'], flags: ['live', 'acceptsStatements'] },
  idle: { to: ['busy', 'recovering', 'shutting_down', 'error', 'dead', 'killed'], flags: ['live', 'acceptsStatements', 'reachable', 'ready'] },
  running: { to: ['idle', 'busy', 'recovering', 'shutting_down', 'error', 'dead', 'killed'], flags: ['live', 'acceptsStatements'] },
  busy: { to: ['idle', 'recovering', 'shutting_down', 'error', 'dead', 'killed'], flags: ['live', 'acceptsStatements', 'reachable', 'ready'] },
  shutting_down: { to: ['dead', 'killed'], flags: [] },
  error: { to: ['dead', 'shutting_down'], flags: [] },
  dead: { to: [], flags: ['finished'] },
  killed: { to: [], flags: ['finished'] },
  success: { to: [], flags: ['finished'] },
});
export type SessionState = keyof typeof sessionMachine.table;

/** open: may still change; finished: has its final output. */
export const statementMachine = machine('statement', ['open', 'finished'] as const, {
  waiting: { to: ['running', 'cancelled', 'available'], flags: ['open'] },
  running: { to: ['available', 'cancelling', 'cancelled'], flags: ['open'] },
  cancelling: { to: ['cancelled', 'available'], flags: ['open'] },
  available: { to: [], flags: ['finished'] },
  cancelled: { to: [], flags: ['finished'] },
});
export type StatementState = keyof typeof statementMachine.table;

/**
 * A batch runs once: spark-submit starts (`running` at once in client mode) and its exit
 * decides: 0 is `success`, anything else `dead`, and a kill we asked for `killed`.
 * active: spark-submit is (or is about to be) alive.
 */
export const batchMachine = machine('batch', ['active', 'finished'] as const, {
  starting: { to: ['running', 'dead', 'killed'], flags: ['active'] },
  running: { to: ['success', 'dead', 'killed'], flags: ['active'] },
  success: { to: [], flags: ['finished'] },
  dead: { to: [], flags: ['finished'] },
  killed: { to: [], flags: ['finished'] },
  recovering: { to: ['running', 'success', 'dead', 'killed'], flags: ['active'] },
});
export type BatchState = keyof typeof batchMachine.table;

/**
 * A session's driver process, as the server's supervisor sees it (not a Livy state; never on
 * the wire): waiting for a start slot and spawning, spawned and awaiting its hello and ready,
 * ready for requests, being stopped, gone. alive: a process may exist.
 */
export const driverProcessMachine = machine('driverProcess', ['alive', 'gone'] as const, {
  // launching → reconnecting: a driver an earlier server started, waited for after a restart.
  launching: { to: ['connecting', 'reconnecting', 'stopping', 'gone'], flags: ['alive'] },
  connecting: { to: ['ready', 'reconnecting', 'stopping', 'gone'], flags: ['alive'] },
  ready: { to: ['reconnecting', 'stopping', 'gone'], flags: ['alive'] },
  reconnecting: { to: ['ready', 'connecting', 'stopping', 'gone'], flags: ['alive'] },
  stopping: { to: ['gone'], flags: ['alive'] },
  gone: { to: [], flags: ['gone'] },
});
export type DriverProcessState = keyof typeof driverProcessMachine.table;

export const MACHINES = {
  session: sessionMachine,
  statement: statementMachine,
  batch: batchMachine,
  driverProcess: driverProcessMachine,
} as const;
