/**
 * Every REST body, once. The schemas validate requests in the server, type the client, and
 * produce the OpenAPI document. Field names are Livy's: they are the compatibility surface.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { SESSION_STATES, STATEMENT_STATES } from './states.ts';

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const StringList = Type.Array(Type.String());
const StringMap = Type.Record(Type.String(), Type.String());

/** The spark-submit fields sessions and batches share, as Livy gives both. */
export const SUBMIT_FIELDS = {
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  proxyUser: Type.Optional(Type.String()),
  jars: Type.Optional(StringList),
  pyFiles: Type.Optional(StringList),
  files: Type.Optional(StringList),
  archives: Type.Optional(StringList),
  driverMemory: Type.Optional(Type.String()),
  driverCores: Type.Optional(Type.Integer({ minimum: 0 })),
  executorMemory: Type.Optional(Type.String()),
  executorCores: Type.Optional(Type.Integer({ minimum: 0 })),
  numExecutors: Type.Optional(Type.Integer({ minimum: 0 })),
  queue: Type.Optional(Type.String()),
  conf: Type.Optional(StringMap),
};

export const CreateSessionRequest = Type.Object(
  {
    kind: Type.Optional(Type.String({ description: 'pyspark|python, sql, spark|scala, or omitted for a shared session' })),
    ...SUBMIT_FIELDS,
    heartbeatTimeoutInSecond: Type.Optional(Type.Integer({ minimum: 0 })),
    ttl: Type.Optional(Type.String()),
    idleTimeout: Type.Optional(Type.String()),
    /** Sparkport: shared data to load when the session is ready, by name. */
    preload: Type.Optional(Type.Record(Type.String({ minLength: 1 }), Type.Object({
      path: Type.String({ minLength: 1 }),
      format: Type.Optional(Type.Union([Type.Literal('parquet'), Type.Literal('json')])),
      as: Type.Optional(Type.Union([Type.Literal('dataset'), Type.Literal('map')])),
    }, { additionalProperties: false }))),
  },
  { additionalProperties: false, $id: 'CreateSessionRequest' },
);
export type CreateSessionRequest = Static<typeof CreateSessionRequest>;

export const AppInfo = Type.Object({
  driverLogUrl: Nullable(Type.String()),
  sparkUiUrl: Nullable(Type.String()),
  executorLogUrls: Nullable(Type.String()),
});

export const Session = Type.Object(
  {
    id: Type.Integer(),
    name: Nullable(Type.String()),
    appId: Nullable(Type.String()),
    owner: Nullable(Type.String()),
    proxyUser: Nullable(Type.String()),
    state: Type.Union(SESSION_STATES.map((s) => Type.Literal(s))),
    kind: Type.String(),
    appInfo: AppInfo,
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

export const SessionStateBody = Type.Object({ id: Type.Integer(), state: Type.String() });
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
  data: Type.Record(Type.String(), Type.Unknown()),
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
    state: Type.Union(STATEMENT_STATES.map((s) => Type.Literal(s))),
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

export const ErrorBodySchema = Type.Object({ msg: Type.String(), code: Type.String() });

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

/** Server-Sent Event names: statement streams and session streams. */
export type StatementEvent =
  | { event: 'statement'; data: Statement }
  | { event: 'output'; data: { stream: 'stdout' | 'stderr'; text: string } }
  | { event: 'progress'; data: { progress: number } }
  | { event: 'state'; data: { state: string } }
  | { event: 'done'; data: Statement };
export type SessionEvent =
  | { event: 'session'; data: { id: number; state: string; reason: string | null; at: number } }
  | { event: 'statement'; data: { id: number; state: string } };
