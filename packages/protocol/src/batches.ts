/**
 * Batch bodies (`/batches`): Livy's CreateBatchRequest and Batch object, field for field. A
 * batch is one spark-submit run of a jar or a Python file; it has no statements.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { AppInfo, IdParam, MAX_BATCH_ARGS, Params, StringEnum, SUBMIT_FIELDS } from './rest.ts';
import { BATCH_STATES } from './states.ts';

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const StringList = Type.Array(Type.String());

export const CreateBatchRequest = Type.Object(
  {
    file: Type.String({ minLength: 1, description: 'The jar or Python file to run: a local path inside batches.allowedDirs, or a URI (hdfs://, s3a://, local:, …)' }),
    className: Type.Optional(Type.String({ minLength: 1, description: 'Main class of a jar' })),
    args: Type.Optional(Type.Array(Type.String(), { maxItems: MAX_BATCH_ARGS })),
    ...SUBMIT_FIELDS,
  },
  { additionalProperties: false, $id: 'CreateBatchRequest' },
);
export type CreateBatchRequest = Static<typeof CreateBatchRequest>;

export const Batch = Type.Object(
  {
    id: Type.Integer(),
    name: Nullable(Type.String()),
    owner: Nullable(Type.String()),
    proxyUser: Nullable(Type.String()),
    state: StringEnum(BATCH_STATES),
    appId: Nullable(Type.String()),
    appInfo: AppInfo,
    log: StringList,
    createdAt: Type.Integer({ description: 'Sparkport: when the batch was submitted, in ms since the epoch' }),
  },
  { $id: 'Batch' },
);
export type Batch = Static<typeof Batch>;

/** Livy names the list `sessions` for batches too; clients read that key. */
export const BatchList = Type.Object({
  from: Type.Integer(),
  total: Type.Integer(),
  sessions: Type.Array(Batch),
});
export type BatchList = Static<typeof BatchList>;

export const BatchStateBody = Type.Object({ id: Type.Integer(), state: StringEnum(BATCH_STATES) });
export type BatchStateBody = Static<typeof BatchStateBody>;

export const BatchParams = Params({ id: IdParam });
