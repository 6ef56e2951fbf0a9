/**
 * Newline-delimited JSON framing over a socket (PROTOCOL.md §1).
 */
import type { Socket } from 'node:net';

export const MAX_LINE_BYTES = 64 * 1024 * 1024;

export function readLines(socket: Socket, onLine: (line: string) => void, onOverflow: () => void, initial = ''): void {
  let buf = '';
  socket.setEncoding('utf8');
  const onData = (chunk: string) => {
    buf += chunk;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (line.trim()) onLine(line);
    }
    if (buf.length > MAX_LINE_BYTES) {
      buf = '';
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
