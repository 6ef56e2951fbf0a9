/**
 * What a batch holds in memory beside its persisted record: the spark-submit process, its
 * output, and the outcome a kill asked for.
 */
import type { BatchState } from '@sparkport/protocol';
import type { Timer } from '../clock.ts';
import { LogBuffer } from './log-buffer.ts';
import type { BatchProcess } from './ports/batch-launcher.ts';
import type { BatchRecord } from './records.ts';
import type { Tracked } from './registry.ts';

const MARKERS = ['stdout: ', '\nstderr: '];

export class BatchRuntime implements Tracked<BatchRecord> {
  proc?: BatchProcess;
  /** Set when we kill the process: its exit then means this state, not success or failure. */
  killedAs?: { state: BatchState; reason: string };
  stopping?: Promise<void>;
  /** Taken on after a server restart: its process was started by an earlier server. */
  adopted?: boolean;
  /** Pending write of the log to the store (output since the last one is not stored yet). */
  logFlush?: Timer;
  /**
   * spark-submit's stdout and stderr in one ring, in the order written, as Livy shows batch
   * logs: everything under "stdout: ", an empty "stderr: ".
   */
  readonly log: LogBuffer;

  constructor(public record: BatchRecord, logLines: number) {
    this.log = new LogBuffer(logLines);
    for (const line of record.logTail) if (!MARKERS.includes(line)) this.log.push('stdout', line);
  }

  get id(): number { return this.record.id; }
}
