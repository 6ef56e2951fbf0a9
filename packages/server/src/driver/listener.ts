/**
 * The TCP endpoint drivers call back to, the adapter of the domain's DriverChannel port. Each
 * launch registers a one-time token; a connection whose first line is a hello with a live token
 * becomes that session's DriverConnection.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import net from 'node:net';
import { DRIVER_PROTOCOL_VERSION, type HelloMsg, type Limits } from '@sparkport/protocol';
import type { DriverChannel } from '../domain/ports/driver-link.ts';
import { DriverConnection } from './connection.ts';
import { MAX_LINE_BYTES, writeMessage } from './ndjson.ts';

const HELLO_TIMEOUT_MS = 10_000;

interface Expected {
  sessionId: number;
  resolve: (c: DriverConnection) => void;
}

export class DriverListener implements DriverChannel {
  private server = net.createServer((s) => this.onSocket(s));
  private expected = new Map<string, Expected>();

  constructor(private readonly limits: Limits) {}

  async listen(host: string, port: number): Promise<{ host: string; port: number }> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => resolve());
    });
    const addr = this.server.address() as net.AddressInfo;
    return { host: addr.address, port: addr.port };
  }

  /** A fresh token, and a callback fired once when the driver holding it says hello. */
  expect(sessionId: number, onConnect: (c: DriverConnection) => void): { token: string; revoke: () => void } {
    const token = randomBytes(32).toString('hex');
    this.expected.set(token, { sessionId, resolve: onConnect });
    return { token, revoke: () => this.expected.delete(token) };
  }

  close(): Promise<void> {
    this.expected.clear();
    return new Promise((r) => this.server.close(() => r()));
  }

  private onSocket(socket: net.Socket): void {
    socket.setNoDelay(true);
    let buf = '';
    const timer = setTimeout(() => socket.destroy(), HELLO_TIMEOUT_MS);
    timer.unref();
    const refuse = (code: string, message: string) => {
      clearTimeout(timer);
      writeMessage(socket, { type: 'error', re: null, code, message });
      socket.end();
    };
    const onData = (chunk: Buffer) => {
      buf += chunk.toString('utf8');
      if (buf.length > MAX_LINE_BYTES) return refuse('BAD_MESSAGE', 'hello too long');
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      socket.off('data', onData);
      const rest = buf.slice(nl + 1);
      let hello: HelloMsg;
      try {
        hello = JSON.parse(buf.slice(0, nl));
      } catch {
        return refuse('BAD_MESSAGE', 'first line must be a JSON hello');
      }
      if (hello?.type !== 'hello' || typeof hello.token !== 'string') return refuse('BAD_MESSAGE', 'first message must be hello');
      const entry = this.take(hello.token);
      if (!entry) return refuse('BAD_TOKEN', 'unknown, used or expired token');
      if (hello.protocol !== DRIVER_PROTOCOL_VERSION) {
        return refuse('BAD_PROTOCOL', `server speaks protocol ${DRIVER_PROTOCOL_VERSION}, driver sent ${hello.protocol}`);
      }
      clearTimeout(timer);
      writeMessage(socket, { type: 'welcome', session_id: entry.sessionId, limits: this.limits });
      entry.resolve(new DriverConnection(socket, Number(hello.pid) || 0, rest));
    };
    socket.on('data', onData);
    socket.on('error', () => socket.destroy());
  }

  private take(token: string): Expected | undefined {
    const given = Buffer.from(token);
    for (const [t, e] of this.expected) {
      const want = Buffer.from(t);
      if (want.length === given.length && timingSafeEqual(want, given)) {
        this.expected.delete(t);
        return e;
      }
    }
    return undefined;
  }
}
