/**
 * Shared maps and datasets of a session. Single keys use GET/PUT/DELETE on /{name}/{key};
 * whole-map actions are POSTs on /{name}/put|get|save|load, so no key can be mistaken for one.
 */
import { MsgBody, SessionParams } from '../rest.ts';
import {
  BulkGetRequest, BulkGetResponse, BulkPutRequest, BulkPutResponse, LoadRequest, SaveRequest, SaveResponse, ScanQuery,
  SharedEntry, SharedItem, SharedKeyParams, SharedList, SharedPage, SharedParams, SharedValue,
} from '../shared.ts';
import { endpoint } from './endpoint.ts';

const tags = ['shared'];

export const listShared = endpoint({
  method: 'GET', url: '/sessions/:id/shared', tags, access: 'view', summary: 'List shared maps and datasets',
  params: SessionParams,
  responses: { 200: SharedList },
});

export const scanShared = endpoint({
  method: 'GET', url: '/sessions/:id/shared/:name', tags, access: 'modify', summary: 'Page through a map\'s keys or a dataset\'s rows',
  params: SharedParams, querystring: ScanQuery,
  responses: { 200: SharedPage },
});

export const dropShared = endpoint({
  method: 'DELETE', url: '/sessions/:id/shared/:name', tags, access: 'modify', summary: 'Drop a map or dataset',
  params: SharedParams,
  responses: { 200: MsgBody },
});

export const putSharedEntries = endpoint({
  method: 'POST', url: '/sessions/:id/shared/:name/put', tags, access: 'modify', summary: 'Put many keys at once (all or nothing)',
  params: SharedParams, body: BulkPutRequest,
  responses: { 200: BulkPutResponse },
});

export const getSharedEntries = endpoint({
  method: 'POST', url: '/sessions/:id/shared/:name/get', tags, access: 'modify', summary: 'Get many keys at once',
  params: SharedParams, body: BulkGetRequest,
  responses: { 200: BulkGetResponse },
});

export const saveShared = endpoint({
  method: 'POST', url: '/sessions/:id/shared/:name/save', tags, access: 'modify', summary: 'Save a map or dataset to a path',
  params: SharedParams, body: SaveRequest,
  responses: { 200: SaveResponse },
});

export const loadShared = endpoint({
  method: 'POST', url: '/sessions/:id/shared/:name/load', tags, access: 'modify', summary: 'Load a path under a name',
  params: SharedParams, body: LoadRequest,
  responses: { 200: SharedItem },
});

export const getSharedKey = endpoint({
  method: 'GET', url: '/sessions/:id/shared/:name/:key', tags, access: 'modify', summary: 'Get one key',
  params: SharedKeyParams,
  responses: { 200: SharedEntry },
});

export const putSharedKey = endpoint({
  method: 'PUT', url: '/sessions/:id/shared/:name/:key', tags, access: 'modify', summary: 'Set one key (the body is the JSON value)',
  params: SharedKeyParams, body: SharedValue,
  responses: { 200: SharedEntry },
});

export const deleteSharedKey = endpoint({
  method: 'DELETE', url: '/sessions/:id/shared/:name/:key', tags, access: 'modify', summary: 'Delete one key',
  params: SharedKeyParams,
  responses: { 200: MsgBody },
});
