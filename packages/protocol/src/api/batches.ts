/** Livy's batches: one spark-submit run each. */
import { Batch, BatchList, BatchParams, BatchStateBody, CreateBatchRequest } from '../batches.ts';
import { LogBody, LogQuery, MsgBody, ListQuery } from '../rest.ts';
import { NOT_MODIFIED, endpoint } from './endpoint.ts';

const tags = ['batches'];
const params = BatchParams;

export const listBatches = endpoint({
  method: 'GET', url: '/batches', tags, access: 'authenticated', summary: 'List batches (the list key is `sessions`, as in Livy)',
  querystring: ListQuery,
  responses: { 200: BatchList, 304: NOT_MODIFIED },
});

export const createBatch = endpoint({
  method: 'POST', url: '/batches', tags, access: 'create', summary: 'Submit a batch: spark-submit of a jar or Python file',
  body: CreateBatchRequest,
  responses: { 201: Batch },
});

export const getBatch = endpoint({
  method: 'GET', url: '/batches/:id', tags, access: 'view', summary: 'Get a batch by id or name',
  params,
  responses: { 200: Batch },
});

export const getBatchState = endpoint({
  method: 'GET', url: '/batches/:id/state', tags, access: 'view', summary: 'Batch state',
  params,
  responses: { 200: BatchStateBody },
});

export const getBatchLog = endpoint({
  method: 'GET', url: '/batches/:id/log', tags, access: 'view', summary: 'spark-submit output (stdout and stderr merged)',
  params, querystring: LogQuery,
  responses: { 200: LogBody },
});

export const stopBatch = endpoint({
  method: 'POST', url: '/batches/:id/stop', tags, access: 'modify', summary: 'Kill a batch, keep it listed as killed',
  params,
  responses: { 200: MsgBody },
});

export const deleteBatch = endpoint({
  method: 'DELETE', url: '/batches/:id', tags, access: 'modify', summary: 'Kill a batch and delete it',
  params,
  responses: { 200: MsgBody },
});
