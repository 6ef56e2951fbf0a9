/**
 * What an endpoint is, as data: the server registers its handler from this, validates requests
 * and serialises responses with these schemas, and the OpenAPI document is generated from it.
 */
import { Type, type TObject, type TSchema } from '@sinclair/typebox';
import { ErrorBodySchema } from '../rest.ts';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** A response that is not one JSON body, in OpenAPI's (and Fastify's) per-media-type form. */
export interface MediaResponse {
  description: string;
  content: Record<string, { schema: TSchema }>;
}

export type ResponseSpec = TSchema | MediaResponse;

export interface EndpointSpec {
  method: Method;
  /** Fastify's syntax: `/sessions/:id`. */
  url: string;
  summary: string;
  description?: string;
  tags: readonly string[];
  params?: TObject;
  querystring?: TObject;
  body?: TSchema;
  /** No body at all is read as `{}` (Livy lets clients create a session without one). */
  bodyOptional?: boolean;
  /** Success statuses only: the error statuses are the same for every endpoint. */
  responses: Readonly<Record<number, ResponseSpec>>;
}

/** Every endpoint may fail, and every failure has the same body. */
export const ERROR_RESPONSES = { '4xx': ErrorBodySchema, '5xx': ErrorBodySchema } as const;

export type Endpoint<S extends EndpointSpec = EndpointSpec> = S & {
  responses: S['responses'] & typeof ERROR_RESPONSES;
  /** The endpoint's export name, filled in when the api files are collected (api/index.ts). */
  operationId: string;
};

export function endpoint<const S extends EndpointSpec>(spec: S): Endpoint<S> {
  return { ...spec, responses: { ...spec.responses, ...ERROR_RESPONSES }, operationId: '' };
}

/** Server-Sent Events: the events are described in docs/API.md, not by a schema. */
export function eventStream(description: string): MediaResponse {
  return { description, content: { 'text/event-stream': { schema: Type.String() } } };
}

export function isMediaResponse(r: ResponseSpec): r is MediaResponse {
  return typeof r === 'object' && r !== null && 'content' in r && typeof (r as MediaResponse).description === 'string';
}
