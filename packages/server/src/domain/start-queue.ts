/**
 * Start slots for drivers: a JVM and a SparkContext starting at once each take seconds of CPU
 * and a lot of memory, so only `max` drivers start together (sessions.maxStarting) and the
 * others wait their turn, first come first served.
 */
export interface StartTicket {
  /** Leaves the queue, or gives the slot back once the start is over. Idempotent. */
  release(): void;
}

interface Entry { start: (ticket: StartTicket) => void; ticket: StartTicket; holding: boolean; done: boolean }

export class StartQueue {
  private waiting: Entry[] = [];
  private active = 0;

  constructor(private readonly max: number) {}

  /**
   * `start` runs when a slot is free: now, or when an earlier start releases its ticket. It is
   * handed the ticket, since a start that fails at once must give the slot back before `enter`
   * has returned.
   */
  enter(start: (ticket: StartTicket) => void): StartTicket {
    const e = { start, holding: false, done: false } as Entry;
    e.ticket = { release: () => this.release(e) };
    this.waiting.push(e);
    this.pump();
    return e.ticket;
  }

  get starting(): number { return this.active; }
  get queued(): number { return this.waiting.length; }

  private pump(): void {
    while (this.active < this.max && this.waiting.length) {
      const e = this.waiting.shift()!;
      e.holding = true;
      this.active++;
      e.start(e.ticket);
    }
  }

  private release(e: Entry): void {
    if (e.done) return;
    e.done = true;
    if (!e.holding) {
      this.waiting = this.waiting.filter((x) => x !== e);
      return;
    }
    this.active--;
    this.pump();
  }
}
