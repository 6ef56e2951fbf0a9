/**
 * How many client connections may be open: at most `http.maxConnections` in all, and at most
 * `http.maxConnectionsPerAddress` from one client address (an IPv6 client counts by its /64, the
 * block one host is usually given). Held requests are limited on their own (limits.longPolls,
 * limits.eventStreams), but a client can also open sockets and keep them idle: the total cap
 * keeps file descriptors for drivers' links, the store and the audit log, and the per-address cap
 * keeps one client from taking all of them and locking everyone else out, health checks included.
 *
 * A connection past a cap is closed as it is accepted: nothing has been read from it, so there
 * is no request to answer. Each is counted by reason, and the log says so at most once a minute
 * per reason, with how many and the setting to raise, so a flood is not a flood of log lines.
 *
 * The raw sockets are tracked here anyway, so shutdown closes them here too: an HTTPS client that
 * connected and never started TLS is not yet one of the HTTP server's connections, and would
 * otherwise hold the close until its handshake times out.
 */
import type { Server, Socket } from 'node:net';
import { clientKey } from './client-address.ts';

const LOG_EVERY_MS = 60_000;

export interface ConnectionLimits {
  maxConnections: number;
  maxConnectionsPerAddress: number;
}

export type RefusalReason = 'max_connections' | 'per_address';

const trackers = new WeakMap<Server, Set<Socket>>();

/** Refuses a limit that is not a whole number of connections, rather than reading it as "no limit". */
export function checkConnectionSettings(h: ConnectionLimits): void {
  for (const key of ['maxConnections', 'maxConnectionsPerAddress'] as const) {
    const v = h[key];
    if (!Number.isInteger(v) || v < 0) throw new Error(`Setting 'http.${key}' must be a whole number of connections (0: no limit), got ${v}`);
  }
}

/** Once a minute at most per reason: the first refusal is logged at once, the rest of that minute's when it ends. */
export class RefusalLog {
  private readonly pending = new Map<RefusalReason, { count: number; address: string }>();
  private readonly timers = new Map<RefusalReason, NodeJS.Timeout>();

  constructor(private readonly limits: ConnectionLimits, private readonly log: (msg: string) => void, private readonly everyMs = LOG_EVERY_MS) {}

  refused(reason: RefusalReason, address: string): void {
    const p = this.pending.get(reason) ?? { count: 0, address };
    p.count++;
    p.address = address;
    this.pending.set(reason, p);
    if (!this.timers.has(reason)) this.flush(reason);
  }

  close(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  private flush(reason: RefusalReason): void {
    this.timers.delete(reason);
    const p = this.pending.get(reason);
    if (!p?.count) return;
    this.pending.delete(reason);
    this.log(reason === 'max_connections'
      ? `refused ${p.count} connection(s): ${this.limits.maxConnections} were open (setting http.maxConnections)`
      : `refused ${p.count} connection(s) from one address, the last from ${p.address}: ${this.limits.maxConnectionsPerAddress} were open from it (setting http.maxConnectionsPerAddress)`);
    this.timers.set(reason, setTimeout(() => this.flush(reason), this.everyMs).unref());
  }
}

export interface ConnectionSettings {
  http: ConnectionLimits;
  limits: { longPolls: number; eventStreams: number };
}

export function installConnectionLimits(server: Server, cfg: ConnectionSettings, onRefused: (reason: RefusalReason) => void, log: (msg: string) => void): void {
  const limits = cfg.http;
  const held = cfg.limits.longPolls + cfg.limits.eventStreams;
  // Allowed (a small server may want it), but then waiting clients alone can fill the server.
  if (limits.maxConnections > 0 && held >= limits.maxConnections) {
    log(`limits.longPolls + limits.eventStreams (${held}) reach http.maxConnections (${limits.maxConnections}): clients waiting on long polls and event streams can hold every connection`);
  }
  const refusals = new RefusalLog(limits, log);
  server.on('close', () => refusals.close());
  if (limits.maxConnections > 0) {
    server.maxConnections = limits.maxConnections;
    // Node closes it before 'connection': it is never tracked below.
    server.on('drop', (d) => {
      onRefused('max_connections');
      refusals.refused('max_connections', d?.remoteAddress ?? '?');
    });
  }
  const open = new Set<Socket>();
  trackers.set(server, open);
  const perAddress = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const key = clientKey(socket.remoteAddress ?? '');
    const n = (perAddress.get(key) ?? 0) + 1;
    if (limits.maxConnectionsPerAddress > 0 && n > limits.maxConnectionsPerAddress) {
      onRefused('per_address');
      refusals.refused('per_address', socket.remoteAddress ?? '?');
      socket.destroy();
      return;
    }
    perAddress.set(key, n);
    open.add(socket);
    socket.once('close', () => {
      open.delete(socket);
      const left = (perAddress.get(key) ?? 1) - 1;
      if (left > 0) perAddress.set(key, left);
      else perAddress.delete(key);
    });
  });
}

/** Every client socket still open, whether or not it got as far as being an HTTP connection. */
export function destroyAllConnections(server: Server): void {
  for (const s of trackers.get(server) ?? []) s.destroy();
}
