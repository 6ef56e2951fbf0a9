/**
 * How the client cuts an event stream into events: at blank lines however the bytes are cut,
 * and an event of many chunks (a large output) read in time linear in its size.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SseBlocks } from '../../src/sse.ts';

test('events cut anywhere, a blank line split across chunks among them, come whole and in order', () => {
  const text = 'event: statement\ndata: {"id":1}\n\n: keep-alive\n\nevent: done\ndata: {"id":1}\n\n';
  const whole = new SseBlocks().push(text);
  assert.deepEqual(whole, ['event: statement\ndata: {"id":1}', ': keep-alive', 'event: done\ndata: {"id":1}']);
  // Every cut into two chunks, and one character at a time.
  for (let i = 0; i <= text.length; i++) {
    const b = new SseBlocks();
    assert.deepEqual([...b.push(text.slice(0, i)), ...b.push(text.slice(i))], whole, `cut at ${i}`);
  }
  const b = new SseBlocks();
  assert.deepEqual([...text].flatMap((c) => b.push(c)), whole);
});

test('an unended event waits for its blank line; an extra blank line ends only an empty block', () => {
  const b = new SseBlocks();
  assert.deepEqual(b.push('data: 1\n'), []);
  assert.deepEqual(b.push('\n\n'), ['data: 1']);
  assert.deepEqual(b.push('\ndata: 2\n\n'), ['', 'data: 2']);
});

test('a 16 MiB event in 1 KiB chunks is read once, not once per chunk', () => {
  const b = new SseBlocks();
  const chunk = 'x'.repeat(1024);
  const n = 16 * 1024;
  const t0 = process.hrtime.bigint();
  assert.deepEqual(b.push('data: "'), []);
  for (let i = 0; i < n; i++) assert.equal(b.push(chunk).length, 0);
  const [block] = b.push('"\n\n');
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  assert.equal(block!.length, 'data: ""'.length + n * 1024);
  // Searching the whole held text on each chunk would scan 128 Gi characters: minutes, not this.
  assert.ok(ms < 5000, `took ${ms.toFixed(0)} ms`);
});
