/**
 * What a live session holds in memory beside its persisted record: the driver process and
 * connection, the statement queue, the statement now running and its streamed output.
 */
import type { DriverConnection } from '../driver/connection.ts';
import type { DriverProcess } from '../driver/launcher.ts';
import { LogBuffer } from '../driver/log-buffer.ts';
import type { Timer } from '../clock.ts';
import type { SessionRecord } from './records.ts';

export interface RunningStatement {
  stmtId: number;
  requestId: number;
  /** Lines printed so far, replayed to SSE clients that connect late (bounded). */
  streamed: { stream: 'stdout' | 'stderr'; text: string }[];
  streamedBytes: number;
  progress: number;
}

export class SessionRuntime {
  proc?: DriverProcess;
  conn?: DriverConnection;
  queue: number[] = [];
  current?: RunningStatement;
  nextStatementId: number;
  startTimer?: Timer;
  revokeToken?: () => void;
  /** Set once the driver is gone (exit or lost connection), so the loss is handled once. */
  gone = false;
  fatal?: string;
  /** True while waiting for a start slot (no process yet). */
  queuedForStart = false;
  stopping?: Promise<void>;
  readonly log: LogBuffer;

  constructor(public record: SessionRecord, statementCount: number, logLines: number) {
    this.nextStatementId = statementCount;
    this.log = new LogBuffer(logLines, record.logTail);
  }

  get id(): number { return this.record.id; }
}
