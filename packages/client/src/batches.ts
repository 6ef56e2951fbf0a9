/**
 * One function per batch endpoint (`/batches`, Livy's shapes: the list is under `sessions`, as
 * Livy names it for batches too).
 */
import type { Batch, BatchList, BatchStateBody, CreateBatchRequest, LogBody } from '@sparkport/protocol';
import { enc, query, request, type ClientSettings } from './http.ts';
import { watchList } from './sessions.ts';

type S = Required<ClientSettings>;
export type BatchRef = number | string;

const base = (id: BatchRef) => `/batches/${enc(String(id))}`;

export const listBatches = (s: S, from?: number, size?: number) => request<BatchList>(s, 'GET', `/batches${query({ from, size })}`);
export const watchBatches = (s: S, opts: Parameters<typeof watchList>[2] = {}) => watchList<BatchList>(s, '/batches', opts);
export const createBatch = (s: S, body: CreateBatchRequest) => request<Batch>(s, 'POST', '/batches', body);
export const getBatch = (s: S, id: BatchRef) => request<Batch>(s, 'GET', base(id));
export const getBatchState = (s: S, id: BatchRef) => request<BatchStateBody>(s, 'GET', `${base(id)}/state`);
export const getBatchLog = (s: S, id: BatchRef, from?: number, size?: number) =>
  request<LogBody>(s, 'GET', `${base(id)}/log${query({ from, size })}`);
export const deleteBatch = (s: S, id: BatchRef) => request<{ msg: string }>(s, 'DELETE', base(id));
export const stopBatch = (s: S, id: BatchRef) => request<{ msg: string }>(s, 'POST', `${base(id)}/stop`);
