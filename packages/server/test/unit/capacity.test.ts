/**
 * sessions.max from the machine's memory (domain/capacity.ts): by default (-1) the limit follows
 * the driver memory sessions get and the memory this process may use; a number set is the limit.
 */
import assert from 'node:assert/strict';
import os from 'node:os';
import { describe, test } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { autoMaxSessions, machineMemory, memoryBytes, sessionLimit } from '../../src/domain/capacity.ts';

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

  test('a number set wins, whatever it is; by default the limit follows the driver memory sessions get', () => {
    const here = (mem: string) => autoMaxSessions(mem, machineMemory());
    const limit = (env: Record<string, string>) => sessionLimit(loadConfig({ env }));
    assert.equal(limit({}), here('1g'));
    assert.equal(limit({ SPARKPORT_SPARK__DEFAULT_DRIVER_MEMORY: '3g' }), here('3g'));
    assert.equal(limit({ SPARKPORT_SESSIONS__MAX: '4', SPARKPORT_SPARK__DEFAULT_DRIVER_MEMORY: '3g' }), 4);
    assert.equal(limit({ SPARKPORT_SESSIONS__MAX: String(here('1g')), SPARKPORT_SPARK__DEFAULT_DRIVER_MEMORY: '3g' }), here('1g'), 'a number that happens to equal the default is still the setting');
    const forced = loadConfig({ env: {} });
    forced.spark.forcedConf['spark.driver.memory'] = '4g';
    assert.equal(sessionLimit(forced), here('4g'), 'a forced driver memory is what sessions get');
    assert.ok(machineMemory() <= os.totalmem());
  });
});
