/**
 * One authenticated driver connection, the TCP side of the domain's DriverLink port: requests
 * with ids, each reply and each `re`-tagged event delivered to the request it belongs to, and
 * every pending request rejected when the connection drops (PROTOCOL.md §2).
 */
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type { DriverToServer, ReplyMsg } from '@sparkport/protocol';
import {
  DriverCallError, type DriverCall, type DriverLink, type DriverLinkEvents, type DriverRequestBody, type RequestEvent,
  type RequestOptions,
} from '../domain/ports/driver-link.ts';
import { readLines, writeMessage } from './ndjson.ts';

interface Pending {
  resolve: (r: Record<string, unknown>) => void;
  reject: (e: Error) => void;
  onEvent?: (ev: RequestEvent) => void;
  timer?: NodeJS.Timeout;
}

export class DriverConnection extends EventEmitter<DriverLinkEvents> implements DriverLink {
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

  /** Sends a request; the returned promise settles with its reply's result. */
  request<T = Record<string, unknown>>(msg: DriverRequestBody, opts: RequestOptions = {}): DriverCall<T> {
    const id = this.nextId++;
    let call: Promise<T>;
    if (this.closed) {
      call = Promise.reject(new DriverCallError('DRIVER_LOST', 'driver connection is closed'));
    } else {
      call = new Promise<T>((resolve, reject) => {
        const p: Pending = { resolve: resolve as Pending['resolve'], reject, onEvent: opts.onEvent };
        if (opts.timeoutMs) {
          p.timer = setTimeout(() => {
            this.pending.delete(id);
            reject(new DriverCallError('TIMEOUT', `driver did not answer '${msg.type}' within ${opts.timeoutMs} ms`));
          }, opts.timeoutMs);
          p.timer.unref();
        }
        this.pending.set(id, p);
        writeMessage(this.socket, { ...msg, id });
      });
    }
    return Object.assign(call, { id });
  }

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
      // An event for no pending request (its reply came, or it timed out) has nobody to tell.
      case 'stream':
      case 'progress': this.pending.get(msg.re)?.onEvent?.(msg); return;
      case 'error': {
        // The driver refused something we sent: fail that request if we can tell which.
        const p = msg.re != null ? this.take(msg.re) : undefined;
        if (p) p.reject(new DriverCallError(msg.code, msg.message));
        else this.emit('protocolError', `${msg.code}: ${msg.message}`);
        return;
      }
      default:
        writeMessage(this.socket, {
          type: 'error', re: (msg as { id?: number }).id ?? null, code: 'UNKNOWN_TYPE',
          message: `unknown message type '${(msg as { type: string }).type}'`,
        });
    }
  }

  private take(id: number): Pending | undefined {
    const p = this.pending.get(id);
    if (!p) return undefined;
    this.pending.delete(id);
    clearTimeout(p.timer);
    return p;
  }

  private onReply(msg: ReplyMsg): void {
    const p = this.take(msg.re);
    if (!p) return;
    if (msg.ok) p.resolve(msg.result ?? {});
    else p.reject(new DriverCallError(msg.error?.code ?? 'INTERNAL', msg.error?.message ?? 'driver error'));
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    const err = new DriverCallError('DRIVER_LOST', 'the driver connection dropped');
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    this.pending.clear();
    this.emit('close');
  }
}
