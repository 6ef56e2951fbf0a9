/**
 * The driver-link port: how the domain talks to a session's driver once it has called back.
 * The TCP adapters (driver/listener.ts, driver/connection.ts) implement it; the domain sees
 * nothing of sockets or framing. Messages and codes are the protocol's (PROTOCOL.md).
 */
import type { ConnectSettings, DriverRequest, FatalMsg, ProgressMsg, ReadyMsg, ReplyMsg, ResumedMsg, StreamMsg } from '@sparkport/protocol';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A request as the domain writes it: the link numbers it. */
export type DriverRequestBody = DistributiveOmit<DriverRequest, 'id'>;

/** Events the driver ties to one request by `re`: what a statement prints, and how far it got. */
export type RequestEvent = StreamMsg | ProgressMsg;

export interface RequestOptions {
  /** Rejects with code TIMEOUT when no reply came in time; without it the request waits for the reply or a drop. */
  timeoutMs?: number;
  /** Receives this request's own events, in order, until its reply: output can't reach the wrong request. */
  onEvent?: (ev: RequestEvent) => void;
}

/** A request on its way: the reply as a promise, and the id the protocol names it by (a cancel's target). */
export type DriverCall<T> = Promise<T> & { readonly id: number };

/**
 * A driver's failure to answer: `code` is the driver's (PROTOCOL.md §5, DRIVER_ERRORS in
 * @sparkport/protocol) or the link's own DRIVER_LOST and TIMEOUT.
 */
export class DriverCallError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'DriverCallError';
  }
}

export const isDriverLost = (e: unknown): boolean => e instanceof DriverCallError && e.code === 'DRIVER_LOST';

/** What a connected driver says on its own, outside any request. */
export interface DriverLinkEvents {
  ready: [ReadyMsg];
  fatal: [FatalMsg];
  /** Something the driver sent that the link could not use; worth a line in the session's log. */
  protocolError: [string];
  /**
   * The connection dropped while the driver may still come back (PROTOCOL.md §3a): pending
   * requests wait for the reconnect, or for close().
   */
  disconnect: [];
  /** A reconnect's replay is over: where the driver stands. */
  resumed: [ResumedMsg];
  /** A reply or event of an execute this link never sent (a restarted server's statement). */
  orphan: [ReplyMsg | StreamMsg | ProgressMsg];
  /** The link is finished for good; every pending request has been rejected with DRIVER_LOST. */
  close: [];
}

export interface DriverLink {
  readonly isOpen: boolean;
  request<T = Record<string, unknown>>(msg: DriverRequestBody, opts?: RequestOptions): DriverCall<T>;
  on<E extends keyof DriverLinkEvents>(event: E, listener: (...args: DriverLinkEvents[E]) => void): unknown;
  close(): void;
}

/** What one launch's first welcome says besides what every driver is told. */
export interface LaunchWelcome {
  connect?: ConnectSettings;
}

/** Where launched drivers call back: a one-time token per launch, redeemed by the driver's hello. */
export interface DriverChannel {
  /**
   * `onConnect` fires once, when a driver presents the token; `revoke` makes it worthless.
   * `welcome` adds to that driver's first welcome: a Spark Connect face to start.
   */
  expect(sessionId: number, onConnect: (link: DriverLink) => void, welcome?: LaunchWelcome): { token: string; revoke: () => void };
  /**
   * Accepts the session's driver coming back with its session token, until revoked: `link` is
   * the one it had (its pending requests carry over), or undefined after a server restart.
   * `onReturn` gets the link the driver now speaks on.
   */
  expectReturn(sessionId: number, link: DriverLink | undefined, onReturn: (link: DriverLink) => void): { revoke: () => void };
}
