/** Statements of a session, their live output, and code completion. */
import {
  CompletionRequest, CompletionResponse, CreateStatementRequest, MsgBody, SessionParams, Statement, StatementList,
  StatementListQuery, StatementParams, WaitQuery,
} from '../rest.ts';
import { endpoint, eventStream } from './endpoint.ts';

const tags = ['statements'];

export const listStatements = endpoint({
  method: 'GET', url: '/sessions/:id/statements', tags, access: 'view', summary: 'List statements',
  params: SessionParams, querystring: StatementListQuery,
  responses: { 200: StatementList },
});

export const createStatement = endpoint({
  method: 'POST', url: '/sessions/:id/statements', tags, access: 'modify', summary: 'Run a statement (?wait=SECONDS answers when done)',
  params: SessionParams, querystring: WaitQuery, body: CreateStatementRequest,
  responses: { 201: Statement },
});

export const getStatement = endpoint({
  method: 'GET', url: '/sessions/:id/statements/:sid', tags, access: 'view', summary: 'Get a statement (?wait=SECONDS long-polls)',
  params: StatementParams, querystring: WaitQuery,
  responses: { 200: Statement },
});

export const cancelStatement = endpoint({
  method: 'POST', url: '/sessions/:id/statements/:sid/cancel', tags, access: 'modify', summary: 'Cancel a statement',
  params: StatementParams,
  responses: { 200: MsgBody },
});

export const statementEvents = endpoint({
  method: 'GET', url: '/sessions/:id/statements/:sid/events', tags, access: 'view',
  summary: 'Server-Sent Events: live output, progress, final result',
  params: StatementParams,
  responses: { 200: eventStream('`statement`, then `output`, `progress` and `state` events, then `done` with the finished statement') },
});

export const completeCode = endpoint({
  method: 'POST', url: '/sessions/:id/completion', tags, access: 'modify', summary: 'Code completion',
  params: SessionParams, body: CompletionRequest,
  responses: { 200: CompletionResponse },
});
