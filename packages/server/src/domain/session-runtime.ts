/**
 * What a session holds in memory beside its persisted record: its driver's supervisor, its
 * statements on their way, and the driver's log.
 */
import type { ConnectFace } from '@sparkport/protocol';
import type { DriverSupervisor } from './driver-supervisor.ts';
import { LogBuffer } from './log-buffer.ts';
import type { DriverLink } from './ports/driver-link.ts';
import type { SessionRecord } from './records.ts';
import type { Tracked } from './registry.ts';
import type { StatementDispatcher } from './statement-dispatcher.ts';

export class SessionRuntime implements Tracked<SessionRecord> {
  /** Absent for a session recovered after a restart: its driver went with the old server. */
  driver?: DriverSupervisor;
  stopping?: Promise<void>;
  readonly log: LogBuffer;
  /** The cluster manager gave the UI's address (cluster mode): the driver's own, unreachable from outside, doesn't replace it. */
  clusterUi = false;
  /**
   * The driver's Spark Connect face (spark-connect.ts), as its `ready` or `resumed` said. In
   * memory only: its token is a secret, and a restarted server hears it again from the driver.
   */
  connect?: ConnectFace;

  constructor(public record: SessionRecord, readonly statements: StatementDispatcher, logLines: number) {
    this.log = new LogBuffer(logLines, record.logTail);
  }

  get id(): number { return this.record.id; }

  /** The driver's connection while it is open: what shared data and completion talk to. */
  get link(): DriverLink | undefined { return this.driver?.link; }
}
