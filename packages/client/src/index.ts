export { SparkportClient } from './client.ts';
export { SparkportError, NetworkError } from './errors.ts';
export { makeSettings, type ClientSettings } from './http.ts';
export * as api from './sessions.ts';
export type { SessionRef } from './sessions.ts';
export type { Session, Statement, StatementOutput, CreateSessionRequest } from '@sparkport/protocol';
export { SharedRdd } from './shared.ts';
export * as sharedApi from './shared.ts';
