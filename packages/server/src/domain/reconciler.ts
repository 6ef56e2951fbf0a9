/**
 * Background upkeep as one pass over all sessions, run on the injected clock: idle timeout,
 * time-to-live, heartbeat expiry, and forgetting finished sessions after the retention period.
 * Tests call `tick()` after moving a fake clock.
 */
import type { Clock, Timer } from '../clock.ts';
import type { Config } from '../config.ts';
import type { BatchManager } from './batch-manager.ts';
import type { SessionManager } from './session-manager.ts';
import { ACTIVE_BATCH_STATES, ACTIVE_SESSION_STATES } from './state-machine.ts';
import { parseTimeString } from './time-strings.ts';

export class Reconciler {
  private timer?: Timer;
  private running = false;

  constructor(
    private readonly sessions: SessionManager,
    private readonly clock: Clock,
    private readonly cfg: Config,
    private readonly batches?: BatchManager,
  ) {}

  start(): void {
    const loop = () => {
      this.timer = this.clock.setTimeout(() => {
        void this.tick().finally(loop);
      }, this.cfg.sessions.reconcileIntervalMs);
    };
    loop();
  }

  stop(): void { this.timer?.cancel(); }

  /** One pass; returns the ids it deleted, and why. */
  async tick(): Promise<{ id: number; reason: string }[]> {
    if (this.running) return [];
    this.running = true;
    try {
      const now = this.clock.now();
      const s = this.cfg.sessions;
      const doomed: { id: number; reason: string }[] = [];
      for (const rt of this.sessions.list()) {
        const r = rt.record;
        if (!ACTIVE_SESSION_STATES.includes(r.state)) {
          if (r.state !== 'shutting_down' && now - r.stateChangedAt > s.stateRetainMs) {
            doomed.push({ id: r.id, reason: 'finished session retention period passed' });
          }
          continue;
        }
        const idleMs = parseTimeString(r.idleTimeout ?? s.idleTimeout) ?? 0;
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
      await Promise.all(doomed.map((d) => this.sessions.delete(d.id, d.reason).catch(() => undefined)));
      // Finished batches are kept for the same retention period as sessions, then forgotten.
      for (const b of this.batches?.list() ?? []) {
        if (!ACTIVE_BATCH_STATES.includes(b.record.state) && now - b.record.stateChangedAt > s.stateRetainMs) {
          await this.batches!.delete(b.id).catch(() => undefined);
        }
      }
      return doomed;
    } finally {
      this.running = false;
    }
  }
}
