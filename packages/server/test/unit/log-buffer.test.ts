/**
 * The session and batch log ring: lines over the limit are cut with how many characters went,
 * once, so a log restored after a restart (batch logs are pushed again) keeps its count.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cutLine, LogBuffer, MAX_LOG_LINE_CHARS } from '../../src/domain/log-buffer.ts';

test('a long line is cut once, and a cut line pushed again (a restored log) stays as it was', () => {
  const log = new LogBuffer(5);
  log.push('stdout', 'z'.repeat(100_000));
  const [cut] = log.lines().slice(1, 2);
  assert.equal(cut, `${'z'.repeat(MAX_LOG_LINE_CHARS)}… [${100_000 - MAX_LOG_LINE_CHARS} more characters]`);
  const again = new LogBuffer(5);
  again.push('stdout', cut!);
  again.push('stdout', cutLine(cut!));
  assert.deepEqual(again.lines().slice(1, 3), [cut, cut]);
  // A line that only looks cut, somewhere else, is cut like any other.
  const lookalike = `${'a'.repeat(20_000)}… [5 more characters]`;
  assert.match(cutLine(lookalike), new RegExp(`^a{${MAX_LOG_LINE_CHARS}}… \\[${lookalike.length - MAX_LOG_LINE_CHARS} more characters\\]$`));
  assert.equal(cutLine('short'), 'short');
});

test('the ring keeps the last lines of each stream', () => {
  const log = new LogBuffer(2);
  for (const l of ['1', '2', '3']) log.push('stderr', l);
  log.push('stdout', 'o');
  assert.deepEqual(log.lines(), ['stdout: ', 'o', '\nstderr: ', '2', '3']);
});
