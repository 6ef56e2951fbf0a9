/**
 * Newline-delimited JSON framing over a socket (PROTOCOL.md §1).
 */
import type { Socket } from 'node:net';

export const MAX_LINE_BYTES = 64 * 1024 * 1024;

export function readLines(socket: Socket, onLine: (line: string) => void, onOverflow: () => void, initial = ''): void {
  // The unended line's chunks, each searched for a newline once, when it comes: a line of many
  // chunks costs its length, not its length times its chunks (a 60 MiB line once took 13 s of
  // the event loop, every session's).
  let parts: string[] = [];
  let size = 0;
  socket.setEncoding('utf8');
  const onData = (chunk: string) => {
    let from = 0;
    let nl: number;
    while ((nl = chunk.indexOf('\n', from)) >= 0) {
      parts.push(chunk.slice(from, nl));
      const line = parts.length === 1 ? parts[0]! : parts.join('');
      parts = [];
      size = 0;
      from = nl + 1;
      if (line.trim()) onLine(line);
    }
    if (from < chunk.length) {
      parts.push(from ? chunk.slice(from) : chunk);
      size += chunk.length - from;
    }
    if (size > MAX_LINE_BYTES) {
      parts = [];
      size = 0;
      onOverflow();
    }
  };
  socket.on('data', onData);
  // Deferred so the owner can attach its listeners first.
  if (initial) queueMicrotask(() => onData(initial));
}

export function writeMessage(socket: Socket, msg: object): void {
  if (!socket.destroyed) socket.write(JSON.stringify(msg) + '\n');
}
