/**
 * Registers the handler of a declared endpoint (@sparkport/protocol's api): its method, URL and
 * schemas come from the declaration, so a route never restates them, and the request and reply
 * types follow from the schemas.
 */
// The OpenAPI fields of a route schema (summary, tags, operationId) are typed by the plugin.
import type {} from '@fastify/swagger';
import type { Static, TSchema } from '@sinclair/typebox';
import type { Endpoint } from '@sparkport/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchema, RouteHandlerMethod } from 'fastify';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The declaration a route was registered from; every route has one (see build-http.ts). */
    endpoint?: Endpoint;
  }
}

type Part<E, K extends string> = E extends { [P in K]: infer S extends TSchema } ? Static<S> : unknown;

type SuccessStatus = 200 | 201 | 202 | 204 | 302 | 304;
/**
 * The body a handler returns: one of its success responses; for a media response (text) the
 * text, or nothing for a stream it writes itself.
 */
type Success<E extends Endpoint> = {
  [S in keyof E['responses'] & SuccessStatus]: E['responses'][S] extends TSchema ? Static<E['responses'][S]> : string | void;
}[keyof E['responses'] & SuccessStatus];

export type RouteRequest<E extends Endpoint> = FastifyRequest<{
  Params: Part<E, 'params'>;
  Querystring: Part<E, 'querystring'>;
  Body: Part<E, 'body'>;
}>;

export type Handler<E extends Endpoint> = (req: RouteRequest<E>, reply: FastifyReply) => Promise<Success<E>>;

function schemaOf(ep: Endpoint): FastifySchema {
  return {
    operationId: ep.operationId,
    summary: ep.summary,
    ...(ep.description ? { description: ep.description } : {}),
    tags: [...ep.tags],
    ...(ep.params ? { params: ep.params } : {}),
    ...(ep.querystring ? { querystring: ep.querystring } : {}),
    ...(ep.body ? { body: ep.body } : {}),
    response: ep.responses,
  };
}

export function route<E extends Endpoint>(app: FastifyInstance, ep: E, handler: Handler<E>): void {
  app.route({
    method: ep.method,
    url: ep.url,
    schema: schemaOf(ep),
    config: { endpoint: ep },
    ...(ep.bodyOptional ? { preValidation: noBodyIsEmpty } : {}),
    handler: handler as unknown as RouteHandlerMethod,
  });
}

async function noBodyIsEmpty(req: FastifyRequest): Promise<void> {
  if (req.body === undefined) req.body = {};
}
