/**
 * Shared data over REST: named key/value maps and named datasets living in a session.
 */
import { Type, type Static } from '@sinclair/typebox';
import { MapOf } from './map-of.ts';
import { IdParam, Params } from './rest.ts';

/** A name SQL can use as a view name (the server checks it, with a message saying so). */
const name = Type.String({ description: 'The shared map or dataset' });
export const SharedParams = Params({ id: IdParam, name });
export const SharedKeyParams = Params({ id: IdParam, name, key: Type.String({ description: 'A key of the map' }) });

export const ScanQuery = Params({
  prefix: Type.Optional(Type.String({ description: 'Only keys starting with this (maps)' })),
  limit: Type.Integer({ minimum: 1, default: 100, description: 'At most this many entries or rows (capped by limits.sharedPageSize)' }),
  cursor: Type.Optional(Type.String({ description: 'next_cursor of the previous page' })),
});

/** PUT of one key: the body is the value itself, any JSON. */
export const SharedValue = Type.Unknown({ description: 'Any JSON value' });

export const SharedFormat = Type.Union([Type.Literal('parquet'), Type.Literal('json')]);

export const SharedItem = Type.Object({
  kind: Type.Union([Type.Literal('map'), Type.Literal('dataset')]),
  name: Type.String(),
  size: Type.Optional(Type.Integer()),
  schema: Type.Optional(Type.Unknown()),
  count: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
});
export type SharedItem = Static<typeof SharedItem>;

export const SharedList = Type.Object({ items: Type.Array(SharedItem) });
export type SharedList = Static<typeof SharedList>;

export const SharedPage = Type.Object({
  name: Type.String(),
  kind: Type.Union([Type.Literal('map'), Type.Literal('dataset')]),
  size: Type.Optional(Type.Integer()),
  entries: Type.Optional(Type.Array(Type.Object({ key: Type.String(), value: Type.Unknown() }))),
  schema: Type.Optional(Type.Unknown()),
  count: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
  rows: Type.Optional(Type.Array(Type.Unknown())),
  next_cursor: Type.Union([Type.String(), Type.Null()]),
});
export type SharedPage = Static<typeof SharedPage>;

export const SharedEntry = Type.Object({ name: Type.String(), key: Type.String(), value: Type.Unknown() });
export type SharedEntry = Static<typeof SharedEntry>;

export const BulkPutRequest = Type.Object(
  { entries: MapOf(Type.Unknown()) },
  { additionalProperties: false },
);
export type BulkPutRequest = Static<typeof BulkPutRequest>;
export const BulkPutResponse = Type.Object({ updated: Type.Integer(), size: Type.Integer() });

export const BulkGetRequest = Type.Object(
  { keys: Type.Array(Type.String(), { maxItems: 10_000 }) },
  { additionalProperties: false },
);
export type BulkGetRequest = Static<typeof BulkGetRequest>;
export const BulkGetResponse = Type.Object({
  values: MapOf(Type.Unknown()),
  missing: Type.Array(Type.String()),
});
export type BulkGetResponse = Static<typeof BulkGetResponse>;

export const SaveRequest = Type.Object(
  {
    path: Type.String({ minLength: 1 }),
    format: Type.Optional(SharedFormat),
    mode: Type.Optional(Type.Union([Type.Literal('error'), Type.Literal('overwrite')])),
  },
  { additionalProperties: false },
);
export type SaveRequest = Static<typeof SaveRequest>;
export const SaveResponse = Type.Object({ path: Type.String(), format: Type.String(), rows: Type.Integer() });

export const LoadRequest = Type.Object(
  {
    path: Type.String({ minLength: 1 }),
    format: Type.Optional(SharedFormat),
    as: Type.Optional(Type.Union([Type.Literal('dataset'), Type.Literal('map')])),
  },
  { additionalProperties: false },
);
export type LoadRequest = Static<typeof LoadRequest>;
