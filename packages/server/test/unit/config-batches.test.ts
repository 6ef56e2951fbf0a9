/**
 * The batches section of the settings: where batch files may come from by default, and how the
 * environment and a config file change it; and the settings on what sessions and batches may
 * reach (URI schemes, session directories, conf rules, passed variables).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { loadConfig } from '../../src/config.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'sparkport-config-batches-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('config: batches', () => {
  test('defaults: files from <dataDir>/batch-files, 8 running, 10 s to die, the venv\'s spark-submit', () => {
    const c = loadConfig({ env: {}, overrides: { dataDir: '/srv/sp' } });
    assert.deepEqual(c.batches.allowedDirs, ['/srv/sp/batch-files']);
    assert.equal(c.batches.max, 8);
    assert.equal(c.batches.killTimeoutMs, 10_000);
    assert.equal(c.batches.logLines, 1000);
    assert.equal(c.batches.sparkHome, null);
  });

  test('environment: a comma list of directories (resolved), numbers, a Spark home', () => {
    const c = loadConfig({
      env: {
        SPARKPORT_BATCHES__ALLOWED_DIRS: '/a, rel/b',
        SPARKPORT_BATCHES__MAX: '2',
        SPARKPORT_BATCHES__KILL_TIMEOUT_MS: '500',
        SPARKPORT_BATCHES__SPARK_HOME: '/opt/spark',
      },
    });
    assert.deepEqual(c.batches.allowedDirs, ['/a', path.resolve('rel/b')]);
    assert.equal(c.batches.max, 2);
    assert.equal(c.batches.killTimeoutMs, 500);
    assert.equal(c.batches.sparkHome, '/opt/spark');
  });

  test('config file: the section merges, unknown keys are refused', () => {
    const file = path.join(tmp, 'c.json');
    writeFileSync(file, JSON.stringify({ batches: { allowedDirs: ['/jobs'], logLines: 50 } }));
    const c = loadConfig({ env: {}, file });
    assert.deepEqual(c.batches.allowedDirs, ['/jobs']);
    assert.equal(c.batches.logLines, 50);
    assert.equal(c.batches.max, 8);
    writeFileSync(file, JSON.stringify({ batches: { whitelist: ['/x'] } }));
    assert.throws(() => loadConfig({ env: {}, file }), /Unknown setting 'batches\.whitelist'/);
  });

  test('what requests may reach: schemes, session directories, conf rules and passed variables, by environment', () => {
    const d = loadConfig({ env: {} });
    assert.deepEqual(d.spark.allowedSchemes, ['hdfs', 's3a', 'gs', 'abfs', 'abfss', 'wasb', 'wasbs']);
    assert.deepEqual([d.sessions.allowedDirs, d.spark.blockedConf, d.spark.allowedConf, d.spark.passEnv], [[], [], [], []]);
    const c = loadConfig({
      env: {
        SPARKPORT_SPARK__ALLOWED_SCHEMES: 'hdfs,viewfs',
        SPARKPORT_SESSIONS__ALLOWED_DIRS: 'rel/jars',
        SPARKPORT_SPARK__ALLOWED_CONF: 'spark.jars.packages',
        SPARKPORT_SPARK__PASS_ENV: 'HTTPS_PROXY,AWS_*',
      },
    });
    assert.deepEqual(c.spark.allowedSchemes, ['hdfs', 'viewfs']);
    assert.deepEqual(c.sessions.allowedDirs, [path.resolve('rel/jars')]);
    assert.deepEqual(c.spark.allowedConf, ['spark.jars.packages']);
    assert.deepEqual(c.spark.passEnv, ['HTTPS_PROXY', 'AWS_*']);
  });
});
