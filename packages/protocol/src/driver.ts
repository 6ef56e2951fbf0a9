/**
 * Driver protocol messages (see PROTOCOL.md). The Python driver implements the same shapes.
 */
import type { StatementOutput } from './rest.ts';

export const DRIVER_PROTOCOL_VERSION = 1;

export interface Limits {
  rows: number;
  text_bytes: number;
}

// driver → server
export interface HelloMsg { type: 'hello'; token: string; pid: number; protocol: number; python?: string }
export interface ReadyMsg { type: 'ready'; app_id: string | null; spark_ui_url: string | null; spark_version?: string; master?: string }
export interface FatalMsg { type: 'fatal'; message: string; traceback?: string[] }
export interface StreamMsg { type: 'stream'; re: number; name: 'stdout' | 'stderr'; text: string }
export interface ProgressMsg { type: 'progress'; re: number; progress: number }
export interface ReplyMsg {
  type: 'reply';
  re: number;
  ok: boolean;
  result?: Record<string, unknown>;
  error?: { code: string; message: string };
}
export interface ErrorMsg { type: 'error'; re: number | null; code: string; message: string }
export type DriverToServer = HelloMsg | ReadyMsg | FatalMsg | StreamMsg | ProgressMsg | ReplyMsg | ErrorMsg;

// server → driver
export interface WelcomeMsg { type: 'welcome'; session_id: number; limits: Limits }
export interface ExecuteReq { type: 'execute'; id: number; statement_id: number; kind: string; code: string }
export interface CancelReq { type: 'cancel'; id: number; target: number }
export interface CompleteReq { type: 'complete'; id: number; kind: string; code: string; cursor: number }
export interface PingReq { type: 'ping'; id: number }
export interface ShutdownReq { type: 'shutdown'; id: number }
/** Shared-data requests (PROTOCOL.md §4); fields per the table there. */
export interface SharedReq {
  type: 'shared_list' | 'shared_put' | 'shared_get' | 'shared_delete' | 'shared_scan' | 'shared_save' | 'shared_load';
  id: number;
  [field: string]: unknown;
}
export type DriverRequest = ExecuteReq | CancelReq | CompleteReq | PingReq | ShutdownReq | SharedReq;
export type ServerToDriver = WelcomeMsg | DriverRequest | ErrorMsg;

export interface ExecuteResult { output: StatementOutput; cancelled: boolean }

export const DRIVER_ERROR_CODES = [
  'BAD_MESSAGE',
  'UNKNOWN_TYPE',
  'BAD_TOKEN',
  'BAD_PROTOCOL',
  'NOT_READY',
  'UNKNOWN_TARGET',
  'DRIVER_LOST',
  'INTERNAL',
] as const;
export type DriverErrorCode = (typeof DRIVER_ERROR_CODES)[number];
