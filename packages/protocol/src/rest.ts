/**
 * Every REST body, once. The schemas validate requests in the server, type the client, and
 * produce the OpenAPI document. Field names are Livy's: they are the compatibility surface.
 */
import { Type, type Static, type TProperties, type TSchema } from '@sinclair/typebox';
import { MapOf } from './map-of.ts';
import { NAME_PATTERN, SHARED_NAME_PATTERN } from './names.ts';
import { ERROR_CODES, type ErrorCode } from './errors.ts';
import { SESSION_STATES, STATEMENT_STATES } from './states.ts';

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const StringList = Type.Array(Type.String());
const StringMap = MapOf(Type.String());

/**
 * One of a fixed list of strings, as a plain `enum` rather than TypeBox's union of literals: one
 * check instead of one per name when a response is serialised, and one error naming them all.
 */
export const StringEnum = <const T extends readonly string[]>(values: T, opts: { description?: string; default?: T[number] } = {}) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...opts });

/**
 * How many files or conf keys a request may name: far beyond any real spark-submit, and small
 * enough that one request cannot make every session list that shows it slow.
 */
export const MAX_SUBMIT_ITEMS = 1000;
/** A batch's own arguments: each is one of spark-submit's, which the OS limits anyway (ARG_MAX). */
export const MAX_BATCH_ARGS = 10_000;
const SubmitList = Type.Array(Type.String(), { maxItems: MAX_SUBMIT_ITEMS });

/** The spark-submit fields sessions and batches share, as Livy gives both. */
export const SUBMIT_FIELDS = {
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 200, pattern: NAME_PATTERN })),
  proxyUser: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  jars: Type.Optional(SubmitList),
  pyFiles: Type.Optional(SubmitList),
  files: Type.Optional(SubmitList),
  archives: Type.Optional(SubmitList),
  driverMemory: Type.Optional(Type.String()),
  driverCores: Type.Optional(Type.Integer({ minimum: 0 })),
  executorMemory: Type.Optional(Type.String()),
  executorCores: Type.Optional(Type.Integer({ minimum: 0 })),
  numExecutors: Type.Optional(Type.Integer({ minimum: 0 })),
  queue: Type.Optional(Type.String()),
  conf: Type.Optional(MapOf(Type.String(), undefined, { maxProperties: MAX_SUBMIT_ITEMS })),
};

export const CreateSessionRequest = Type.Object(
  {
    kind: Type.Optional(Type.String({ description: 'pyspark|python, sql, spark|scala, or omitted for a shared session' })),
    ...SUBMIT_FIELDS,
    heartbeatTimeoutInSecond: Type.Optional(Type.Integer({ minimum: 0 })),
    ttl: Type.Optional(Type.String()),
    idleTimeout: Type.Optional(Type.String()),
    /** Sparkport: shared data to load when the session is ready, by name. */
    preload: Type.Optional(MapOf(Type.Object({
      path: Type.String({ minLength: 1 }),
      format: Type.Optional(Type.Union([Type.Literal('parquet'), Type.Literal('json')])),
      as: Type.Optional(Type.Union([Type.Literal('dataset'), Type.Literal('map')])),
    }, { additionalProperties: false }), { pattern: SHARED_NAME_PATTERN })),
  },
  { additionalProperties: false, $id: 'CreateSessionRequest' },
);
export type CreateSessionRequest = Static<typeof CreateSessionRequest>;

export const AppInfo = Type.Object({
  driverLogUrl: Nullable(Type.String()),
  sparkUiUrl: Nullable(Type.String()),
  executorLogUrls: Nullable(Type.String()),
});

/** A session's: Livy's, and Sparkport's Spark Connect address. */
export const SessionAppInfo = Type.Object({
  ...AppInfo.properties,
  sparkConnectUrl: Nullable(Type.String({
    description: "Sparkport: the session's Spark Connect endpoint (sc://…, without its token; GET /sessions/{id}/spark-connect gives it with), or null when the server's connect.enabled is off or the endpoint is not (yet) known",
  })),
});

export const Session = Type.Object(
  {
    id: Type.Integer(),
    name: Nullable(Type.String()),
    appId: Nullable(Type.String()),
    owner: Nullable(Type.String()),
    proxyUser: Nullable(Type.String()),
    state: StringEnum(SESSION_STATES),
    kind: Type.String(),
    appInfo: SessionAppInfo,
    log: StringList,
    ttl: Nullable(Type.String()),
    idleTimeout: Nullable(Type.String()),
    driverMemory: Nullable(Type.String()),
    driverCores: Type.Integer(),
    executorMemory: Nullable(Type.String()),
    executorCores: Type.Integer(),
    conf: StringMap,
    archives: StringList,
    files: StringList,
    jars: StringList,
    pyFiles: StringList,
    heartbeatTimeoutInSecond: Type.Integer(),
    numExecutors: Type.Integer(),
    queue: Nullable(Type.String()),
    createdAt: Type.Integer({ description: 'Sparkport: when the session was created, in ms since the epoch' }),
    lastActivity: Type.Integer({ description: 'Sparkport: its last statement, heartbeat or Spark Connect call, in ms since the epoch (what idleTimeout counts from)' }),
    statementCount: Type.Integer({ description: 'Sparkport: how many statements it has had' }),
  },
  { $id: 'Session' },
);
export type Session = Static<typeof Session>;

export const SessionList = Type.Object({
  from: Type.Integer(),
  total: Type.Integer(),
  sessions: Type.Array(Session),
});
export type SessionList = Static<typeof SessionList>;

export const SessionStateBody = Type.Object({ id: Type.Integer(), state: StringEnum(SESSION_STATES) });
export type SessionStateBody = Static<typeof SessionStateBody>;

export const LogBody = Type.Object({
  id: Type.Integer(),
  from: Type.Integer(),
  total: Type.Integer(),
  log: StringList,
});
export type LogBody = Static<typeof LogBody>;

export const CreateStatementRequest = Type.Object(
  {
    code: Type.String(),
    kind: Type.Optional(Type.String()),
  },
  { additionalProperties: false, $id: 'CreateStatementRequest' },
);
export type CreateStatementRequest = Static<typeof CreateStatementRequest>;

/** Livy's output shapes. `truncated`/`total` are ours: Livy cuts results silently. */
export const StatementOutputOk = Type.Object({
  status: Type.Literal('ok'),
  execution_count: Type.Integer(),
  data: MapOf(Type.Unknown()),
  truncated: Type.Optional(Type.Boolean()),
  total: Type.Optional(Type.Integer()),
});
export const StatementOutputError = Type.Object({
  status: Type.Literal('error'),
  execution_count: Type.Integer(),
  ename: Type.String(),
  evalue: Type.String(),
  traceback: StringList,
});
export const StatementOutput = Type.Union([StatementOutputOk, StatementOutputError]);
export type StatementOutput = Static<typeof StatementOutput>;
export type StatementOutputError = Static<typeof StatementOutputError>;

export const Statement = Type.Object(
  {
    id: Type.Integer(),
    code: Type.String(),
    state: StringEnum(STATEMENT_STATES),
    output: Nullable(StatementOutput),
    progress: Type.Number(),
    started: Type.Integer(),
    completed: Type.Integer(),
  },
  { $id: 'Statement' },
);
export type Statement = Static<typeof Statement>;

export const StatementList = Type.Object({
  total_statements: Type.Integer(),
  statements: Type.Array(Statement),
  /** Sparkport: present when the page was cut short by limits.statementListBytes; the `from` that continues it. */
  next: Type.Optional(Type.Integer({ description: 'The `from` of the next page, when this one was cut short by the size of its outputs' })),
});
export type StatementList = Static<typeof StatementList>;

export const CompletionRequest = Type.Object(
  {
    code: Type.String(),
    kind: Type.Optional(Type.String()),
    cursor: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);
export type CompletionRequest = Static<typeof CompletionRequest>;
export const CompletionResponse = Type.Object({ candidates: StringList });

export const MsgBody = Type.Object({ msg: Type.String() });
export type MsgBody = Static<typeof MsgBody>;

/** GET /sessions/{id}/spark-connect: how a Spark Connect client reaches the session (a secret: the token opens it). */
export const SparkConnectBody = Type.Object({
  url: Type.String({ description: 'sc://host:port/;session_id=…;user_id=…;x-sparkport-token=…, to be used as it is: session_id and user_id select the session\'s own SparkSession, and Spark Connect clients send x-sparkport-token as a header with every call' }),
  token: Type.String({ description: 'The token Spark Connect clients present (the x-sparkport-token header), also in url' }),
}, { $id: 'SparkConnectBody' });
export type SparkConnectBody = Static<typeof SparkConnectBody>;

export const ErrorBodySchema = Type.Object({
  msg: Type.String({ description: 'For people (what Livy clients show)' }),
  code: StringEnum(Object.keys(ERROR_CODES) as ErrorCode[], { description: 'For programs: never changes meaning' }),
}, { description: 'An error: every 4xx and 5xx answer has this body' });

export const VersionBody = Type.Object({
  version: Type.String(),
  sparkport: Type.String(),
  user: Nullable(Type.String()),
  revision: Nullable(Type.String()),
  branch: Nullable(Type.String()),
  date: Nullable(Type.String()),
  url: Nullable(Type.String()),
  sparkVersion: Nullable(Type.String()),
  protocolVersion: Type.Integer(),
});
export type VersionBody = Static<typeof VersionBody>;

/** GET /openapi.json: generated by the server, so only its frame is fixed here. */
export const OpenApiDocument = Type.Object({
  openapi: Type.String(),
  info: Type.Object({ title: Type.String(), version: Type.String() }, { additionalProperties: true }),
  paths: MapOf(Type.Unknown()),
}, { additionalProperties: true });

/**
 * A query string (or path) object. Its values arrive as text: the server turns the numeric ones
 * into numbers before validating. A parameter with a `default` is optional to send but always
 * present once validated, so its static type is not optional.
 */
export function Params<P extends TProperties>(props: P) {
  const schema = Type.Object(props);
  const s = schema as { required?: string[] };
  const required = (s.required ?? []).filter((k) => (props[k] as TSchema).default === undefined);
  if (required.length) s.required = required;
  else delete s.required;
  return schema;
}

/** `{id}` in every /sessions/… and /batches/… URL. */
export const IdParam = Type.String({ description: 'The id, or the name it was created with' });
const offset = { minimum: 0, description: 'Offset of the first item' };

export const SessionParams = Params({ id: IdParam });
export const StatementParams = Params({ id: IdParam, sid: Type.Integer({ minimum: 0, description: 'Statement id' }) });

/** Livy's paging of session and batch lists. */
export const PageQuery = Params({
  from: Type.Integer({ ...offset, default: 0 }),
  size: Type.Integer({ minimum: 0, default: 100, description: 'How many' }),
});

/** A log window: the last `size` lines unless `from` says where to start. */
export const LogQuery = Params({
  from: Type.Optional(Type.Integer({ ...offset, description: 'First line (default: the last `size` lines)' })),
  size: Type.Integer({ default: 100, description: 'How many lines; negative: all of them' }),
});

export const StatementListQuery = Params({
  from: Type.Integer({ ...offset, default: 0 }),
  size: Type.Optional(Type.Integer({ minimum: 0, description: 'How many (default: all)' })),
  order: StringEnum(['asc', 'desc'], { default: 'asc', description: 'By id, in either case' }),
});

/** A list's page, and `?wait` to long-poll it for a change (with If-None-Match: the ETag of the page last seen). */
export const ListQuery = Params({
  ...PageQuery.properties,
  wait: Type.Optional(Type.Number({
    minimum: 0,
    description: 'With If-None-Match: seconds to wait for the page to differ from that ETag (capped by limits.maxWaitSeconds); 304 if it did not change in time',
  })),
});

export const WaitQuery = Params({
  wait: Type.Optional(Type.Number({
    minimum: 0, description: 'Seconds to wait for the statement to finish (fractions allowed; capped by limits.maxWaitSeconds)',
  })),
});

/** Server-Sent Event names: statement streams and session streams. */
export type StatementEvent =
  | { event: 'statement'; data: Statement }
  | { event: 'output'; data: { stream: 'stdout' | 'stderr'; text: string } }
  | { event: 'progress'; data: { progress: number } }
  | { event: 'state'; data: { state: string } }
  | { event: 'done'; data: Statement }
  | { event: 'dropped'; data: DroppedEvents };
export type SessionEvent =
  | { event: 'session'; data: { id: number; state: string; reason: string | null; at: number } }
  | { event: 'statement'; data: { id: number; state: string } }
  | { event: 'dropped'; data: DroppedEvents };
/** How many events a slow reader missed, and their size (the stream goes on after it). */
export interface DroppedEvents { events: number; bytes: number }
