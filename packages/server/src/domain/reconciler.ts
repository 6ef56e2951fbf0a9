/**
 * Background upkeep as one pass over all sessions and batches, run on the injected clock: idle
 * timeout, time-to-live, heartbeat expiry, forgetting finished things after the retention
 * period (their stored history and work directories with them), and writing what a failing
 * store could not take. Tests call `tick()` after moving a fake clock.
 */
import { sessionMachine } from '@sparkport/protocol';
import type { Clock, Timer } from '../clock.ts';
import type { Config } from '../config.ts';
import type { SessionRecord } from './records.ts';
import { parseTimeString } from './time-strings.ts';

/** What upkeep needs of sessions (SessionManager). */
export interface SessionUpkeep {
  list(): readonly { record: SessionRecord }[];
  delete(id: number, reason: string): Promise<void>;
  sweep(onError?: (id: number, e: Error) => void): readonly { id: number }[];
}

/** What upkeep needs of batches (BatchManager): their retention sweep. */
export interface BatchUpkeep {
  sweep(onError?: (id: number, e: Error) => void): readonly { id: number }[];
}

export interface ReconcilerDeps {
  sessions: SessionUpkeep;
  batches: BatchUpkeep;
  /** Writes the changes a failing store could not take (store-guard.ts); none in some tests. */
  store?: { flush(): boolean };
  clock: Clock;
  config: Config;
  log?: (msg: string) => void;
}

export interface Doomed { id: number; reason: string }

export class Reconciler {
  private timer?: Timer;
  private running = false;
  private stopped = false;

  constructor(private readonly d: ReconcilerDeps) {}

  start(): void {
    this.stopped = false;
    const loop = () => {
      if (this.stopped) return;
      this.timer = this.d.clock.setTimeout(() => {
        // A pass that fails (a store that can't write) must not take the server down; the next
        // pass tries again.
        void this.tick().catch((e: Error) => this.d.log?.(`upkeep pass failed: ${e.message}`)).finally(loop);
      }, this.d.config.sessions.reconcileIntervalMs);
    };
    loop();
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
  }

  /** One pass; returns the session ids it deleted, and why. */
  async tick(): Promise<Doomed[]> {
    if (this.running) return [];
    this.running = true;
    try {
      // The store's own retry waits for the next store call: with no traffic, this is it.
      this.d.store?.flush();
      const doomed = this.sessionsDue();
      await Promise.all(doomed.map((x) => this.d.sessions.delete(x.id, x.reason).catch(() => undefined)));
      // Finished sessions and batches are kept for the retention period, then forgotten.
      const failed = (what: string) => (id: number, e: Error) => this.d.log?.(`could not forget ${what} ${id}: ${e.message}`);
      const swept = this.d.sessions.sweep(failed('session')).map((rt) => ({ id: rt.id, reason: 'finished session retention period passed' }));
      this.d.batches.sweep(failed('batch'));
      return [...doomed, ...swept];
    } finally {
      this.running = false;
    }
  }

  private sessionsDue(): Doomed[] {
    const now = this.d.clock.now();
    const s = this.d.config.sessions;
    const doomed: Doomed[] = [];
    for (const { record: r } of this.d.sessions.list()) {
      if (!sessionMachine.is(r.state, 'live')) continue;
      const idleMs = parseTimeString(r.idleTimeout ?? s.idleTimeout) ?? 0;
      // Only an idle session is idle: a busy one is working, however long its statement runs.
      if (s.timeoutCheck && idleMs > 0 && r.state === 'idle' && now - Math.max(r.lastActivity, r.stateChangedAt) > idleMs) {
        doomed.push({ id: r.id, reason: `idle for longer than ${r.idleTimeout ?? s.idleTimeout}` });
        continue;
      }
      const ttlMs = r.ttl !== null ? parseTimeString(r.ttl) ?? 0 : s.ttlCheck ? parseTimeString(s.ttl) ?? 0 : 0;
      if (ttlMs > 0 && now - r.createdAt > ttlMs) {
        doomed.push({ id: r.id, reason: `time to live ${r.ttl ?? s.ttl} reached` });
        continue;
      }
      if (r.heartbeatTimeoutInSecond > 0 && now - r.lastHeartbeat > r.heartbeatTimeoutInSecond * 1000) {
        doomed.push({ id: r.id, reason: `no heartbeat for ${r.heartbeatTimeoutInSecond} s` });
      }
    }
    return doomed;
  }
}
