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

/**
 * The right a request needs, checked by the server from this declaration alone (docs/API.md,
 * "Rights"). `view` and `modify` are rights over the session or batch named by the URL's `:id`:
 *  - public: anyone, even without credentials;
 *  - authenticated: any authenticated user (lists then show only what the user may view);
 *  - create: any authenticated user, who becomes the owner (and may name a proxyUser only if allowed);
 *  - view: the owner, view users, modify users and superusers;
 *  - modify: the owner, modify users and superusers (runs code, changes or reads its data).
 */
export type Access = 'public' | 'authenticated' | 'create' | 'view' | 'modify';
export const ACCESS_LEVELS: readonly Access[] = ['public', 'authenticated', 'create', 'view', 'modify'];

export interface EndpointSpec {
  method: Method;
  /** Fastify's syntax: `/sessions/:id`. */
  url: string;
  summary: string;
  description?: string;
  tags: readonly string[];
  /** Who may call it: required, so no endpoint is left open by omission. */
  access: Access;
  params?: TObject;
  querystring?: TObject;
  body?: TSchema;
  /** No body at all is read as `{}` (Livy lets clients create a session without one). */
  bodyOptional?: boolean;
  /**
   * Written to the audit log whatever its method (http/audit.ts): a read that hands out a secret.
   * Without it, only requests that create or change something (and refusals) are.
   */
  audit?: boolean;
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
  // Each event's data is JSON of a shape named by its event (docs/API.md); no one schema fits all.
  return { description, content: { 'text/event-stream': { schema: Type.Unknown() } } };
}

/** A plain-text body (Prometheus' exposition format, say): served as a string, never serialised or checked as JSON. */
export function textResponse(description: string, mediaType = 'text/plain'): MediaResponse {
  return { description, content: { [mediaType]: { schema: Type.String() } } };
}

/** A response with no body (a redirect, a 304): `null`, which the OpenAPI document shows without content. */
export const noBody = (description: string) => Type.Null({ description });

/** 304 for a long poll whose list did not change (`?wait` with If-None-Match). */
export const NOT_MODIFIED = noBody('The page is still the one of the If-None-Match ETag');

export function isMediaResponse(r: ResponseSpec): r is MediaResponse {
  return typeof r === 'object' && r !== null && 'content' in r && typeof (r as MediaResponse).description === 'string';
}
