/**
 * The gaps a security review found in the Spark settings a request may set: keys that choose
 * the Python workers' executable or module, classes loaded as the driver starts, Hadoop's
 * configuration and delegation tokens (domain/spark-conf-rules.ts); and the operator's
 * spark.forcedConf, which requests can't name and which the real argument builders apply last
 * (driver/submit-args.ts, driver/batch-submit-args.ts).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { defaultConfig, loadConfig, type Config } from '../../src/config.ts';
import { DomainError } from '../../src/domain/errors.ts';
import { validateBatchRequest } from '../../src/domain/validate-batch.ts';
import { validateSessionRequest } from '../../src/domain/validate-session.ts';
import { buildBatchSubmitArgs } from '../../src/driver/batch-submit-args.ts';
import { buildSubmitArgs } from '../../src/driver/submit-args.ts';

function config(tweak: (c: Config) => void = () => undefined): Config {
  const c = defaultConfig();
  tweak(c);
  return c;
}

/** What a session and a batch with these fields get: 'accepted', or the 400's message. */
function refusals(fields: Record<string, unknown>, cfg = config()): string[] {
  const out: string[] = [];
  for (const run of [
    () => validateSessionRequest({ kind: 'pyspark', ...fields }, cfg),
    () => validateBatchRequest({ file: 'hdfs:///j.py', ...fields }, cfg),
  ]) {
    try {
      run();
      out.push('accepted');
    } catch (e) {
      assert.ok(e instanceof DomainError, String(e));
      assert.equal(e.code, 'VALIDATION', e.message);
      out.push(e.message);
    }
  }
  return out;
}

/** The --conf pairs of spark-submit arguments, and --driver-memory. */
function confOf(args: string[]): { conf: Record<string, string>; driverMemory?: string } {
  const conf: Record<string, string> = {};
  let driverMemory: string | undefined;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--conf') {
      const kv = args[++i]!;
      const eq = kv.indexOf('=');
      assert.ok(!(kv.slice(0, eq) in conf), `--conf ${kv.slice(0, eq)} given twice`);
      conf[kv.slice(0, eq)] = kv.slice(eq + 1);
    } else if (args[i] === '--driver-memory') driverMemory = args[++i];
  }
  return { conf, driverMemory };
}

describe('keys that did what blocked keys do are blocked too', () => {
  test('the Python workers\' executable and module, the R driver\'s command: 400 for sessions and batches', () => {
    const cases: [string, RegExp][] = [
      ['spark.sql.execution.pyspark.python', /Python executable/],
      ['spark.python.worker.module', /Python module every Python worker/],
      ['spark.python.daemon.module', /Python module/],
      ['spark.r.driver.command', /executable the driver runs/],
    ];
    for (const [key, re] of cases) {
      for (const msg of refusals({ conf: { [key]: '/tmp/evil' } })) {
        assert.match(msg, new RegExp(`'${key.replace(/\./g, '\\.')}': `), key);
        assert.match(msg, re, key);
      }
    }
  });

  test('classes loaded as the driver starts, catalog plugins (spark_catalog too), Hadoop\'s conf and delegation tokens', () => {
    const cases: [string, RegExp][] = [
      ['spark.extraListeners', /loads and instantiates as it starts/],
      ['spark.sql.extensions', /like spark\.plugins/],
      ['spark.sql.queryExecutionListeners', /instantiates/],
      ['spark.sql.streaming.streamingQueryListeners', /instantiates/],
      ['spark.kryo.registrator', /instantiates/],
      ['spark.serializer', /instantiates/],
      ['spark.sql.catalog.spark_catalog', /session catalog/],
      ['spark.sql.catalog.evil', /catalog plugins/],
      ['spark.sql.catalog.evil.uri', /catalog plugins/],
      ['spark.hadoop.fs.file.impl', /fs\.<scheme>\.impl loads any class/],
      ['spark.hadoop.hadoop.security.credential.provider.path', /credential providers/],
      ['spark.hive.exec.pre.hooks', /hive\.\*/],
      ['spark.kerberos.access.hadoopFileSystems', /delegation tokens/],
      ['spark.yarn.access.hadoopFileSystems', /delegation tokens/],
      ['spark.security.credentials.hive.enabled', /delegation tokens/],
    ];
    for (const [key, re] of cases) {
      for (const msg of refusals({ conf: { [key]: 'x' } })) assert.match(msg, re, key);
    }
    assert.deepEqual(refusals({ conf: { 'spark.sql.catalogImplementation': 'in-memory', 'spark.python.worker.reuse': 'false' } }), ['accepted', 'accepted']);
  });

  test('the operator lifts spark.hadoop.* (or one key of it) with spark.allowedConf', () => {
    const cfg = config((c) => { c.spark.allowedConf = ['spark.hadoop.fs.s3a.endpoint', 'spark.sql.catalog.*']; });
    assert.deepEqual(refusals({ conf: { 'spark.hadoop.fs.s3a.endpoint': 'http://minio:9000', 'spark.sql.catalog.ice': 'x.Catalog' } }, cfg), ['accepted', 'accepted']);
    assert.match(refusals({ conf: { 'spark.hadoop.fs.s3a.impl': 'x' } }, cfg)[0]!, /spark\.allowedConf can allow it/);
  });
});

describe('spark.forcedConf: the operator\'s conf, applied last and refused in requests', () => {
  const forced = { 'spark.sql.extensions': 'com.acme.AuthzExtension', 'spark.executor.memory': '4g', 'spark.driver.memory': '2g' };
  const cfg = config((c) => {
    c.spark.forcedConf = { ...forced };
    c.spark.allowedConf = ['*'];
  });

  test('a request naming a forced key is 400 naming the key and the setting, for sessions and batches, whatever spark.allowedConf says', () => {
    for (const msg of refusals({ conf: { 'spark.sql.extensions': '' } }, cfg)) {
      assert.match(msg, /'spark\.sql\.extensions': .*\(spark\.forcedConf\)/);
    }
    for (const msg of refusals({ conf: { 'spark.driver.memory': '64g', 'spark.sql.shuffle.partitions': '4' } }, cfg)) {
      assert.match(msg, /'spark\.driver\.memory'.*spark\.forcedConf/);
      assert.doesNotMatch(msg, /shuffle/);
    }
    assert.deepEqual(refusals({ conf: { 'spark.sql.shuffle.partitions': '4' } }, cfg), ['accepted', 'accepted']);
  });

  test('a field that sets a forced key is refused too (executorMemory → spark.executor.memory); empty fields set nothing', () => {
    for (const msg of refusals({ executorMemory: '64g' }, cfg)) {
      assert.match(msg, /'executorMemory' \(sets 'spark\.executor\.memory'\): .*spark\.forcedConf/);
    }
    for (const msg of refusals({ driverMemory: '64g' }, cfg)) assert.match(msg, /'driverMemory'.*spark\.forcedConf/);
    assert.deepEqual(refusals({ executorCores: 2, jars: [] }, cfg), ['accepted', 'accepted']);
    const blocked = config((c) => { c.spark.blockedConf = ['spark.executor.instances']; });
    assert.match(refusals({ numExecutors: 500 }, blocked)[0]!, /'numExecutors' \(sets 'spark\.executor\.instances'\): blocked by the operator/);
  });

  test('session args: forced conf wins over spark.defaultConf, the request\'s conf and fields, --driver-memory included', () => {
    const plain = config((c) => {
      c.spark.defaultConf = { ...c.spark.defaultConf, 'spark.sql.extensions': 'com.acme.AuthzExtension' };
      c.spark.allowedConf = ['*'];
    });
    // The gap: with only spark.defaultConf, the request's conf came after and switched the extension off.
    const req = { kind: 'pyspark' as const, conf: { 'spark.sql.extensions': '', 'spark.executor.memory': '64g', 'spark.driver.memory': '64g', 'spark.custom': 'mine' } };
    const spec = validateSessionRequest(req, plain);
    assert.equal(confOf(buildSubmitArgs(spec, 1, plain, '/w')).conf['spark.sql.extensions'], '', 'defaultConf alone loses to the request');
    // A spec that got past validation (say, created before the operator forced these keys) still gets the operator's values.
    const built = confOf(buildSubmitArgs({ ...spec, executorMemory: '32g' }, 1, cfg, '/w'));
    assert.equal(built.conf['spark.sql.extensions'], 'com.acme.AuthzExtension');
    assert.equal(built.conf['spark.executor.memory'], '4g');
    assert.equal(built.driverMemory, '2g');
    assert.equal(built.conf['spark.driver.memory'], undefined, 'driver memory is passed once, as the flag');
    assert.equal(built.conf['spark.custom'], 'mine', 'keys the operator does not force stay the request\'s');
    assert.equal(built.conf['spark.ui.showConsoleProgress'], 'false', 'spark.defaultConf still applies');
  });

  test('batch args: the same, through buildBatchSubmitArgs', () => {
    const spec = validateBatchRequest({ file: 'hdfs:///j.py', args: ['--x'], conf: { 'spark.sql.shuffle.partitions': '4' } }, cfg);
    const args = buildBatchSubmitArgs({ ...spec, conf: { ...spec.conf, 'spark.sql.extensions': '' } }, 3, cfg, '/w');
    const { conf, driverMemory } = confOf(args);
    assert.equal(conf['spark.sql.extensions'], 'com.acme.AuthzExtension');
    assert.equal(conf['spark.executor.memory'], '4g');
    assert.equal(conf['spark.sql.shuffle.partitions'], '4');
    assert.equal(driverMemory, '2g');
    assert.deepEqual(args.slice(-2), ['hdfs:///j.py', '--x'], 'the application\'s own arguments stay last');
  });

  test('spark.forcedConf is read from the config file and the environment (its keys are conf keys, not settings)', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sparkport-forced-'));
    try {
      const file = path.join(dir, 'config.json');
      writeFileSync(file, JSON.stringify({ dataDir: dir, spark: { forcedConf: { 'spark.sql.extensions': 'a.B' } } }));
      assert.deepEqual(loadConfig({ file, env: {} }).spark.forcedConf, { 'spark.sql.extensions': 'a.B' });
      const env = { SPARKPORT_DATA_DIR: dir, SPARKPORT_SPARK__FORCED_CONF: '{"spark.executor.memory":"4g"}' };
      assert.deepEqual(loadConfig({ env }).spark.forcedConf, { 'spark.executor.memory': '4g' });
      assert.deepEqual(defaultConfig().spark.forcedConf, {});
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
