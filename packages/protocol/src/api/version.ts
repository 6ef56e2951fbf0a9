/** The server itself. */
import { OpenApiDocument, VersionBody } from '../rest.ts';
import { endpoint } from './endpoint.ts';

const tags = ['server'];

export const getVersion = endpoint({
  method: 'GET', url: '/version', tags, access: 'public', summary: 'Server version (Livy-compatible)',
  responses: { 200: VersionBody },
});

export const getOpenApi = endpoint({
  method: 'GET', url: '/openapi.json', tags, access: 'public', summary: 'This API as an OpenAPI 3.1 document',
  responses: { 200: OpenApiDocument },
});
