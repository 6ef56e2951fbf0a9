/**
 * Failed logins per client address in a fixed window: after `max` failures the address is
 * refused (429) until its window ends, good credentials or not, so guessing stops rather than
 * slows. Memory is bounded: at most `maxAddresses` are tracked, expired ones first to go, then
 * the oldest.
 */
interface Window { start: number; count: number; reported: boolean }

export class FailureLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
    private readonly maxAddresses = 10_000,
  ) {}

  /** Seconds until the address may try again, or 0 when it may try now. */
  blockedFor(address: string): number {
    const w = this.live(address);
    if (!w || this.max <= 0 || w.count < this.max) return 0;
    return Math.max(1, Math.ceil((w.start + this.windowMs - this.now()) / 1000));
  }

  /** Counts a failure; true the first time it takes the address over the limit (worth one log line). */
  fail(address: string): boolean {
    if (this.max <= 0) return false;
    let w = this.live(address);
    if (!w) {
      this.makeRoom();
      w = { start: this.now(), count: 0, reported: false };
      this.windows.set(address, w);
    }
    w.count++;
    if (w.count < this.max || w.reported) return false;
    w.reported = true;
    return true;
  }

  get size(): number { return this.windows.size; }

  private live(address: string): Window | undefined {
    const w = this.windows.get(address);
    if (w && this.now() - w.start >= this.windowMs) {
      this.windows.delete(address);
      return undefined;
    }
    return w;
  }

  private makeRoom(): void {
    if (this.windows.size < this.maxAddresses) return;
    const now = this.now();
    for (const [a, w] of this.windows) if (now - w.start >= this.windowMs) this.windows.delete(a);
    // Still full: forget the oldest (Map keeps insertion order), which is closest to expiring anyway.
    while (this.windows.size >= this.maxAddresses) this.windows.delete(this.windows.keys().next().value!);
  }
}
