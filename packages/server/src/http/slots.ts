/**
 * A count of things held at once, on the whole server and per user, with a limit on each: the
 * long polls and event streams a client can keep open cost the server a socket and a listener
 * each until they end, and without a limit one client could hold thousands.
 */
import type { ErrorCode } from '@sparkport/protocol';
import { limitReached } from '../domain/limits.ts';

export interface SlotLimits {
  /** 0: no limit. */
  total: number;
  perKey: number;
  code: ErrorCode;
  /** "requests waiting with ?wait". */
  what: string;
  settings: { total: string; perKey: string };
  remedy: string;
}

export class Slots {
  private used = 0;
  private readonly byKey = new Map<string, number>();

  constructor(private readonly l: SlotLimits) {}

  get inUse(): number { return this.used; }

  /**
   * Takes one for `key` (a user, or an address when no one is authenticated), or throws the 429.
   * `who` words the key for the message. The returned release is idempotent.
   */
  take(key: string, who: string): () => void {
    const { l } = this;
    if (l.total > 0 && this.used >= l.total) {
      throw limitReached({ code: l.code, what: l.what, count: this.used, limit: l.total, state: 'on this server', setting: l.settings.total, remedy: l.remedy, retryAfterSeconds: 1 });
    }
    const mine = this.byKey.get(key) ?? 0;
    if (l.perKey > 0 && mine >= l.perKey) {
      throw limitReached({ code: l.code, what: l.what, count: mine, limit: l.perKey, state: `for ${who}`, setting: l.settings.perKey, remedy: l.remedy, retryAfterSeconds: 1 });
    }
    this.used++;
    this.byKey.set(key, mine + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.used--;
      const left = (this.byKey.get(key) ?? 1) - 1;
      if (left > 0) this.byKey.set(key, left);
      else this.byKey.delete(key);
    };
  }
}
