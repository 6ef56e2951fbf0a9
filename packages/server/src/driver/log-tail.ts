/**
 * Follows one log file that a detached process appends to: each poll reads what is new and cuts
 * it into lines, and keeps the file under its cap by copying it to <name>.1 and emptying it (the
 * process writes with O_APPEND, so it goes on at the new end; bytes written between the copy and
 * the truncation are lost, as with logrotate's copytruncate).
 */
import { closeSync, fstatSync, ftruncateSync, readSync } from 'node:fs';
import { copyRange } from './work-dir-files.ts';

/** One runaway print must not fill the server's memory: a longer line is cut, the rest dropped. */
export const MAX_LINE_BYTES = 16 * 1024;
const CUT_MARKER = `… [line cut at ${MAX_LINE_BYTES} bytes]`;
/** How far back from the end a replay of the last lines looks. */
const LAST_LINES_BYTES = 2 * 1024 * 1024;
const READ_CHUNK = 1024 * 1024;
/** A reader further behind than this (or the cap, if larger) skips ahead. */
const FAR_BEHIND_BYTES = 8 * 1024 * 1024;
const NL = 0x0a;
const EMPTY = Buffer.alloc(0);

export type Stream = 'stdout' | 'stderr';

/** Where following begins: a byte offset (a line start), or the file's last lines. */
export type TailStart = { offset: number } | { lastLines: number };

export class LogTail {
  private offset = 0;
  /** The line in progress: bytes after the last newline read. */
  private pending = EMPTY;
  /** Dropping the rest of a line that was cut, or the end of one a start fell into. */
  private cutting = false;
  private begun = false;
  private closed = false;
  private sink: (line: string) => void;

  constructor(
    private readonly fd: number,
    readonly file: string,
    readonly stream: Stream,
    private readonly maxBytes: number,
    emit: (stream: Stream, line: string) => void,
    private readonly start: TailStart = { offset: 0 },
    private readonly onRotate: () => void = () => undefined,
  ) {
    this.sink = (line) => emit(stream, line);
  }

  /** Where to start again so that no line delivered after now is missed: the start of the line in progress. */
  get position(): number {
    return this.cutting ? this.offset : Math.max(0, this.offset - this.pending.length);
  }

  poll(): void {
    if (this.closed) return;
    if (!this.begun) this.begin();
    const size = this.size();
    if (size < this.offset) this.restartAt(0); // emptied by someone else
    // Far behind (output while no server watched): the latest part is what anyone wants.
    const behind = Math.max(this.maxBytes, FAR_BEHIND_BYTES);
    if (size - this.offset > behind) this.skipTo(size - behind);
    this.readTo(size);
    if (size > this.maxBytes) this.rotate();
  }

  /** The last read, with the line in progress as a line of its own; then the file is let go. */
  finish(): void {
    if (this.closed) return;
    this.poll();
    if (this.pending.length && !this.cutting) this.line(this.pending);
    this.pending = EMPTY;
    this.close();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }

  private begin(): void {
    this.begun = true;
    const size = this.size();
    if ('offset' in this.start) {
      this.restartAt(this.start.offset <= size ? this.start.offset : 0);
      return;
    }
    this.restartAt(Math.max(0, size - LAST_LINES_BYTES));
    const lines: string[] = [];
    const sink = this.sink;
    this.sink = (l) => lines.push(l);
    try {
      this.readTo(size);
    } finally {
      this.sink = sink;
    }
    for (const l of lines.slice(-this.start.lastLines)) sink(l);
  }

  private restartAt(pos: number): void {
    this.offset = pos;
    this.pending = EMPTY;
    this.cutting = pos > 0 && this.byteAt(pos - 1) !== NL;
  }

  private skipTo(pos: number): void {
    const skipped = pos - this.offset;
    this.restartAt(pos);
    this.sink(`[sparkport: ${skipped} bytes of output skipped, the reader was too far behind]`);
  }

  private rotate(): void {
    const size = this.size();
    try {
      copyRange(this.fd, Math.max(0, size - this.maxBytes), size, `${this.file}.1`);
    } catch {
      // Something planted at <name>.1 that won't go: the cap matters more than the copy.
    }
    this.readTo(this.size());
    ftruncateSync(this.fd, 0);
    // The line in progress stays pending: its continuation comes at the new start.
    this.offset = 0;
    this.onRotate();
  }

  private readTo(end: number): void {
    const buf = Buffer.allocUnsafe(Math.max(1, Math.min(READ_CHUNK, end - this.offset)));
    while (this.offset < end) {
      const n = readSync(this.fd, buf, 0, Math.min(buf.length, end - this.offset), this.offset);
      if (n === 0) break;
      this.offset += n;
      this.take(buf.subarray(0, n));
    }
  }

  private take(chunk: Buffer): void {
    for (let start = 0; ;) {
      const nl = chunk.indexOf(NL, start);
      const end = nl < 0 ? chunk.length : nl;
      if (!this.cutting) {
        const piece = chunk.subarray(start, end);
        if (this.pending.length + piece.length > MAX_LINE_BYTES) {
          this.line(Buffer.concat([this.pending, piece]), true);
          this.pending = EMPTY;
          this.cutting = nl < 0;
        } else if (nl >= 0) {
          this.line(Buffer.concat([this.pending, piece]));
          this.pending = EMPTY;
        } else {
          // Copied: the chunk's buffer is reused by the next read.
          this.pending = Buffer.concat([this.pending, piece]);
        }
      } else if (nl >= 0) {
        this.cutting = false;
      }
      if (nl < 0) return;
      start = nl + 1;
    }
  }

  private line(buf: Buffer, cut = false): void {
    if (!cut) {
      const text = buf.toString('utf8');
      this.sink(text.endsWith('\r') ? text.slice(0, -1) : text);
      return;
    }
    // Marker included, the line stays within the limit; cut at a character boundary.
    let n = MAX_LINE_BYTES - CUT_MARKER.length - 8;
    while (n > 0 && ((buf[n] ?? 0) & 0xc0) === 0x80) n--;
    this.sink(`${buf.toString('utf8', 0, n)}${CUT_MARKER}`);
  }

  private size(): number {
    return fstatSync(this.fd).size;
  }

  private byteAt(pos: number): number | undefined {
    const b = Buffer.alloc(1);
    return readSync(this.fd, b, 0, 1, pos) === 1 ? b[0] : undefined;
  }
}
