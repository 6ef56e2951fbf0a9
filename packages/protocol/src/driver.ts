/**
 * Driver protocol messages (PROTOCOL.md) as TypeBox schemas, so both the types and a runtime
 * check come from one place. The Python driver implements the same shapes; the fixtures in
 * packages/protocol/fixtures/driver are checked against these schemas and against the driver.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { MapOf } from './map-of.ts';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { DRIVER_TO_SERVER_TYPES, SERVER_TO_DRIVER_TYPES, SHARED_REQUEST_TYPES } from './message-types.ts';
import { StatementOutput } from './rest.ts';

export const DRIVER_PROTOCOL_VERSION = 2;

/**
 * How deeply a protocol line may nest, in either direction (PROTOCOL.md section 1): a deeper one
 * is refused. Python's parser recurses once per level; the server's JSON.stringify and
 * structuredClone do too, so a deeper output would overflow the stack where it is stored.
 */
export const MAX_LINE_DEPTH = 512;

const Id = Type.Integer();
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Count = Type.Integer({ minimum: 0 });

export const Limits = Type.Object({ rows: Count, text_bytes: Count });
export type Limits = Static<typeof Limits>;

const Port = Type.Integer({ minimum: 1, maximum: 65535 });
/** Where a session's Spark Connect face is to listen: a host to bind, the first free port of port_low..port_high. */
export const ConnectSettings = Type.Object({ host: Type.String({ minLength: 1 }), port_low: Port, port_high: Port });
export type ConnectSettings = Static<typeof ConnectSettings>;
/**
 * The Spark Connect face a driver started: its port, the key of the session it shares (Spark
 * Connect's user id and session id), and the token its clients present, a secret.
 */
export const ConnectFace = Type.Object({
  port: Port, session_id: Type.String({ minLength: 1 }), user_id: Type.String({ minLength: 1 }), token: Type.String({ minLength: 1 }),
});
export type ConnectFace = Static<typeof ConnectFace>;

// driver → server
export const HelloMsg = Type.Object({
  type: Type.Literal('hello'), token: Type.String(), pid: Type.Integer(), protocol: Type.Integer(),
  python: Type.Optional(Type.String()),
  /** A reconnect (§3a): the session the token is for, and the highest request id the driver has had. */
  session_id: Type.Optional(Type.Integer({ minimum: 0 })),
  resume: Type.Optional(Type.Object({ last_request: Type.Integer({ minimum: 0 }) })),
});
export type HelloMsg = Static<typeof HelloMsg>;
export const ReadyMsg = Type.Object({
  type: Type.Literal('ready'), app_id: Nullable(Type.String()), spark_ui_url: Nullable(Type.String()),
  spark_version: Type.Optional(Type.String()), master: Type.Optional(Type.String()),
  /** The welcome asked for a Spark Connect face and it started. */
  connect: Type.Optional(ConnectFace),
});
export type ReadyMsg = Static<typeof ReadyMsg>;
/** Sequence number of a reply or event the driver keeps until acknowledged (§3a). */
const Seq = Type.Integer({ minimum: 1 });
/** The statement an execute's reply or event belongs to, for a server that never sent the execute. */
const StatementId = Type.Optional(Type.Integer({ minimum: 0 }));
export const FatalMsg = Type.Object({
  type: Type.Literal('fatal'), message: Type.String(), traceback: Type.Optional(Type.Array(Type.String())),
});
export type FatalMsg = Static<typeof FatalMsg>;
export const StreamMsg = Type.Object({
  type: Type.Literal('stream'), re: Id, name: Type.Union([Type.Literal('stdout'), Type.Literal('stderr')]), text: Type.String(),
  seq: Seq, statement_id: StatementId,
});
export type StreamMsg = Static<typeof StreamMsg>;
export const ProgressMsg = Type.Object({
  type: Type.Literal('progress'), re: Id, progress: Type.Number({ minimum: 0, maximum: 1 }),
  seq: Seq, statement_id: StatementId,
});
export type ProgressMsg = Static<typeof ProgressMsg>;
export const ReplyMsg = Type.Object({
  type: Type.Literal('reply'),
  re: Id,
  ok: Type.Boolean(),
  result: Type.Optional(MapOf(Type.Unknown())),
  error: Type.Optional(Type.Object({ code: Type.String(), message: Type.String() })),
  seq: Seq,
  statement_id: StatementId,
});
export type ReplyMsg = Static<typeof ReplyMsg>;
/** The end of a reconnect's replay: where the driver stands (§3a). */
export const ResumedMsg = Type.Object({
  type: Type.Literal('resumed'),
  app: Nullable(Type.Omit(ReadyMsg, ['type'])),
  running: Nullable(Type.Object({ statement_id: Type.Integer({ minimum: 0 }), request_id: Id })),
});
export type ResumedMsg = Static<typeof ResumedMsg>;
/** Both directions: a message the receiver could not act on (PROTOCOL.md §2, rule 3). */
export const ErrorMsg = Type.Object({
  type: Type.Literal('error'), re: Nullable(Id), code: Type.String(), message: Type.String(),
});
export type ErrorMsg = Static<typeof ErrorMsg>;
export const DriverToServer = Type.Union([HelloMsg, ReadyMsg, FatalMsg, StreamMsg, ProgressMsg, ReplyMsg, ResumedMsg, ErrorMsg]);
export type DriverToServer = Static<typeof DriverToServer>;

// server → driver
export const WelcomeMsg = Type.Object({
  type: Type.Literal('welcome'), session_id: Type.Integer(), limits: Limits,
  /** First welcome only: what the driver presents when it reconnects. */
  session_token: Type.Optional(Type.String()),
  reconnect_grace_ms: Type.Optional(Count),
  /** First welcome only: start a Spark Connect face once Spark is up (absent: none). */
  connect: Type.Optional(ConnectSettings),
});
export type WelcomeMsg = Static<typeof WelcomeMsg>;
export const ExecuteReq = Type.Object({
  type: Type.Literal('execute'), id: Id, statement_id: Type.Integer(), kind: Type.String(), code: Type.String(),
});
export type ExecuteReq = Static<typeof ExecuteReq>;
export const CancelReq = Type.Object({ type: Type.Literal('cancel'), id: Id, target: Id });
export type CancelReq = Static<typeof CancelReq>;
export const CompleteReq = Type.Object({
  type: Type.Literal('complete'), id: Id, kind: Type.String(), code: Type.String(), cursor: Count,
});
export type CompleteReq = Static<typeof CompleteReq>;
export const PingReq = Type.Object({ type: Type.Literal('ping'), id: Id });
export type PingReq = Static<typeof PingReq>;
export const ShutdownReq = Type.Object({ type: Type.Literal('shutdown'), id: Id });
export type ShutdownReq = Static<typeof ShutdownReq>;
/**
 * Runtime Spark settings for a running session (a warm driver handed to a new session): every
 * key is checked with `spark.conf.isModifiable` first, then each is set in order (PROTOCOL.md §4).
 */
export const ConfigureReq = Type.Object({
  type: Type.Literal('configure'), id: Id, conf: MapOf(Type.String()),
});
export type ConfigureReq = Static<typeof ConfigureReq>;
/** Not a request (no id, no reply): the server has dealt with every message up to seq. */
export const AckMsg = Type.Object({ type: Type.Literal('ack'), seq: Count });
export type AckMsg = Static<typeof AckMsg>;

/**
 * Any shared-data request (PROTOCOL.md §4), loosely: the type the server builds requests with.
 * The per-type schemas below are what a message is checked against.
 */
export const SharedReq = Type.Object({ type: Type.Union(SHARED_REQUEST_TYPES.map((t) => Type.Literal(t))), id: Id });
export type SharedReq = Static<typeof SharedReq> & { [field: string]: unknown };

const SharedName = Type.String({ minLength: 1 });
const Keys = Type.Array(Type.String());
const FileFields = {
  name: SharedName,
  path: Type.String({ minLength: 1 }),
  format: Type.Optional(Type.Union([Type.Literal('parquet'), Type.Literal('json')])),
};
export const SharedListReq = Type.Object({ type: Type.Literal('shared_list'), id: Id });
export const SharedPutReq = Type.Object({
  type: Type.Literal('shared_put'), id: Id, name: SharedName,
  entries: MapOf(Type.Unknown()), create: Type.Optional(Type.Boolean()),
});
export const SharedGetReq = Type.Object({ type: Type.Literal('shared_get'), id: Id, name: SharedName, keys: Keys });
export const SharedDeleteReq = Type.Object({
  type: Type.Literal('shared_delete'), id: Id, name: SharedName, keys: Type.Optional(Keys),
});
export const SharedScanReq = Type.Object({
  type: Type.Literal('shared_scan'), id: Id, name: SharedName, prefix: Type.Optional(Type.String()),
  limit: Type.Optional(Type.Integer({ minimum: 1 })), cursor: Type.Optional(Nullable(Type.String())),
});
export const SharedSaveReq = Type.Object({
  type: Type.Literal('shared_save'), id: Id, ...FileFields,
  mode: Type.Optional(Type.Union([Type.Literal('error'), Type.Literal('overwrite')])),
});
export const SharedLoadReq = Type.Object({
  type: Type.Literal('shared_load'), id: Id, ...FileFields,
  as: Type.Optional(Type.Union([Type.Literal('dataset'), Type.Literal('map')])),
});

export const DriverRequest = Type.Union([ExecuteReq, CancelReq, CompleteReq, PingReq, ShutdownReq, ConfigureReq, SharedReq]);
export type DriverRequest = ExecuteReq | CancelReq | CompleteReq | PingReq | ShutdownReq | ConfigureReq | SharedReq;
export const ServerToDriver = Type.Union([WelcomeMsg, DriverRequest, AckMsg, ErrorMsg]);
export type ServerToDriver = WelcomeMsg | DriverRequest | AckMsg | ErrorMsg;

export const ExecuteResult = Type.Object({ output: StatementOutput, cancelled: Type.Boolean() });
export type ExecuteResult = Static<typeof ExecuteResult>;
/**
 * A ping's result. `connect_idle_ms`: how long the driver's Spark Connect face has gone without a
 * client (0 while a call is open), when it has served one; the server counts that as the session's
 * activity. Relative, so the two clocks need not agree.
 */
export const PingResult = Type.Object({ connect_idle_ms: Type.Optional(Count) });
export type PingResult = Static<typeof PingResult>;

// ---- checking one message ------------------------------------------------------------------

export type DriverDirection = 'driverToServer' | 'serverToDriver';

/** One schema per message type of each direction; the Record types make a missing one a type error. */
const SCHEMAS: {
  driverToServer: Record<(typeof DRIVER_TO_SERVER_TYPES)[number], TSchema>;
  serverToDriver: Record<(typeof SERVER_TO_DRIVER_TYPES)[number], TSchema>;
} = {
  driverToServer: {
    hello: HelloMsg, ready: ReadyMsg, fatal: FatalMsg, stream: StreamMsg, progress: ProgressMsg, reply: ReplyMsg, resumed: ResumedMsg,
    error: ErrorMsg,
  },
  serverToDriver: {
    welcome: WelcomeMsg, execute: ExecuteReq, cancel: CancelReq, complete: CompleteReq, ping: PingReq, shutdown: ShutdownReq,
    configure: ConfigureReq, shared_list: SharedListReq, shared_put: SharedPutReq, shared_get: SharedGetReq, shared_delete: SharedDeleteReq,
    shared_scan: SharedScanReq, shared_save: SharedSaveReq, shared_load: SharedLoadReq, ack: AckMsg, error: ErrorMsg,
  },
};

const compiled = new Map<string, TypeCheck<TSchema>>();
function checker(direction: DriverDirection, type: string): TypeCheck<TSchema> | undefined {
  const table = SCHEMAS[direction] as Record<string, TSchema>;
  if (!Object.hasOwn(table, type)) return undefined;
  const key = `${direction}:${type}`;
  let c = compiled.get(key);
  if (!c) compiled.set(key, (c = TypeCompiler.Compile(table[type]!)));
  return c;
}

export type DriverCheck = { ok: true } | { ok: false; errors: string[] };

/** Whether msg is a well-formed message of its `type` going in `direction`, and if not, why. */
export function checkDriverMessage(direction: DriverDirection, msg: unknown): DriverCheck {
  const type = (msg as { type?: unknown } | null)?.type;
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg) || typeof type !== 'string') {
    return { ok: false, errors: ['a message is a JSON object with a string type'] };
  }
  const c = checker(direction, type);
  if (!c) return { ok: false, errors: [`'${type}' is not a ${direction} message`] };
  return checkWith(c, msg);
}

let executeResultCheck: TypeCheck<TSchema> | undefined;
/** Whether an execute reply's result is one (an output Livy's clients can read), and if not, why. */
export function checkExecuteResult(result: unknown): DriverCheck {
  return checkWith((executeResultCheck ??= TypeCompiler.Compile(ExecuteResult)), result);
}

/** At most a few reasons: a hostile message can have millions. */
function checkWith(c: TypeCheck<TSchema>, value: unknown): DriverCheck {
  if (c.Check(value)) return { ok: true };
  const errors: string[] = [];
  for (const e of c.Errors(value)) {
    errors.push(`${e.path || '/'}: ${e.message}`);
    if (errors.length === 3) break;
  }
  return { ok: false, errors };
}
