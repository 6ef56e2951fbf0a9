/**
 * sessions.max from the machine's memory (domain/capacity.ts): the default follows
 * spark.defaultDriverMemory unless the operator sets a number; -1 asks for it explicitly.
 */
import assert from 'node:assert/strict';
import os from 'node:os';
import { describe, test } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { autoMaxSessions, memoryBytes } from '../../src/domain/capacity.ts';

const GiB = 1024 ** 3;

describe('how many sessions a machine holds', () => {
  test('a driver is its heap plus half a gigabyte, a gigabyte stays for the rest; at least 1, at most 64', () => {
    assert.equal(autoMaxSessions('1g', 24 * GiB), 15);
    assert.equal(autoMaxSessions('768m', 24 * GiB), 18);
    assert.equal(autoMaxSessions('4g', 24 * GiB), 5);
    assert.equal(autoMaxSessions('1g', 4 * GiB), 2);
    assert.equal(autoMaxSessions('8g', 2 * GiB), 1, 'never 0: one session always fits, as it did before');
    assert.equal(autoMaxSessions('512m', 1024 * GiB), 64);
    assert.equal(memoryBytes('512m'), 512 * 1024 ** 2);
    assert.equal(memoryBytes('2G'), 2 * GiB);
    assert.throws(() => memoryBytes('lots'), /not a memory size/);
  });

  test('the setting wins; without it the default follows the driver memory; -1 recomputes', () => {
    const here = (mem: string) => autoMaxSessions(mem, os.totalmem());
    assert.equal(loadConfig({ env: {} }).sessions.max, here('1g'));
    assert.equal(loadConfig({ env: { SPARKPORT_SPARK__DEFAULT_DRIVER_MEMORY: '3g' } }).sessions.max, here('3g'));
    assert.equal(loadConfig({ env: { SPARKPORT_SESSIONS__MAX: '4', SPARKPORT_SPARK__DEFAULT_DRIVER_MEMORY: '3g' } }).sessions.max, 4);
    assert.equal(loadConfig({ env: { SPARKPORT_SESSIONS__MAX: '-1' } }).sessions.max, here('1g'));
  });
});
