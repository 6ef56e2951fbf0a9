/**
 * One function per session and statement endpoint.
 */
import type {
  CreateSessionRequest, LogBody, Session, SessionList, SessionStateBody, SparkConnectBody, Statement, StatementList, VersionBody,
} from '@sparkport/protocol';
import { enc, query, request, requestWithHeaders, type ClientSettings } from './http.ts';
import { sse } from './sse.ts';

type S = Required<ClientSettings>;
export type SessionRef = number | string;

export const getVersion = (s: S) => request<VersionBody>(s, 'GET', '/version');
export const listSessions = (s: S, from?: number, size?: number) => request<SessionList>(s, 'GET', `/sessions${query({ from, size })}`);
/** A page of a list as of its ETag; `page` is null when it did not change from the one given. */
export interface Watched<T> { etag: string | null; page: T | null }

/**
 * Long-polls a list (`/sessions` or `/batches`): answers at once with the page when it differs from
 * `etag`, else when it changes within `waitSeconds`, else with `page: null`.
 */
export async function watchList<T>(s: S, path: string, opts: { etag?: string | null; waitSeconds?: number; from?: number; size?: number; signal?: AbortSignal }) {
  const r = await requestWithHeaders<T>(s, 'GET', `${path}${query({ from: opts.from, size: opts.size, wait: opts.etag ? opts.waitSeconds ?? 30 : undefined })}`,
    undefined, { signal: opts.signal, headers: opts.etag ? { 'If-None-Match': opts.etag } : {} });
  return { etag: r.headers.get('ETag'), page: r.status === 304 ? null : r.body } satisfies Watched<T>;
}
export const watchSessions = (s: S, opts: Parameters<typeof watchList>[2] = {}) => watchList<SessionList>(s, '/sessions', opts);

export const createSession = (s: S, body: CreateSessionRequest = {}) => request<Session>(s, 'POST', '/sessions', body);
export const getSession = (s: S, id: SessionRef) => request<Session>(s, 'GET', `/sessions/${enc(String(id))}`);
export const getSessionState = (s: S, id: SessionRef) => request<SessionStateBody>(s, 'GET', `/sessions/${enc(String(id))}/state`);
export const getSessionLog = (s: S, id: SessionRef, from?: number, size?: number) =>
  request<LogBody>(s, 'GET', `/sessions/${enc(String(id))}/log${query({ from, size })}`);
export const deleteSession = (s: S, id: SessionRef) => request<{ msg: string }>(s, 'DELETE', `/sessions/${enc(String(id))}`);
/** Stops the session's driver and keeps it listed (as `success` or `dead`), with its statements. */
export const stopSession = (s: S, id: SessionRef) => request<{ msg: string }>(s, 'POST', `/sessions/${enc(String(id))}/stop`);
/** The session's Spark Connect URL with its token (a secret), for a Spark Connect client. */
export const getSparkConnect = (s: S, id: SessionRef) => request<SparkConnectBody>(s, 'GET', `/sessions/${enc(String(id))}/spark-connect`);

export const listStatements = (s: S, id: SessionRef, opts: { from?: number; size?: number; order?: 'asc' | 'desc' } = {}) =>
  request<StatementList>(s, 'GET', `/sessions/${enc(String(id))}/statements${query(opts)}`);
export const submitStatement = (s: S, id: SessionRef, code: string, kind?: string, waitSeconds?: number) =>
  request<Statement>(s, 'POST', `/sessions/${enc(String(id))}/statements${query({ wait: waitSeconds })}`, kind ? { code, kind } : { code });
export const getStatement = (s: S, id: SessionRef, sid: number, waitSeconds?: number) =>
  request<Statement>(s, 'GET', `/sessions/${enc(String(id))}/statements/${sid}${query({ wait: waitSeconds })}`);
export const cancelStatement = (s: S, id: SessionRef, sid: number) =>
  request<{ msg: string }>(s, 'POST', `/sessions/${enc(String(id))}/statements/${sid}/cancel`);
export const complete = (s: S, id: SessionRef, code: string, kind?: string, cursor?: number) =>
  request<{ candidates: string[] }>(s, 'POST', `/sessions/${enc(String(id))}/completion`, { code, kind, cursor });

export const statementEvents = (s: S, id: SessionRef, sid: number, signal?: AbortSignal) =>
  sse(s, `/sessions/${enc(String(id))}/statements/${sid}/events`, signal);
export const sessionEvents = (s: S, id: SessionRef, signal?: AbortSignal) => sse(s, `/sessions/${enc(String(id))}/events`, signal);
