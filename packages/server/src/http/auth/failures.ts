/**
 * Failed logins per key (a client address, see clientKey) in a fixed window: after `max`
 * failures the key is refused (429) until its window ends, good credentials or not, so guessing
 * stops rather than slows.
 *
 * An attempt holds one of the key's `max` slots while its credentials are being checked
 * (`attempt`), and a failure keeps it for the rest of the window: so however many guesses arrive
 * at once, at most `max` are ever checked per window. Attempts beyond that wait (a bounded
 * number) for a slot, and are refused once the key is blocked.
 *
 * Memory is bounded: at most `maxKeys` are tracked. To make room, the oldest key that is not
 * blocked (or whose window has ended) goes; a block is never forgotten early. When every tracked
 * key is blocked or in use, attempts from new keys are refused until some window ends.
 */
interface Entry { start: number; count: number; inFlight: number; reported: boolean; waiters: (() => void)[] }

export type Attempt =
  /** Go ahead: then exactly one of `fail` (true the first time the key reaches the limit: worth a log line) or `done`. */
  | { ok: true; fail(): boolean; done(): void }
  /** Refused: `blocked` (the key failed too often), `full` (no room to track a new key), `busy` (too many waiting). */
  | { ok: false; why: 'blocked' | 'full' | 'busy'; retryAfter: number };

const FREE: Attempt = { ok: true, fail: () => false, done: () => undefined };

export class FailureLimiter {
  private readonly entries = new Map<string, Entry>();
  private waiting = 0;

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
    private readonly maxKeys = 10_000,
    /** Attempts that may wait for a slot, per key and in all. */
    private readonly maxWaiting = { perKey: 32, total: 1000 },
  ) {}

  /** Seconds until the key may try again, or 0 when it may try now. */
  blockedFor(key: string): number {
    const e = this.live(key);
    if (!e || this.max <= 0 || e.count < this.max) return 0;
    return this.secondsLeft(e);
  }

  /** Takes a slot for checking one set of credentials, waiting for one if all are taken by attempts in flight. */
  async attempt(key: string): Promise<Attempt> {
    if (this.max <= 0) return FREE;
    for (;;) {
      let e = this.live(key);
      if (!e) {
        if (!this.makeRoom()) return { ok: false, why: 'full', retryAfter: this.soonestEnd() };
        e = this.fresh(key);
      }
      if (e.count >= this.max) return { ok: false, why: 'blocked', retryAfter: this.secondsLeft(e) };
      if (e.count + e.inFlight < this.max) {
        e.inFlight++;
        return this.ticket(key, e);
      }
      if (e.waiters.length >= this.maxWaiting.perKey || this.waiting >= this.maxWaiting.total) return { ok: false, why: 'busy', retryAfter: 1 };
      this.waiting++;
      await new Promise<void>((resolve) => e.waiters.push(resolve));
      this.waiting--;
    }
  }

  /** Counts a failure that held no slot; true the first time it takes the key over the limit. */
  fail(key: string): boolean {
    if (this.max <= 0) return false;
    const e = this.live(key) ?? (this.makeRoom() ? this.fresh(key) : undefined);
    return e ? this.count(e) : false;
  }

  get size(): number { return this.entries.size; }

  private ticket(key: string, e: Entry): Attempt {
    let open = true;
    const close = (): boolean => {
      if (!open) return false;
      open = false;
      e.inFlight--;
      return true;
    };
    return {
      ok: true,
      fail: () => {
        if (!close()) return false;
        const first = this.count(e);
        this.wake(key, e);
        return first;
      },
      done: () => { if (close()) this.wake(key, e); },
    };
  }

  private count(e: Entry): boolean {
    this.roll(e);
    e.count++;
    if (e.count < this.max || e.reported) return false;
    e.reported = true;
    return true;
  }

  /** A slot came free: whoever waits for one looks again; a key with nothing to remember is dropped. */
  private wake(key: string, e: Entry): void {
    for (const w of e.waiters.splice(0)) w();
    if (!e.count && !e.inFlight && this.entries.get(key) === e) this.entries.delete(key);
  }

  private fresh(key: string): Entry {
    const e: Entry = { start: this.now(), count: 0, inFlight: 0, reported: false, waiters: [] };
    this.entries.set(key, e);
    return e;
  }

  private idle(e: Entry): boolean { return !e.inFlight && !e.waiters.length; }
  private expired(e: Entry): boolean { return this.now() - e.start >= this.windowMs; }
  private secondsLeft(e: Entry): number { return Math.max(1, Math.ceil((e.start + this.windowMs - this.now()) / 1000)); }

  /** A window that has ended starts again (an entry in use is kept, one not in use is dropped). */
  private roll(e: Entry): void {
    if (!this.expired(e)) return;
    e.start = this.now();
    e.count = 0;
    e.reported = false;
  }

  private live(key: string): Entry | undefined {
    const e = this.entries.get(key);
    if (e && this.expired(e)) {
      if (this.idle(e)) {
        this.entries.delete(key);
        return undefined;
      }
      this.roll(e);
    }
    return e;
  }

  /**
   * Room for one more key: the oldest (Map keeps insertion order) whose window has ended or that
   * is not blocked goes, never a block; false when every tracked key is blocked or in use.
   */
  private makeRoom(): boolean {
    if (this.entries.size < this.maxKeys) return true;
    for (const [k, e] of this.entries) {
      if (this.idle(e) && (this.expired(e) || e.count < this.max)) {
        this.entries.delete(k);
        return true;
      }
    }
    return false;
  }

  private soonestEnd(): number {
    let soonest = this.windowMs;
    for (const e of this.entries.values()) soonest = Math.min(soonest, e.start + this.windowMs - this.now());
    return Math.max(1, Math.ceil(soonest / 1000));
  }
}

/**
 * At most `limit` costly checks (bcrypt) at once in the whole server, the next `maxQueued` in
 * line; beyond that `enter` says no, so a flood of guesses costs a bounded amount of CPU.
 */
export class Gate {
  private running = 0;
  private readonly queue: (() => void)[] = [];

  constructor(private readonly limit = 4, private readonly maxQueued = 64) {}

  async enter(): Promise<boolean> {
    if (this.running < this.limit) {
      this.running++;
      return true;
    }
    if (this.queue.length >= this.maxQueued) return false;
    // leave() hands its place straight to the first in line.
    await new Promise<void>((resolve) => this.queue.push(resolve));
    return true;
  }

  leave(): void {
    const next = this.queue.shift();
    if (next) next();
    else this.running--;
  }

  get active(): number { return this.running; }
}
