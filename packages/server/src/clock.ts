/**
 * The clock port. Timeouts, TTLs and deadlines read time and schedule work only through this,
 * so tests move time forward instead of sleeping.
 */
export interface Timer { cancel(): void }

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): Timer;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return { cancel: () => clearTimeout(t) };
  },
};

/** A clock for tests: time stands still until `advance` is called. */
export class FakeClock implements Clock {
  private t: number;
  private timers: { at: number; fn: () => void; seq: number; live: boolean }[] = [];
  private seq = 0;
  constructor(start = 1_700_000_000_000) { this.t = start; }
  now(): number { return this.t; }
  setTimeout(fn: () => void, ms: number): Timer {
    const timer = { at: this.t + Math.max(0, ms), fn, seq: this.seq++, live: true };
    this.timers.push(timer);
    return { cancel: () => { timer.live = false; } };
  }
  /** Moves time forward, firing due timers in order. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const due = this.timers.filter((x) => x.live && x.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      due.live = false;
      this.t = Math.max(this.t, due.at);
      due.fn();
    }
    this.timers = this.timers.filter((x) => x.live);
    this.t = end;
  }
}
