/**
 * One driver's link, the TCP side of the domain's DriverLink port: requests with ids, each reply
 * and each `re`-tagged event delivered to the request it belongs to (PROTOCOL.md §2).
 *
 * The link outlives its socket (§3a): when the socket drops, pending requests stay pending and a
 * reconnecting driver's new socket is attached to the same link, where its replayed replies
 * settle them. Messages are numbered by the driver; one at or below the highest handled is a
 * replay's duplicate and dropped, and every handled reply is acknowledged so the driver can
 * forget it. Only close() ends the link, rejecting what is still pending.
 */
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { checkDriverMessage, DRIVER_TO_SERVER_TYPES, MAX_LINE_DEPTH, type DriverToServer, type ProgressMsg, type ReplyMsg, type StreamMsg } from '@sparkport/protocol';
import {
  DriverCallError, type DriverCall, type DriverLink, type DriverLinkEvents, type DriverRequestBody, type RequestEvent,
  type RequestOptions,
} from '../domain/ports/driver-link.ts';
import { readLines, writeMessage } from './ndjson.ts';
import { nestsDeeperThan } from '../json-depth.ts';

interface Pending {
  resolve: (r: Record<string, unknown>) => void;
  reject: (e: Error) => void;
  onEvent?: (ev: RequestEvent) => void;
  timer?: NodeJS.Timeout;
}

export class DriverConnection extends EventEmitter<DriverLinkEvents> implements DriverLink {
  private nextId: number;
  private pending = new Map<number, Pending>();
  private socket?: Socket;
  private ended = false;
  /** Highest `seq` handled, and the highest acknowledged to the driver. */
  private lastSeq = 0;
  private ackedSeq = 0;
  private ackQueued = false;

  constructor(socket: Socket, public pid: number, initial = '', lastRequest = 0) {
    super();
    this.nextId = lastRequest + 1;
    this.attach(socket, initial);
  }

  get isOpen(): boolean { return !this.ended && this.socket !== undefined; }

  /** A reconnecting driver's new socket; requests are numbered on above what it has seen. */
  attach(socket: Socket, initial = '', lastRequest = 0, pid = this.pid): void {
    if (this.ended) {
      socket.destroy();
      return;
    }
    this.socket?.destroy();
    this.socket = socket;
    this.pid = pid;
    this.nextId = Math.max(this.nextId, lastRequest + 1);
    socket.setNoDelay(true);
    let broken = false;
    readLines(socket, (line) => {
      // Not one more line once one has broken: the rest of its chunk is not read either.
      if (broken || this.socket !== socket) return;
      try {
        this.onLine(line);
      } catch (e) {
        // Never the server's end: a line nothing above foresaw ends this driver's connection.
        broken = true;
        this.emit('protocolError', `a line the server could not handle (${(e as Error)?.message ?? e}): connection closed`);
        socket.destroy();
      }
    }, () => {
      this.emit('protocolError', 'line over 64 MiB');
      socket.destroy();
    }, initial);
    socket.on('close', () => this.onSocketClose(socket));
    socket.on('error', () => socket.destroy());
  }

  /** Sends a request; the returned promise settles with its reply's result. */
  request<T = Record<string, unknown>>(msg: DriverRequestBody, opts: RequestOptions = {}): DriverCall<T> {
    const id = this.nextId++;
    let call: Promise<T>;
    const socket = this.socket;
    if (this.ended || !socket) {
      call = Promise.reject(new DriverCallError('DRIVER_LOST', 'the driver is not connected'));
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
        writeMessage(socket, { ...msg, id });
      });
    }
    return Object.assign(call, { id });
  }

  /** Ends the link for good: the socket goes and every pending request fails with DRIVER_LOST. */
  close(): void {
    if (this.ended) return;
    this.ended = true;
    this.socket?.destroy();
    this.socket = undefined;
    const err = new DriverCallError('DRIVER_LOST', 'the driver connection dropped');
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    this.pending.clear();
    this.emit('close');
  }

  private send(msg: object): void {
    if (this.socket) writeMessage(this.socket, msg);
  }

  private onSocketClose(socket: Socket): void {
    if (this.socket !== socket || this.ended) return;
    this.socket = undefined;
    this.emit('disconnect');
  }

  private onLine(line: string): void {
    let msg: DriverToServer;
    try {
      msg = JSON.parse(line);
    } catch {
      this.send({ type: 'error', re: null, code: 'BAD_MESSAGE', message: 'line is not JSON' });
      return;
    }
    if (!msg || typeof msg !== 'object' || typeof (msg as { type?: unknown }).type !== 'string') {
      this.send({ type: 'error', re: null, code: 'BAD_MESSAGE', message: 'message must be an object with a string type' });
      return;
    }
    const problem = nestsDeeperThan(line, MAX_LINE_DEPTH) ? `line nested more than ${MAX_LINE_DEPTH} levels deep` : malformed(msg);
    if (problem) {
      this.send({ type: 'error', re: null, code: 'BAD_MESSAGE', message: problem });
      // Only what checks out is used: the numbers that say which request and which line it was.
      const { re, seq, statement_id } = msg as { re?: unknown; seq?: unknown; statement_id?: unknown };
      const numbered = { seq: isCount(seq, 1) ? seq : undefined, statement_id: isCount(statement_id, 0) ? statement_id : undefined };
      if (msg.type !== 'reply') {
        if (msg.type === 'stream' || msg.type === 'progress') this.fresh(numbered);
        return;
      }
      // Its request fails rather than waits forever: a statement ends with an error saying why.
      msg = { type: 'reply', re: isCount(re, 0) ? re : -1, ok: false, error: { code: 'BAD_MESSAGE', message: `the driver's reply was a ${problem}` }, ...numbered } as ReplyMsg;
    }
    if ((msg.type === 'reply' || msg.type === 'stream' || msg.type === 'progress') && !this.fresh(msg)) return;
    switch (msg.type) {
      case 'reply': return this.onReply(msg);
      case 'ready': this.emit('ready', msg); return;
      case 'fatal': this.emit('fatal', msg); return;
      // After this line's replies have been dealt with (their promise callbacks run first).
      case 'resumed': setImmediate(() => this.emit('resumed', msg)); return;
      case 'stream':
      case 'progress': {
        const p = this.pending.get(msg.re);
        if (p) p.onEvent?.(msg);
        else this.orphan(msg);
        return;
      }
      case 'error': {
        // The driver refused something we sent: fail that request if we can tell which.
        const p = msg.re != null ? this.take(msg.re) : undefined;
        if (p) p.reject(new DriverCallError(msg.code, msg.message));
        else this.emit('protocolError', `${msg.code}: ${msg.message}`);
        return;
      }
      default:
        this.send({
          type: 'error', re: (msg as { id?: number }).id ?? null, code: 'UNKNOWN_TYPE',
          message: `unknown message type '${(msg as { type: string }).type}'`,
        });
    }
  }

  /** Whether a numbered message is new; a replayed one already handled is not. */
  private fresh(msg: { seq?: number }): boolean {
    if (typeof msg.seq !== 'number') return true;
    if (msg.seq <= this.lastSeq) return false;
    this.lastSeq = msg.seq;
    return true;
  }

  /** A message for a request this link never sent: an execute's, if it says which statement. */
  private orphan(msg: ReplyMsg | StreamMsg | ProgressMsg): void {
    if (typeof msg.statement_id === 'number') this.emit('orphan', msg);
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
    if (!p) this.orphan(msg);
    else if (msg.ok) p.resolve(msg.result ?? {});
    else p.reject(new DriverCallError(msg.error?.code ?? 'INTERNAL', msg.error?.message ?? 'driver error'));
    this.queueAck();
  }

  /**
   * Acknowledges after the reply's promise callbacks have run: they write the statement to the
   * store synchronously, so what is acknowledged is on disk.
   */
  private queueAck(): void {
    if (this.ackQueued) return;
    this.ackQueued = true;
    setImmediate(() => {
      this.ackQueued = false;
      if (this.lastSeq > this.ackedSeq) {
        this.ackedSeq = this.lastSeq;
        this.send({ type: 'ack', seq: this.lastSeq });
      }
    });
  }
}

/**
 * Why a driver message of a known type is not one, or undefined: the driver runs users' code, and
 * a field of the wrong type (an object where a string goes) would throw where it is used.
 */
function malformed(msg: { type: string }): string | undefined {
  if (!(DRIVER_TO_SERVER_TYPES as readonly string[]).includes(msg.type)) return undefined; // answered UNKNOWN_TYPE
  const check = checkDriverMessage('driverToServer', msg);
  return check.ok ? undefined : `malformed '${msg.type}' message (${check.errors.join('; ')})`;
}

const isCount = (v: unknown, min: number): v is number => Number.isSafeInteger(v) && (v as number) >= min;
