/**
 * The TCP endpoint drivers call back to, the adapter of the domain's DriverChannel port. Each
 * launch registers a one-time token; a connection whose first line is a hello with a live token
 * becomes that session's DriverConnection, and the welcome gives the driver its session token.
 * A driver coming back (PROTOCOL.md §3a) presents that session token instead, and is attached
 * to its session's link again if the session is waiting for it.
 *
 * Session tokens are an HMAC of the session id under a key the server keeps in its data
 * directory: a restarted server checks them without having stored any.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { checkDriverMessage, DRIVER_PROTOCOL_VERSION, type HelloMsg, type Limits } from '@sparkport/protocol';
import type { DriverChannel, DriverLink, LaunchWelcome } from '../domain/ports/driver-link.ts';
import { DriverConnection } from './connection.ts';
import { ensurePrivateDir } from '../private-files.ts';
import { parsePortRange } from '../port-range.ts';
import { writeMessage } from './ndjson.ts';

const HELLO_TIMEOUT_MS = 10_000;
/** A hello is a few hundred bytes: a peer that sends more without a newline is not a driver. */
const MAX_HELLO_BYTES = 64 * 1024;
/** Connections at once, drivers and peers still to say hello: a flood must not take every file descriptor. */
const MAX_CONNECTIONS = 1024;

interface Expected {
  sessionId: number;
  resolve: (c: DriverConnection) => void;
  welcome: LaunchWelcome;
}

interface Returning {
  link: DriverConnection | undefined;
  onReturn: (link: DriverLink) => void;
}

export interface ListenerOptions {
  /** Key of the session tokens (32 bytes or more); a random one when absent (tokens then die with the process). */
  sessionKey?: Buffer;
  /** How long a driver keeps trying to come back, told in the welcome. */
  reconnectGraceMs?: number;
  /** TLS on the TCP listener (driver.tls): drivers in the cluster are given the certificate to trust. */
  tls?: { cert: Buffer; key: Buffer };
  /** Where a connection the listener closed for an error of its own is told of (the server's log). */
  log?: (msg: string) => void;
}

/** The ports driver.portRange (`low-high`) names, in order, or listenPort alone. */
export function listenPorts(driver: { listenPort: number; portRange: string | null }): number[] {
  if (!driver.portRange) return [driver.listenPort];
  const { low, high } = parsePortRange(driver.portRange, 'driver.portRange');
  return Array.from({ length: high - low + 1 }, (_, i) => low + i);
}

const sameSecret = (a: string, b: string) => {
  const x = Buffer.from(a), y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

export class DriverListener implements DriverChannel {
  private server: net.Server;
  private socketServer?: net.Server;
  private expected = new Map<string, Expected>();
  private returning = new Map<number, Returning>();
  private readonly key: Buffer;

  constructor(private readonly limits: Limits, private readonly opts: ListenerOptions = {}) {
    this.key = opts.sessionKey ?? randomBytes(32);
    this.server = opts.tls
      ? tls.createServer({ cert: opts.tls.cert, key: opts.tls.key, handshakeTimeout: HELLO_TIMEOUT_MS }, (s) => this.onSocket(s))
      : net.createServer((s) => this.onSocket(s));
    this.server.maxConnections = MAX_CONNECTIONS;
  }

  /** Whether the TCP listener speaks TLS. */
  get tls(): boolean { return this.opts.tls !== undefined; }

  /** Listens on the first of `ports` that is free (0: any). */
  async listen(host: string, ports: number | number[]): Promise<{ host: string; port: number }> {
    const list = Array.isArray(ports) ? ports : [ports];
    for (const [i, port] of list.entries()) {
      try {
        await new Promise<void>((resolve, reject) => {
          this.server.once('error', reject);
          this.server.listen(port, host, () => { this.server.off('error', reject); resolve(); });
        });
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || i === list.length - 1) {
          throw new Error(`The driver listener cannot listen on ${host}:${list.length > 1 ? `${list[0]}-${list.at(-1)} (every port is taken)` : port}: ${(e as Error).message}`);
        }
      }
    }
    const addr = this.server.address() as net.AddressInfo;
    return { host: addr.address, port: addr.port };
  }

  /** Also listens on a Unix socket at `file` (driver-socket.ts), replacing a stale one. */
  async listenSocket(file: string): Promise<void> {
    ensurePrivateDir(path.dirname(file));
    rmSync(file, { force: true });
    const server = net.createServer((s) => this.onSocket(s));
    server.maxConnections = MAX_CONNECTIONS;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(file, () => resolve());
    });
    this.socketServer = server;
  }

  /** Whether the listener accepts connections (the readiness probe). */
  accepting(): boolean { return this.server.listening && (this.socketServer?.listening ?? true); }

  /** A fresh token, and a callback fired once when the driver holding it says hello. */
  expect(sessionId: number, onConnect: (c: DriverConnection) => void, welcome: LaunchWelcome = {}): { token: string; revoke: () => void } {
    const token = randomBytes(32).toString('hex');
    this.expected.set(token, { sessionId, resolve: onConnect, welcome });
    return { token, revoke: () => this.expected.delete(token) };
  }

  expectReturn(sessionId: number, link: DriverLink | undefined, onReturn: (link: DriverLink) => void): { revoke: () => void } {
    const entry: Returning = { link: link instanceof DriverConnection ? link : undefined, onReturn };
    this.returning.set(sessionId, entry);
    return { revoke: () => { if (this.returning.get(sessionId) === entry) this.returning.delete(sessionId); } };
  }

  /** The secret a session's driver presents when it comes back. */
  sessionToken(sessionId: number): string {
    return createHmac('sha256', this.key).update(`sparkport-session:${sessionId}`).digest('hex');
  }

  close(): Promise<void> {
    this.expected.clear();
    this.returning.clear();
    const closing = [this.server, this.socketServer].filter((x) => x !== undefined).map((srv) => new Promise<void>((r) => srv.close(() => r())));
    return Promise.all(closing).then(() => undefined);
  }

  private onSocket(socket: net.Socket): void {
    socket.setNoDelay(true);
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => socket.destroy(), HELLO_TIMEOUT_MS);
    timer.unref();
    const refuse = (code: string, message: string) => {
      clearTimeout(timer);
      socket.off('data', onData);
      writeMessage(socket, { type: 'error', re: null, code, message });
      socket.end();
    };
    const onData = (chunk: Buffer) => {
      try {
        read(chunk);
      } catch (e) {
        // Whatever a peer sent, this connection ends, not the server; said, since it may be ours.
        clearTimeout(timer);
        socket.destroy();
        this.opts.log?.(`driver listener: a connection from ${socket.remoteAddress ?? 'a local socket'} closed on an error: ${(e as Error)?.message ?? e}`);
      }
    };
    const read = (chunk: Buffer) => {
      // Only the new chunk is searched: a slow peer must not make each chunk rescan the rest.
      const nlInChunk = chunk.indexOf(0x0a);
      chunks.push(chunk);
      size += chunk.length;
      if (nlInChunk < 0) {
        if (size > MAX_HELLO_BYTES) refuse('BAD_MESSAGE', `no hello line within ${MAX_HELLO_BYTES} bytes`);
        return;
      }
      socket.off('data', onData);
      clearTimeout(timer);
      const all = Buffer.concat(chunks);
      const nl = size - chunk.length + nlInChunk;
      if (nl > MAX_HELLO_BYTES) return refuse('BAD_MESSAGE', `hello longer than ${MAX_HELLO_BYTES} bytes`);
      this.onHello(socket, all.subarray(0, nl).toString('utf8'), all.subarray(nl + 1).toString('utf8'), refuse);
    };
    socket.on('data', onData);
    socket.on('error', () => socket.destroy());
  }

  private onHello(socket: net.Socket, line: string, rest: string, refuse: (code: string, message: string) => void): void {
    let hello: HelloMsg;
    try {
      hello = JSON.parse(line);
    } catch {
      return refuse('BAD_MESSAGE', 'first line must be a JSON hello');
    }
    if (hello?.type !== 'hello' || typeof hello.token !== 'string') return refuse('BAD_MESSAGE', 'first message must be hello');
    // Anyone who can reach this port sends this, before any token is checked: nothing in it is
    // used before it has been checked (an object for a number once threw here, and ended the server).
    if (typeof hello.protocol !== 'number' || hello.protocol !== DRIVER_PROTOCOL_VERSION) {
      return refuse('BAD_PROTOCOL', `server speaks protocol ${DRIVER_PROTOCOL_VERSION}, driver sent ${typeof hello.protocol === 'number' ? hello.protocol : (JSON.stringify(hello.protocol) ?? 'none').slice(0, 40)}`);
    }
    const check = checkDriverMessage('driverToServer', hello);
    if (!check.ok) return refuse('BAD_MESSAGE', `malformed hello (${check.errors.join('; ')})`);
    const pid = Number(hello.pid) || 0;
    const grace = this.opts.reconnectGraceMs ?? 0;
    if (hello.resume !== undefined) return this.onReturn(socket, hello, pid, rest, refuse);
    const entry = this.take(hello.token);
    if (!entry) return refuse('BAD_TOKEN', 'unknown, used or expired token');
    writeMessage(socket, {
      type: 'welcome', session_id: entry.sessionId, limits: this.limits,
      session_token: this.sessionToken(entry.sessionId), reconnect_grace_ms: grace,
      ...(entry.welcome.connect ? { connect: entry.welcome.connect } : {}),
    });
    entry.resolve(new DriverConnection(socket, pid, rest));
  }

  private onReturn(socket: net.Socket, hello: HelloMsg, pid: number, rest: string, refuse: (code: string, message: string) => void): void {
    const id = hello.session_id;
    const lastRequest = hello.resume?.last_request;
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || typeof lastRequest !== 'number' || !Number.isInteger(lastRequest) || lastRequest < 0) {
      return refuse('BAD_MESSAGE', 'a returning hello needs an integer session_id and resume.last_request');
    }
    const entry = this.returning.get(id);
    // The same answer whether the token is wrong or nobody waits: a guesser learns nothing.
    if (!sameSecret(hello.token, this.sessionToken(id)) || !entry) return refuse('BAD_TOKEN', 'unknown session token, or the session no longer waits for its driver');
    writeMessage(socket, { type: 'welcome', session_id: id, limits: this.limits, reconnect_grace_ms: this.opts.reconnectGraceMs ?? 0 });
    let link = entry.link;
    if (link) link.attach(socket, rest, lastRequest, pid);
    else entry.link = link = new DriverConnection(socket, pid, rest, lastRequest);
    entry.onReturn(link);
  }

  private take(token: string): Expected | undefined {
    for (const [t, e] of this.expected) {
      if (sameSecret(t, token)) {
        this.expected.delete(t);
        return e;
      }
    }
    return undefined;
  }
}
