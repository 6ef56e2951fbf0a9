/**
 * A hand-written driver for tests of the driver protocol (PROTOCOL.md) over real loopback TCP:
 * a raw client socket, so every byte on the wire is the test's choice, and a DriverListener
 * fixture that hands out such drivers and the server's connection objects for them.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, afterEach, before } from 'node:test';
import type { DriverConnection } from '../../src/driver/connection.ts';
import { DriverListener } from '../../src/driver/listener.ts';

export type Msg = Record<string, unknown> & { type: string };
export const LIMITS = { rows: 10, text_bytes: 4096 };
const WAIT_MS = 2000;

/** A raw driver-side socket: writes lines, reads parsed messages in order, notices close. */
export class RawDriver {
  readonly sock: net.Socket;
  private buf = '';
  private inbox: Msg[] = [];
  private waiters: ((m: Msg) => void)[] = [];
  readonly closed: Promise<void>;

  private constructor(sock: net.Socket) {
    this.sock = sock;
    sock.setEncoding('utf8');
    sock.on('data', (chunk: string) => {
      this.buf += chunk;
      let nl: number;
      while ((nl = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, nl);
        this.buf = this.buf.slice(nl + 1);
        const msg = JSON.parse(line) as Msg;
        const w = this.waiters.shift();
        if (w) w(msg);
        else this.inbox.push(msg);
      }
    });
    sock.on('error', () => undefined);
    this.closed = new Promise((r) => sock.on('close', () => r()));
  }

  static connect(port: number): Promise<RawDriver> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(new RawDriver(s)));
      s.once('error', reject);
    });
  }

  line(text: string): void { this.sock.write(`${text}\n`); }
  /** As the driver sends: a reply, stream or progress without a `seq` gets the next one (PROTOCOL.md §3a). */
  send(msg: object): void { this.line(JSON.stringify(this.seqs.number(msg))); }
  private readonly seqs = new Sequencer();

  next(what = 'a message'): Promise<Msg> {
    const m = this.inbox.shift();
    if (m) return Promise.resolve(m);
    return within(new Promise<Msg>((r) => this.waiters.push(r)), `waiting for ${what}`);
  }

  /** Resolves when the server has closed the connection. */
  ended(): Promise<void> { return within(this.closed, 'waiting for the server to close'); }

  destroy(): void { this.sock.destroy(); }
}

export function within<T>(p: Promise<T>, what: string, ms = WAIT_MS): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(t)),
    new Promise<T>((_, reject) => { t = setTimeout(() => reject(new Error(`timed out ${what}`)), ms); }),
  ]);
}

/**
 * A DriverListener on a free loopback port for the enclosing describe (listening before its
 * tests, closed after them); drivers and connections a test opened are closed after it.
 */
export function driverListenerFixture() {
  const listener = new DriverListener(LIMITS);
  let port: number;
  const open: RawDriver[] = [];
  const conns: DriverConnection[] = [];

  before(async () => {
    port = (await listener.listen('127.0.0.1', 0)).port;
  });
  afterEach(() => {
    for (const d of open.splice(0)) d.destroy();
    for (const c of conns.splice(0)) c.close();
  });
  after(() => listener.close());

  const driver = async () => {
    const d = await RawDriver.connect(port);
    open.push(d);
    return d;
  };

  /** A driver through the handshake, and the server's connection object for it. */
  const connected = async (sessionId = 3) => {
    let resolveConn!: (c: DriverConnection) => void;
    const conn = new Promise<DriverConnection>((r) => { resolveConn = r; });
    const { token } = listener.expect(sessionId, (c) => { conns.push(c); resolveConn(c); });
    const d = await driver();
    d.send({ type: 'hello', token, pid: 4321, protocol: 2, python: '3.11.7' });
    const welcome = await d.next('welcome');
    assert.equal(welcome.type, 'welcome');
    return { d, conn: await within(conn, 'for onConnect') };
  };

  return { listener, conns, driver, connected };
}

/** Numbers the messages the protocol numbers, after the highest `seq` a test set itself. */
export class Sequencer {
  private last = 0;
  number(msg: object): object {
    const m = msg as { type?: unknown; seq?: unknown };
    if (m.type !== 'reply' && m.type !== 'stream' && m.type !== 'progress') return msg;
    if (typeof m.seq === 'number') {
      this.last = Math.max(this.last, m.seq);
      return msg;
    }
    return { ...msg, seq: ++this.last };
  }
}
