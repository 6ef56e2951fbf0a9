import { DRIVER_PROTOCOL_VERSION, Endpoints, type OpenApiDocument } from '@sparkport/protocol';
import type { Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { route } from '../route.ts';

export const SPARKPORT_VERSION = '0.1.0';
/** The Livy API level we answer as: clients parse `version` and gate features on it. */
export const LIVY_API_VERSION = '0.9.0';

export function versionRoutes(app: FastifyInstance, sparkVersion: string | null): void {
  route(app, Endpoints.getVersion, async () => ({
    version: LIVY_API_VERSION,
    sparkport: SPARKPORT_VERSION,
    user: null,
    revision: null,
    branch: null,
    date: null,
    url: null,
    sparkVersion,
    protocolVersion: DRIVER_PROTOCOL_VERSION,
  }));

  route(app, Endpoints.getOpenApi, async () => app.swagger() as Static<typeof OpenApiDocument>);
}
