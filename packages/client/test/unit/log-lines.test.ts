/** What a fresh read of a kept log window adds to the last one, when the window slides. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addedLines } from '../../src/log-lines.ts';

test('a growing log adds its new tail', () => {
  assert.deepEqual(addedLines(['a', 'b'], ['a', 'b', 'c']), { added: ['c'], gap: false });
  assert.deepEqual(addedLines([], ['a']), { added: ['a'], gap: false });
  assert.deepEqual(addedLines(['a'], ['a']), { added: [], gap: false });
});

test('a full window that slides: same count, new lines at the end (a count would see none)', () => {
  assert.deepEqual(addedLines(['1', '2', '3'], ['2', '3', '4']), { added: ['4'], gap: false });
  assert.deepEqual(addedLines(['1', '2', '3'], ['3', '4', '5']), { added: ['4', '5'], gap: false });
});

test('repeated lines: the fewest new lines are assumed', () => {
  assert.deepEqual(addedLines(['x', 'x'], ['x', 'x', 'x']), { added: ['x'], gap: false });
});

test('nothing in common: all of it is new, and the gap is said', () => {
  assert.deepEqual(addedLines(['1', '2'], ['7', '8']), { added: ['7', '8'], gap: true });
});
