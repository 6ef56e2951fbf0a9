/**
 * What the server persists. Names are the domain's own; the Livy view (http/livy-view.ts)
 * renames nothing important but fills in Livy's fixed keys.
 */
import type { BatchState, SessionKind, SessionState, StatementOutput, StatementState } from '@sparkport/protocol';
import type { Placement } from './placement.ts';

/** What sessions and batches both hand to spark-submit. */
export interface SubmitSpec {
  /** Master and deploy mode (placement.ts); absent in records stored before it was. */
  placement?: Placement;
  proxyUser: string | null;
  driverMemory: string | null;
  driverCores: number;
  executorMemory: string | null;
  executorCores: number;
  numExecutors: number;
  queue: string | null;
  conf: Record<string, string>;
  jars: string[];
  pyFiles: string[];
  files: string[];
  archives: string[];
}

export interface SessionSpec extends SubmitSpec {
  kind: SessionKind;
  name: string | null;
  heartbeatTimeoutInSecond: number;
  ttl: string | null;
  idleTimeout: string | null;
  preload?: Record<string, { path: string; format?: 'parquet' | 'json'; as?: 'dataset' | 'map' }>;
}

export interface SessionRecord extends SessionSpec {
  id: number;
  owner: string | null;
  state: SessionState;
  stateReason: string | null;
  stateChangedAt: number;
  createdAt: number;
  lastActivity: number;
  lastHeartbeat: number;
  appId: string | null;
  sparkUiUrl: string | null;
  /** Where the cluster manager shows the driver's log (a cluster-mode driver's, or the YARN application master's). */
  driverLogUrl?: string | null;
  /** A warm driver took the session and has yet to set its runtime conf (warm-pool.ts). */
  confPending?: boolean;
  driverPid: number | null;
  /** Set when a user deleted it (or a timeout did): it is gone from the API. */
  deleted: boolean;
  /** Last lines of the driver's log, kept after the driver is gone. */
  logTail: string[];
}

export interface StatementRecord {
  sessionId: number;
  id: number;
  code: string;
  kind: string;
  state: StatementState;
  output: StatementOutput | null;
  progress: number;
  started: number;
  completed: number;
}

/** A batch request once checked: local paths are resolved, defaults filled in. */
export interface BatchSpec extends SubmitSpec {
  file: string;
  className: string | null;
  args: string[];
  name: string | null;
}

export interface BatchRecord extends BatchSpec {
  id: number;
  owner: string | null;
  state: BatchState;
  stateReason: string | null;
  stateChangedAt: number;
  createdAt: number;
  appId: string | null;
  sparkUiUrl: string | null;
  driverLogUrl?: string | null;
  /** spark-submit's pid (and process group), while it runs. */
  pid: number | null;
  exitCode: number | null;
  deleted: boolean;
  /** spark-submit's output as the log endpoint shows it, stored when the batch ends. */
  logTail: string[];
}
