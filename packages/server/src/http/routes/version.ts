import { DRIVER_PROTOCOL_VERSION, buildOpenApi } from '@sparkport/protocol';
import type { FastifyInstance } from 'fastify';

export const SPARKPORT_VERSION = '0.1.0';
/** The Livy API level we answer as: clients parse `version` and gate features on it. */
export const LIVY_API_VERSION = '0.9.0';

export function versionRoutes(app: FastifyInstance, sparkVersion: string | null): void {
  app.get('/version', async () => ({
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
  const doc = buildOpenApi(SPARKPORT_VERSION);
  app.get('/openapi.json', async () => doc);
}
