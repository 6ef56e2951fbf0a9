/**
 * The driver link's line framing (PROTOCOL.md §1): lines however the bytes are cut, blank lines
 * skipped, a line over the limit refused, and a long line of many chunks read in time linear in
 * its length (each chunk searched once), since a driver runs other people's code.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import net from 'node:net';
import type { Socket } from 'node:net';
import { describe, test } from 'node:test';
import { MAX_LINE_BYTES, readLines } from '../../src/driver/ndjson.ts';

/** A socket whose chunks the test cuts itself. */
function chunked(): { socket: Socket; lines: string[]; overflows: () => number; send: (...chunks: string[]) => void } {
  const socket = Object.assign(new EventEmitter(), { setEncoding: () => socket }) as unknown as Socket;
  const lines: string[] = [];
  let overflows = 0;
  readLines(socket, (l) => lines.push(l), () => overflows++);
  return { socket, lines, overflows: () => overflows, send: (...chunks) => { for (const c of chunks) socket.emit('data', c); } };
}

describe('readLines', () => {
  test('a line cut across chunks, and several lines in one chunk', () => {
    const s = chunked();
    s.send('{"type":', '"ready"', '}\n{"a":1}\n{"b"', ':2}\n');
    assert.deepEqual(s.lines, ['{"type":"ready"}', '{"a":1}', '{"b":2}']);
  });

  test('blank lines are skipped, and an unended line waits for its newline', () => {
    const s = chunked();
    s.send('\n  \n{"a":1}\n\n{"b":');
    assert.deepEqual(s.lines, ['{"a":1}']);
    s.send('2}\n');
    assert.deepEqual(s.lines, ['{"a":1}', '{"b":2}']);
  });

  test('a line of many chunks comes whole, once', () => {
    const s = chunked();
    const chunk = 'x'.repeat(64 * 1024);
    const n = 256; // 16 MiB: each chunk rescanning the rest would take seconds here
    for (let i = 0; i < n; i++) s.send(chunk);
    assert.equal(s.lines.length, 0);
    s.send('y\nz\n');
    assert.equal(s.lines.length, 2);
    assert.equal(s.lines[0]!.length, n * chunk.length + 1);
    assert.ok(s.lines[0]!.endsWith('xy'));
    assert.equal(s.lines[1], 'z');
  });

  test('a line over the limit is refused once it passes it, and what follows starts afresh', () => {
    const s = chunked();
    const chunk = 'x'.repeat(1024 * 1024);
    for (let i = 0; i * chunk.length <= MAX_LINE_BYTES; i++) s.send(chunk);
    assert.equal(s.overflows(), 1);
    assert.deepEqual(s.lines, []);
    s.send('\n{"a":1}\n');
    assert.deepEqual(s.lines, ['{"a":1}']);
  });

  test('on a real socket, a character cut between writes arrives whole', async () => {
    const lines: string[] = [];
    let done!: () => void;
    const got = new Promise<void>((r) => { done = r; });
    const server = net.createServer((sock) => readLines(sock, (l) => { lines.push(l); if (lines.length === 2) done(); }, () => undefined));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
    try {
      const bytes = Buffer.from('{"s":"é€😀"}\n{"t":"ok"}\n');
      for (let i = 0; i < bytes.length; i++) {
        client.write(bytes.subarray(i, i + 1));
        await new Promise((r) => setImmediate(r));
      }
      await got;
      assert.deepEqual(lines.map((l) => JSON.parse(l)), [{ s: 'é€😀' }, { t: 'ok' }]);
    } finally {
      client.destroy();
      await new Promise((r) => server.close(r));
    }
  });
});
