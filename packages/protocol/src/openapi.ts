/**
 * The OpenAPI document, produced from the same schemas the server validates with, so the two
 * cannot drift. Served at GET /openapi.json.
 */
import { Type, type TSchema } from '@sinclair/typebox';
import * as R from './rest.ts';
import * as B from './batches.ts';
import * as S from './shared.ts';

interface Op {
  method: 'get' | 'post' | 'put' | 'delete';
  path: string;
  summary: string;
  body?: TSchema;
  ok: number;
  response?: TSchema;
  query?: string[];
}

export const OPERATIONS: Op[] = [
  { method: 'get', path: '/version', summary: 'Server version (Livy-compatible)', ok: 200, response: R.VersionBody },
  { method: 'get', path: '/sessions', summary: 'List sessions', ok: 200, response: R.SessionList, query: ['from', 'size'] },
  { method: 'post', path: '/sessions', summary: 'Create an interactive session', body: R.CreateSessionRequest, ok: 201, response: R.Session },
  { method: 'get', path: '/sessions/{id}', summary: 'Get a session by id or name', ok: 200, response: R.Session },
  { method: 'get', path: '/sessions/{id}/state', summary: 'Session state', ok: 200, response: R.SessionStateBody },
  { method: 'get', path: '/sessions/{id}/log', summary: 'Driver log lines', ok: 200, response: R.LogBody, query: ['from', 'size'] },
  { method: 'delete', path: '/sessions/{id}', summary: 'Stop and delete a session', ok: 200, response: R.MsgBody },
  { method: 'post', path: '/sessions/{id}/connect', summary: 'Re-attach (records activity)', ok: 200, response: R.Session },
  { method: 'post', path: '/sessions/{id}/stop', summary: 'Stop a session, keep it listed', ok: 200, response: R.MsgBody },
  { method: 'post', path: '/sessions/{id}/interrupt', summary: 'Same as /stop (Livy compatibility)', ok: 200, response: R.MsgBody },
  { method: 'get', path: '/sessions/{id}/events', summary: 'Server-Sent Events: session state changes', ok: 200 },
  { method: 'get', path: '/sessions/{id}/statements', summary: 'List statements', ok: 200, response: R.StatementList, query: ['from', 'size', 'order'] },
  { method: 'post', path: '/sessions/{id}/statements', summary: 'Run a statement (?wait=SECONDS answers when done)', body: R.CreateStatementRequest, ok: 201, response: R.Statement, query: ['wait'] },
  { method: 'get', path: '/sessions/{id}/statements/{sid}', summary: 'Get a statement (?wait=SECONDS long-polls)', ok: 200, response: R.Statement, query: ['wait'] },
  { method: 'post', path: '/sessions/{id}/statements/{sid}/cancel', summary: 'Cancel a statement', ok: 200, response: R.MsgBody },
  { method: 'get', path: '/sessions/{id}/statements/{sid}/events', summary: 'Server-Sent Events: live output, progress, final result', ok: 200 },
  { method: 'post', path: '/sessions/{id}/completion', summary: 'Code completion', body: R.CompletionRequest, ok: 200, response: R.CompletionResponse },
  { method: 'get', path: '/batches', summary: 'List batches (the list key is `sessions`, as in Livy)', ok: 200, response: B.BatchList, query: ['from', 'size'] },
  { method: 'post', path: '/batches', summary: 'Submit a batch: spark-submit of a jar or Python file', body: B.CreateBatchRequest, ok: 201, response: B.Batch },
  { method: 'get', path: '/batches/{id}', summary: 'Get a batch by id or name', ok: 200, response: B.Batch },
  { method: 'get', path: '/batches/{id}/state', summary: 'Batch state', ok: 200, response: B.BatchStateBody },
  { method: 'get', path: '/batches/{id}/log', summary: 'spark-submit output (stdout and stderr merged)', ok: 200, response: R.LogBody, query: ['from', 'size'] },
  { method: 'post', path: '/batches/{id}/stop', summary: 'Kill a batch, keep it listed as killed', ok: 200, response: R.MsgBody },
  { method: 'delete', path: '/batches/{id}', summary: 'Kill a batch and delete it', ok: 200, response: R.MsgBody },
  { method: 'get', path: '/sessions/{id}/shared', summary: 'List shared maps and datasets', ok: 200, response: S.SharedList },
  { method: 'get', path: '/sessions/{id}/shared/{name}', summary: 'Page through a map\'s keys or a dataset\'s rows', ok: 200, response: S.SharedPage, query: ['prefix', 'limit', 'cursor'] },
  { method: 'delete', path: '/sessions/{id}/shared/{name}', summary: 'Drop a map or dataset', ok: 200, response: R.MsgBody },
  { method: 'post', path: '/sessions/{id}/shared/{name}/put', summary: 'Put many keys at once (all or nothing)', body: S.BulkPutRequest, ok: 200, response: S.BulkPutResponse },
  { method: 'post', path: '/sessions/{id}/shared/{name}/get', summary: 'Get many keys at once', body: S.BulkGetRequest, ok: 200, response: S.BulkGetResponse },
  { method: 'post', path: '/sessions/{id}/shared/{name}/save', summary: 'Save a map or dataset to a path', body: S.SaveRequest, ok: 200, response: S.SaveResponse },
  { method: 'post', path: '/sessions/{id}/shared/{name}/load', summary: 'Load a path under a name', body: S.LoadRequest, ok: 200, response: S.SharedItem },
  { method: 'get', path: '/sessions/{id}/shared/{name}/{key}', summary: 'Get one key', ok: 200, response: S.SharedEntry },
  { method: 'put', path: '/sessions/{id}/shared/{name}/{key}', summary: 'Set one key (the body is the JSON value)', body: Type.Unknown(), ok: 200, response: S.SharedEntry },
  { method: 'delete', path: '/sessions/{id}/shared/{name}/{key}', summary: 'Delete one key', ok: 200, response: R.MsgBody },
];

export function buildOpenApi(version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of OPERATIONS) {
    const params = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
      name: m[1], in: 'path', required: true, schema: { type: 'string' },
    }));
    for (const q of op.query ?? []) params.push({ name: q, in: 'query', required: false, schema: { type: 'string' } });
    const responses: Record<string, unknown> = {
      [String(op.ok)]: {
        description: 'OK',
        content: op.response
          ? { 'application/json': { schema: op.response } }
          : { 'text/event-stream': { schema: { type: 'string' } } },
      },
      default: { description: 'Error', content: { 'application/json': { schema: R.ErrorBodySchema } } },
    };
    (paths[op.path] ??= {})[op.method] = {
      summary: op.summary,
      parameters: params,
      ...(op.body ? { requestBody: { required: true, content: { 'application/json': { schema: op.body } } } } : {}),
      responses,
    };
  }
  return { openapi: '3.1.0', info: { title: 'Sparkport', version }, paths };
}
