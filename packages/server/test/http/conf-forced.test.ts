/**
 * Through HTTP on fakes: conf keys that used to get a 201 (the Python workers' executable,
 * classes loaded at start, Hadoop's conf, delegation tokens) are 400 for sessions and batches;
 * the operator's spark.forcedConf can't be named by a request and wins in the command line the
 * real argument builders make.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sessionSubmitArgs } from '../../src/driver/local-launcher.ts';
import { makeHarness } from '../support/harness.ts';

type Harness = Awaited<ReturnType<typeof makeHarness>>;

const FORCED = { 'spark.sql.extensions': 'com.acme.AuthzExtension', 'spark.dynamicAllocation.maxExecutors': '10' };

describe('conf a request may not set, and the operator\'s spark.forcedConf', () => {
  let h: Harness;
  before(async () => {
    h = await makeHarness((c) => {
      c.sessions.max = 50;
      c.batches.max = 50;
      c.spark.forcedConf = { ...FORCED };
    });
  });
  after(async () => { await h.close(); });

  const create = (what: 'sessions' | 'batches', conf: Record<string, string>, extra: Record<string, unknown> = {}) =>
    h.json('POST', `/${what}`, what === 'sessions' ? { kind: 'pyspark', conf, ...extra } : { file: 'hdfs:///jobs/j.py', conf, ...extra });

  test('keys that did what blocked keys do are 400 naming the key, and nothing is launched', async () => {
    const sessions = h.launcher.procs.length;
    const batches = h.batchLauncher.launched.length;
    for (const key of [
      'spark.sql.execution.pyspark.python', 'spark.python.worker.module', 'spark.python.daemon.module', 'spark.r.driver.command',
      'spark.extraListeners', 'spark.sql.queryExecutionListeners', 'spark.sql.streaming.streamingQueryListeners',
      'spark.kryo.registrator', 'spark.serializer', 'spark.sql.catalog.spark_catalog', 'spark.hadoop.fs.s3a.impl',
      'spark.kerberos.access.hadoopFileSystems', 'spark.yarn.access.hadoopFileSystems', 'spark.security.credentials.hbase.enabled',
    ]) {
      for (const what of ['sessions', 'batches'] as const) {
        const r = await create(what, { [key]: '/tmp/evil' });
        assert.equal(r.status, 400, `${what} ${key}: ${JSON.stringify(r.body)}`);
        assert.equal(r.body.code, 'VALIDATION');
        assert.ok(r.body.msg.includes(`'${key}': `), r.body.msg);
      }
    }
    assert.equal(h.launcher.procs.length, sessions);
    assert.equal(h.batchLauncher.launched.length, batches);
  });

  test('a forced key in conf, or through a field, is 400 naming the key and spark.forcedConf', async () => {
    for (const what of ['sessions', 'batches'] as const) {
      const r = await create(what, { 'spark.sql.extensions': '' });
      assert.equal(r.status, 400);
      assert.match(r.body.msg, /'spark\.sql\.extensions': .*\(spark\.forcedConf\)/);
      const cap = await create(what, { 'spark.dynamicAllocation.maxExecutors': '1000' });
      assert.match(cap.body.msg, /'spark\.dynamicAllocation\.maxExecutors'.*spark\.forcedConf/);
    }
    h.config.spark.forcedConf['spark.executor.instances'] = '2';
    try {
      const r = await create('batches', {}, { numExecutors: 500 });
      assert.equal(r.status, 400);
      assert.match(r.body.msg, /'numExecutors' \(sets 'spark\.executor\.instances'\).*spark\.forcedConf/);
    } finally {
      delete h.config.spark.forcedConf['spark.executor.instances'];
    }
  });

  test('accepted requests run with the forced conf, applied after theirs', async () => {
    const b = await create('batches', { 'spark.sql.shuffle.partitions': '4' });
    assert.equal(b.status, 201, JSON.stringify(b.body));
    const args = h.batchLauncher.launched.at(-1)!.submitArgs;
    for (const [k, v] of Object.entries(FORCED)) assert.ok(args.includes(`${k}=${v}`), `${k} in ${args.join(' ')}`);
    assert.ok(args.includes('spark.sql.shuffle.partitions=4'));
    const s = await create('sessions', { 'spark.sql.shuffle.partitions': '4' });
    assert.equal(s.status, 201, JSON.stringify(s.body));
    const sargs = sessionSubmitArgs(h.launcher.launched.at(-1)!, h.config);
    for (const [k, v] of Object.entries(FORCED)) assert.ok(sargs.includes(`${k}=${v}`), `${k} in ${sargs.join(' ')}`);
    await h.json('DELETE', `/sessions/${s.body.id}`);
  });
});
