/**
 * How many client connections may be open: at most `http.maxConnections` in all, and at most
 * `http.maxConnectionsPerAddress` from one client address (an IPv6 client counts by its /64, the
 * block one host is usually given). Held requests are limited on their own (limits.longPolls,
 * limits.eventStreams), but a client can also open sockets and keep them idle: the total cap
 * keeps file descriptors for drivers' links, the store and the audit log, and the per-address cap
 * keeps one address from taking all of them. (Many addresses together still can: that is a
 * firewall's or a load balancer's job.) A trusted proxy's addresses (auth.proxy.trustedAddresses)
 * carry every user's connections, so only the total applies to them.
 *
 * The total is kept under what the process's open-file limit leaves once drivers' links and files
 * have theirs (capsFor): past that limit Node closes new sockets itself, unseen, and the store and
 * the audit log fail to open files, which is what the cap is for.
 *
 * A connection past a cap is closed as it is accepted: nothing has been read from it, so there
 * is no request to answer. Each is counted by reason, and the log says so at most once a minute
 * per reason, with how many and the setting to raise, so a flood is not a flood of log lines.
 *
 * The raw sockets are tracked here anyway, so shutdown closes them here too: an HTTPS client that
 * connected and never started TLS is not yet one of the HTTP server's connections, and would
 * otherwise hold the close until its handshake times out.
 */
import { readFileSync } from 'node:fs';
import type { Server, Socket } from 'node:net';
import { clientKey, normaliseAddress, trustedProxy } from './client-address.ts';

const LOG_EVERY_MS = 60_000;
/** Descriptors kept from clients: drivers' links (at most 1,024 over TCP and 1,024 over the Unix socket, driver/listener.ts) and files. */
const RESERVED_DESCRIPTORS = 3_072;

export interface ConnectionLimits {
  maxConnections: number;
  maxConnectionsPerAddress: number;
}

export interface ConnectionSettings {
  http: ConnectionLimits;
  limits: { longPolls: number; eventStreams: number };
  auth: { proxy: { header: string | null; trustedAddresses: string[] } };
}

export type RefusalReason = 'max_connections' | 'per_address';
export const REFUSAL_REASONS: readonly RefusalReason[] = ['max_connections', 'per_address'];

const trackers = new WeakMap<Server, Set<Socket>>();

/** Refuses a limit that is not a whole number of connections, rather than reading it as "no limit". */
export function checkConnectionSettings(h: ConnectionLimits): void {
  for (const key of ['maxConnections', 'maxConnectionsPerAddress'] as const) {
    const v = h[key];
    if (!Number.isInteger(v) || v < 0) throw new Error(`Setting 'http.${key}' must be a whole number of connections (0: no limit), got ${v}`);
  }
}

/** This process's soft limit on open files (Node raises it to the hard limit at start), or null where it cannot be read. */
export function openFileLimit(): number | null {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/**
 * The caps to use: the configured total, lowered to what the open-file limit leaves for clients
 * (all but 3,072, or half where the limit is smaller); when it is lowered, the per-address cap
 * is kept to a tenth of it, as the defaults are, so that one address still cannot take them all.
 */
export function capsFor(configured: ConnectionLimits, fileLimit: number | null): ConnectionLimits {
  const { maxConnections, maxConnectionsPerAddress } = configured;
  if (maxConnections === 0 || fileLimit === null) return configured;
  const room = Math.max(1, fileLimit - Math.min(RESERVED_DESCRIPTORS, Math.floor(fileLimit / 2)));
  if (room >= maxConnections) return configured;
  const share = Math.max(1, Math.floor(room / 10));
  return { maxConnections: room, maxConnectionsPerAddress: maxConnectionsPerAddress === 0 ? 0 : Math.min(maxConnectionsPerAddress, share) };
}

/** Once a minute at most per reason: the first refusal is logged at once, the rest of that minute's when it ends. */
export class RefusalLog {
  private readonly pending = new Map<RefusalReason, { count: number; key: string }>();
  private readonly timers = new Map<RefusalReason, NodeJS.Timeout>();

  constructor(private readonly limits: ConnectionLimits, private readonly log: (msg: string) => void, private readonly everyMs = LOG_EVERY_MS) {}

  /** `key`: the client as the per-address cap counts it. */
  refused(reason: RefusalReason, key: string): void {
    const p = this.pending.get(reason) ?? { count: 0, key };
    p.count++;
    p.key = key;
    this.pending.set(reason, p);
    if (!this.timers.has(reason)) this.flush(reason);
  }

  /** Says what is still pending: the last minute before a shutdown is not lost from the log. */
  close(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    for (const reason of REFUSAL_REASONS) this.write(reason);
  }

  private flush(reason: RefusalReason): void {
    this.timers.delete(reason);
    if (this.write(reason)) this.timers.set(reason, setTimeout(() => this.flush(reason), this.everyMs).unref());
  }

  private write(reason: RefusalReason): boolean {
    const p = this.pending.get(reason);
    if (!p?.count) return false;
    this.pending.delete(reason);
    this.log(reason === 'max_connections'
      ? `refused ${p.count} connection(s): ${this.limits.maxConnections} were open (setting http.maxConnections)`
      : `refused ${p.count} connection(s) from addresses that had ${this.limits.maxConnectionsPerAddress} open each, the last from ${p.key} (setting http.maxConnectionsPerAddress)`);
    return true;
  }
}

/** What the limits mean on this machine, said once at start where it is not what was asked. */
function effectiveLimits(cfg: ConnectionSettings, fileLimit: number | null, log: (msg: string) => void): ConnectionLimits {
  const asked = cfg.http;
  const limits = capsFor(asked, fileLimit);
  if (limits.maxConnections < asked.maxConnections) {
    log(`http.maxConnections ${asked.maxConnections} is more than this process's open-file limit (${fileLimit}) leaves for clients; at most ${limits.maxConnections} will be open, ${limits.maxConnectionsPerAddress || 'any number'} from one address (raise the limit with ulimit -n to ${asked.maxConnections + RESERVED_DESCRIPTORS} or more, or lower the settings)`);
  }
  const held = cfg.limits.longPolls + cfg.limits.eventStreams;
  // Allowed (a small server may want it), but then waiting clients alone can fill the server.
  if (limits.maxConnections > 0 && held >= limits.maxConnections) {
    log(`limits.longPolls + limits.eventStreams (${held}) reach http.maxConnections (${limits.maxConnections}): clients waiting on long polls and event streams can hold every connection`);
  }
  if (limits.maxConnections > 0 && limits.maxConnectionsPerAddress >= limits.maxConnections) {
    log(`http.maxConnectionsPerAddress (${limits.maxConnectionsPerAddress}) is not below http.maxConnections (${limits.maxConnections}): one address can hold every connection`);
  }
  return limits;
}

export function installConnectionLimits(
  server: Server, cfg: ConnectionSettings, onRefused: (reason: RefusalReason) => void, log: (msg: string) => void, fileLimit = openFileLimit(),
): void {
  const limits = effectiveLimits(cfg, fileLimit, log);
  const refusals = new RefusalLog(limits, log);
  server.on('close', () => refusals.close());
  if (limits.maxConnections > 0) {
    server.maxConnections = limits.maxConnections;
    // Node closes it before 'connection': it is never tracked below.
    server.on('drop', (d) => {
      onRefused('max_connections');
      refusals.refused('max_connections', clientKey(d?.remoteAddress ?? ''));
    });
  }
  const isProxy = trustedProxy(cfg.auth.proxy);
  const open = new Set<Socket>();
  trackers.set(server, open);
  const perAddress = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? '';
    const key = limits.maxConnectionsPerAddress > 0 && !isProxy(normaliseAddress(address)) ? clientKey(address) : null;
    const n = key === null ? 0 : (perAddress.get(key) ?? 0) + 1;
    if (key !== null && n > limits.maxConnectionsPerAddress) {
      onRefused('per_address');
      refusals.refused('per_address', key);
      socket.destroy();
      return;
    }
    if (key !== null) perAddress.set(key, n);
    open.add(socket);
    socket.once('close', () => {
      open.delete(socket);
      if (key === null) return;
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
