/**
 * One authenticated driver connection: request/reply with ids, events routed by `re`, and every
 * pending request rejected when the connection drops (PROTOCOL.md §2).
 */
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type {
  DriverRequest, DriverToServer, FatalMsg, ProgressMsg, ReadyMsg, ReplyMsg, StreamMsg,
} from '@sparkport/protocol';
import { readLines, writeMessage } from './ndjson.ts';

export class DriverCallError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'DriverCallError';
  }
}

type Pending = { resolve: (r: Record<string, unknown>) => void; reject: (e: Error) => void };

export interface DriverConnectionEvents {
  ready: [ReadyMsg];
  fatal: [FatalMsg];
  stream: [StreamMsg];
  progress: [ProgressMsg];
  protocolError: [string];
  close: [];
}

export class DriverConnection extends EventEmitter<DriverConnectionEvents> {
  private nextId = 1;
  private pending = new Map<number, Pending>();
  private closed = false;

  constructor(private readonly socket: Socket, readonly pid: number, initial = '') {
    super();
    socket.setNoDelay(true);
    readLines(socket, (line) => this.onLine(line), () => {
      this.emit('protocolError', 'line over 64 MiB');
      socket.destroy();
    }, initial);
    socket.on('close', () => this.onClose());
    socket.on('error', () => socket.destroy());
  }

  get isOpen(): boolean { return !this.closed; }

  /** Sends a request and resolves with its reply's result. */
  request<T = Record<string, unknown>>(msg: DistributiveOmit<DriverRequest, 'id'>, timeoutMs?: number): Promise<T> {
    if (this.closed) return Promise.reject(new DriverCallError('DRIVER_LOST', 'driver connection is closed'));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      if (timeoutMs) {
        timer = setTimeout(() => {
          this.pending.delete(id);
          reject(new DriverCallError('TIMEOUT', `driver did not answer '${msg.type}' within ${timeoutMs} ms`));
        }, timeoutMs);
        timer.unref();
      }
      this.pending.set(id, {
        resolve: (r) => { clearTimeout(timer); resolve(r as T); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      });
      writeMessage(this.socket, { ...msg, id });
    });
  }

  /** The id the next request will get: lets callers tie events to a request before sending. */
  peekNextId(): number { return this.nextId; }

  close(): void { this.socket.destroy(); }

  private onLine(line: string): void {
    let msg: DriverToServer;
    try {
      msg = JSON.parse(line);
    } catch {
      writeMessage(this.socket, { type: 'error', re: null, code: 'BAD_MESSAGE', message: 'line is not JSON' });
      return;
    }
    if (!msg || typeof msg !== 'object' || typeof (msg as { type?: unknown }).type !== 'string') {
      writeMessage(this.socket, { type: 'error', re: null, code: 'BAD_MESSAGE', message: 'message must be an object with a string type' });
      return;
    }
    switch (msg.type) {
      case 'reply': return this.onReply(msg);
      case 'ready': this.emit('ready', msg); return;
      case 'fatal': this.emit('fatal', msg); return;
      case 'stream': this.emit('stream', msg); return;
      case 'progress': this.emit('progress', msg); return;
      case 'error': {
        // The driver refused something we sent: fail that request if we can tell which.
        const p = msg.re != null ? this.pending.get(msg.re) : undefined;
        if (p && msg.re != null) {
          this.pending.delete(msg.re);
          p.reject(new DriverCallError(msg.code, msg.message));
        } else {
          this.emit('protocolError', `${msg.code}: ${msg.message}`);
        }
        return;
      }
      default:
        writeMessage(this.socket, {
          type: 'error', re: (msg as { id?: number }).id ?? null, code: 'UNKNOWN_TYPE',
          message: `unknown message type '${(msg as { type: string }).type}'`,
        });
    }
  }

  private onReply(msg: ReplyMsg): void {
    const p = this.pending.get(msg.re);
    if (!p) return;
    this.pending.delete(msg.re);
    if (msg.ok) p.resolve(msg.result ?? {});
    else p.reject(new DriverCallError(msg.error?.code ?? 'INTERNAL', msg.error?.message ?? 'driver error'));
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    const err = new DriverCallError('DRIVER_LOST', 'the driver connection dropped');
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    this.emit('close');
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
