import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nestedDeeperThan } from '../../src/driver/nesting.ts';

const nest = (depth: number) => JSON.parse('['.repeat(depth) + ']'.repeat(depth));

test('nesting is counted by containers, objects and arrays alike, with no recursion', () => {
  assert.equal(nestedDeeperThan(null, 0), false);
  assert.equal(nestedDeeperThan('[[[[', 1), false, 'a string is not a container');
  assert.equal(nestedDeeperThan(nest(3), 3), false);
  assert.equal(nestedDeeperThan(nest(4), 3), true);
  assert.equal(nestedDeeperThan({ a: [1, { b: { c: [] } }], d: 'x' }, 5), false);
  assert.equal(nestedDeeperThan({ a: [1, { b: { c: [[]] } }], d: 'x' }, 5), true);
  assert.equal(nestedDeeperThan(nest(200_000), 512), true);
  const wide = Array.from({ length: 10_000 }, (_, i) => [i, String(i), i * 1.5]);
  assert.equal(nestedDeeperThan({ data: wide }, 3), false);
});
