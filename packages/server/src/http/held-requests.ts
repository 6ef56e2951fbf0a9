/**
 * Requests the server holds open: `?wait` long polls and event streams. Each takes a slot
 * (limits.longPolls, limits.eventStreams, and their per-user limits) for as long as it is held,
 * and all of them end when the server starts shutting down: a long poll is answered at once with
 * the statement as it is (a shorter wait is a valid answer), a stream is closed (its client
 * reconnects to the next server). Otherwise they would hold the shutdown for their whole wait.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.ts';
import { Slots } from './slots.ts';
import { openSse, type SseEventName, type SseStream } from './sse.ts';

/** What a slow reader of each stream may miss (see sse.ts). */
const DROPPABLE: Record<'statement' | 'session', readonly SseEventName[]> = {
  statement: ['output', 'progress'],
  session: ['statement'],
};

export interface LongPoll {
  /** `waiting`, or `now()` as soon as the server starts shutting down, whichever comes first. */
  until<T>(waiting: Promise<T>, now: () => T): Promise<T>;
  release(): void;
}

/** Whom a per-user limit counts against: the user, or with authentication off the address. */
const keyOf = (req: FastifyRequest) => (req.user !== null ? { key: `user ${req.user}`, who: `user '${req.user}'` } : { key: `address ${req.ip}`, who: `address ${req.ip}` });

export class HeldRequests {
  private readonly polls: Slots;
  private readonly streamSlots: Slots;
  private readonly streams = new Set<SseStream>();
  private stopping = false;
  /**
   * What each waiting long poll does when the server starts shutting down. A set that each poll
   * leaves when it ends, not `.then` on one shared promise: that would keep a reaction, and the
   * request it closes over, for every poll ever made until the server stops.
   */
  private readonly onStop = new Set<() => void>();

  constructor(private readonly cfg: Config, private readonly onDrop?: (events: number) => void) {
    const l = cfg.limits;
    this.polls = new Slots({
      total: l.longPolls, perKey: l.longPollsPerUser, code: 'TOO_MANY_WAITS', what: 'requests waiting with ?wait',
      settings: { total: 'limits.longPolls', perKey: 'limits.longPollsPerUser' }, remedy: 'Ask without ?wait',
    });
    this.streamSlots = new Slots({
      total: l.eventStreams, perKey: l.eventStreamsPerUser, code: 'TOO_MANY_STREAMS', what: 'event streams',
      settings: { total: 'limits.eventStreams', perKey: 'limits.eventStreamsPerUser' }, remedy: 'Close one',
    });
  }

  get longPolls(): number { return this.polls.inUse; }
  get eventStreams(): number { return this.streamSlots.inUse; }
  get draining(): boolean { return this.stopping; }

  /** Takes a long-poll slot now (429 when there is none), before the request does anything. */
  longPoll(req: FastifyRequest): LongPoll {
    const { key, who } = keyOf(req);
    const release = this.polls.take(key, who);
    return {
      until: <T>(waiting: Promise<T>, now: () => T) => new Promise<T>((resolve, reject) => {
        const answerNow = () => {
          try {
            resolve(now());
          } catch (e) {
            reject(e);
          }
        };
        this.onStop.add(answerNow);
        waiting.then(resolve, reject).finally(() => {
          this.onStop.delete(answerNow);
          release();
        });
        if (this.stopping) answerNow();
      }),
      release,
    };
  }

  /** Opens an event stream, holding a slot until it closes; 429 (as JSON, before any event) when there is none. */
  openStream(req: FastifyRequest, reply: FastifyReply, kind: 'statement' | 'session'): SseStream {
    const { key, who } = keyOf(req);
    const release = this.streamSlots.take(key, who);
    let sse: SseStream;
    try {
      sse = openSse(req, reply, { droppable: DROPPABLE[kind], bufferBytes: this.cfg.limits.eventStreamBufferBytes, onDrop: this.onDrop });
    } catch (e) {
      release();
      throw e;
    }
    this.streams.add(sse);
    sse.onClose(() => {
      this.streams.delete(sse);
      release();
    });
    if (this.stopping) sse.close();
    return sse;
  }

  /** The server is shutting down: long polls answer now, streams end. */
  drain(): void {
    if (this.stopping) return;
    this.stopping = true;
    for (const answerNow of [...this.onStop]) answerNow();
    for (const s of [...this.streams]) s.close();
  }
}
