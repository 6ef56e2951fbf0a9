/**
 * Domain records → Livy's JSON, key for key. This is where compatibility lives.
 */
import type { Batch, Session, Statement } from '@sparkport/protocol';
import type { BatchRecord, SessionRecord, StatementRecord } from '../domain/records.ts';

/**
 * A link a client may open: http(s) only. The URLs come from drivers and spark-submit output,
 * which run users' code; a `javascript:` one would be a link into the web UI's origin.
 */
export function webUrl(u: string | null | undefined): string | null {
  return u && /^https?:\/\/[^\s]+$/i.test(u) ? u : null;
}

/** `sparkConnectUrl`: the session's Spark Connect address, without its token (domain/spark-connect.ts). */
export function toLivySession(r: SessionRecord, log: string[], sparkConnectUrl: string | null, statementCount: number): Session {
  return {
    id: r.id,
    name: r.name,
    appId: r.appId,
    owner: r.owner,
    proxyUser: r.proxyUser,
    state: r.state,
    kind: r.kind,
    appInfo: { driverLogUrl: webUrl(r.driverLogUrl), sparkUiUrl: webUrl(r.sparkUiUrl), executorLogUrls: null, sparkConnectUrl },
    log: log.slice(-10),
    ttl: r.ttl,
    idleTimeout: r.idleTimeout,
    driverMemory: r.driverMemory,
    driverCores: r.driverCores,
    executorMemory: r.executorMemory,
    executorCores: r.executorCores,
    conf: r.conf,
    archives: r.archives,
    files: r.files,
    jars: r.jars,
    pyFiles: r.pyFiles,
    heartbeatTimeoutInSecond: r.heartbeatTimeoutInSecond,
    numExecutors: r.numExecutors,
    queue: r.queue,
    createdAt: r.createdAt,
    lastActivity: r.lastActivity,
    statementCount,
  };
}

export function toLivyStatement(s: StatementRecord, progress: number): Statement {
  return {
    id: s.id,
    code: s.code,
    state: s.state,
    output: s.output,
    progress,
    started: s.started,
    completed: s.completed,
  };
}

/** Livy's Batch: the keys pylivy and Livy's own clients read, and no more. */
export function toLivyBatch(r: BatchRecord, log: string[]): Batch {
  return {
    id: r.id,
    name: r.name,
    owner: r.owner,
    proxyUser: r.proxyUser,
    state: r.state,
    appId: r.appId,
    appInfo: { driverLogUrl: webUrl(r.driverLogUrl), sparkUiUrl: webUrl(r.sparkUiUrl), executorLogUrls: null },
    log: log.slice(-10),
    createdAt: r.createdAt,
  };
}
