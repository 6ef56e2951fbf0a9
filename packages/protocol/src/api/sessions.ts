/** Livy's interactive sessions. */
import {
  CreateSessionRequest, LogBody, LogQuery, MsgBody, ListQuery, Session, SessionList, SessionParams, SessionStateBody, SparkConnectBody,
} from '../rest.ts';
import { NOT_MODIFIED, endpoint, eventStream } from './endpoint.ts';

const tags = ['sessions'];
const params = SessionParams;

export const listSessions = endpoint({
  method: 'GET', url: '/sessions', tags, access: 'authenticated', summary: 'List sessions',
  querystring: ListQuery,
  responses: { 200: SessionList, 304: NOT_MODIFIED },
});

export const createSession = endpoint({
  method: 'POST', url: '/sessions', tags, access: 'create', summary: 'Create an interactive session',
  body: CreateSessionRequest, bodyOptional: true,
  responses: { 201: Session },
});

export const getSession = endpoint({
  method: 'GET', url: '/sessions/:id', tags, access: 'view', summary: 'Get a session by id or name',
  params,
  responses: { 200: Session },
});

export const getSessionState = endpoint({
  method: 'GET', url: '/sessions/:id/state', tags, access: 'view', summary: 'Session state',
  params,
  responses: { 200: SessionStateBody },
});

export const getSessionLog = endpoint({
  method: 'GET', url: '/sessions/:id/log', tags, access: 'view', summary: 'Driver log lines',
  params, querystring: LogQuery,
  responses: { 200: LogBody },
});

export const deleteSession = endpoint({
  method: 'DELETE', url: '/sessions/:id', tags, access: 'modify', summary: 'Stop and delete a session',
  params,
  responses: { 200: MsgBody },
});

export const connectSession = endpoint({
  method: 'POST', url: '/sessions/:id/connect', tags, access: 'modify', summary: 'Re-attach (records activity)',
  params,
  responses: { 200: Session },
});

export const getSparkConnect = endpoint({
  method: 'GET', url: '/sessions/:id/spark-connect', tags, access: 'modify', summary: "Sparkport: the session's Spark Connect URL, with its token",
  // It hands out a secret that runs code in the session: on record, though it is a GET.
  audit: true,
  description: "With the server's connect.enabled on, each session's driver also serves Spark Connect on the session's own SparkSession (temp views and cached data are shared with statements). Needs the modify right: a Connect client runs code in the session. Each answer is written to the audit log, though it is a GET. 404 when Spark Connect is off on the server; 409 while the endpoint is not known (the session is starting or recovering) or when the driver could not start one (its log says why). Not Livy's POST on the same path, which re-attaches.",
  params,
  responses: { 200: SparkConnectBody },
});

export const stopSession = endpoint({
  method: 'POST', url: '/sessions/:id/stop', tags, access: 'modify', summary: 'Stop a session, keep it listed',
  params,
  responses: { 200: MsgBody },
});

export const interruptSession = endpoint({
  method: 'POST', url: '/sessions/:id/interrupt', tags, access: 'modify', summary: 'Same as /stop (Livy compatibility)',
  params,
  responses: { 200: MsgBody },
});

export const sessionEvents = endpoint({
  method: 'GET', url: '/sessions/:id/events', tags, access: 'view', summary: 'Server-Sent Events: session state changes',
  params,
  responses: { 200: eventStream('`session` events (state changes) and `statement` events, until the session ends') },
});
