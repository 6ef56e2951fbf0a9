export { SparkportClient, batchEnded, splitLivyLog } from './client.ts';
export { addedLines } from './log-lines.ts';
export { SparkportError, NetworkError } from './errors.ts';
export { makeSettings, type ClientSettings, type Credentials } from './http.ts';
export * as api from './sessions.ts';
export * as batchApi from './batches.ts';
export type { SessionRef, Watched } from './sessions.ts';
export type { BatchRef } from './batches.ts';
export type {
  Batch, BatchList, CreateBatchRequest, CreateSessionRequest, LogBody, Session, SharedItem, SharedPage, Statement,
  StatementEvent, StatementOutput,
} from '@sparkport/protocol';
export { SharedRdd } from './shared.ts';
// The lifecycle tables, so callers (the CLI) ask 'is it live?' instead of keeping lists of names.
export { batchMachine, sessionMachine, statementMachine } from '@sparkport/protocol';
export * as sharedApi from './shared.ts';
