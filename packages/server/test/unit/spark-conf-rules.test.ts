/**
 * Spark settings a request may not set (domain/spark-conf-rules.ts): the same table for sessions
 * and batches, a 400 that names the key and why, the operator's spark.blockedConf and
 * spark.allowedConf, and docs/API.md showing every entry.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { defaultConfig, REPO_ROOT, type Config } from '../../src/config.ts';
import { DomainError } from '../../src/domain/errors.ts';
import { BUILTIN_CONF_RULES, blockedReason, matchesPattern } from '../../src/domain/spark-conf-rules.ts';
import { validateBatchRequest } from '../../src/domain/validate-batch.ts';
import { validateSessionRequest } from '../../src/domain/validate-session.ts';

function config(tweak: (c: Config) => void = () => undefined): Config {
  const c = defaultConfig();
  tweak(c);
  return c;
}

/** The error both a session and a batch get for this conf (the batch's file is remote, so only conf matters). */
function refusals(conf: Record<string, string>, cfg = config()): string[] {
  const out: string[] = [];
  for (const run of [() => validateSessionRequest({ kind: 'pyspark', conf }, cfg), () => validateBatchRequest({ file: 'hdfs:///j.py', conf }, cfg)]) {
    try {
      run();
      out.push('accepted');
    } catch (e) {
      assert.ok(e instanceof DomainError);
      assert.equal(e.code, 'VALIDATION', e.message);
      out.push(e.message);
    }
  }
  return out;
}

describe('blocked Spark settings', () => {
  test('the JVM, the class path, the warehouse and jars from a URL are 400 for sessions and batches alike, naming key and reason', () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ 'spark.driver.extraJavaOptions': '-XX:OnOutOfMemoryError=touch /tmp/pwned' }, /'spark\.driver\.extraJavaOptions': JVM options .*OnOutOfMemoryError runs any command/],
      [{ 'spark.driver.extraJavaOptions': '-javaagent:/tmp/agent.jar' }, /-javaagent loads any code/],
      [{ 'spark.executor.extraJavaOptions': '-javaagent:/tmp/agent.jar' }, /spark\.executor\.extraJavaOptions/],
      [{ 'spark.driver.extraClassPath': '/tmp/evil' }, /loads classes/],
      [{ 'spark.jars': 'http://evil/x.jar' }, /scheme 'http:' is not allowed/],
      [{ 'spark.jars.packages': 'org.evil:x:1.0' }, /Maven/],
      [{ 'spark.sql.warehouse.dir': '/etc' }, /'spark\.sql\.warehouse\.dir': managed tables/],
      [{ 'spark.pyspark.python': '/bin/sh' }, /Python executable/],
      [{ 'spark.executorEnv.LD_PRELOAD': '/tmp/x.so' }, /LD_PRELOAD/],
      [{ 'spark.yarn.appMasterEnv.PYSPARK_PYTHON': '/bin/sh' }, /environment/],
      [{ 'spark.yarn.appMasterEnv.SPARKPORT_CONNECT': 'evil:1' }, /call-back address and token/],
      [{ 'spark.kubernetes.driverEnv.SPARKPORT_CONNECT': 'evil:1' }, /the driver's environment/],
      [{ 'spark.kubernetes.authenticate.oauthTokenFile': '/var/run/secrets/token' }, /credential files/],
      [{ 'spark.driver.resource.gpu.discoveryScript': '/tmp/x.sh' }, /script/],
      [{ 'spark.ui.port': '80' }, /web UI/],
      [{ 'spark.authenticate.secret': 'x' }, /authentication/],
      [{ 'spark.redaction.regex': 'nothing' }, /unhide/],
      [{ 'spark.master': 'yarn' }, /spark\.master.*spark\.allowedMasters/],
      [{ 'spark.repl.class.outputDir': '/tmp' }, /the server sets it/],
    ];
    for (const [conf, re] of cases) {
      for (const msg of refusals(conf)) assert.match(msg, re, JSON.stringify(conf));
    }
  });

  test('every blocked key of a request is named; ordinary settings pass', () => {
    const [msg] = refusals({ 'spark.local.dir': '/', 'spark.sql.shuffle.partitions': '4', 'spark.eventLog.dir': '/etc' });
    assert.match(msg!, /'spark\.local\.dir'.*'spark\.eventLog\.dir'/);
    assert.doesNotMatch(msg!, /shuffle/);
    const ok = { 'spark.sql.shuffle.partitions': '4', 'spark.executor.memory': '2g', 'spark.ui.showConsoleProgress': 'false', 'spark.python.worker.reuse': 'false' };
    assert.deepEqual(refusals(ok), ['accepted', 'accepted']);
  });

  test("a key with '=' is refused: spark-submit would read it as another key's value", () => {
    for (const msg of refusals({ 'spark.driver.extraJavaOptions=-javaagent:/tmp/a.jar': 'x' })) assert.match(msg, /contain '='/);
  });

  test('the operator extends the table (spark.blockedConf) and lifts entries (spark.allowedConf), never the fixed ones', () => {
    const cfg = config((c) => {
      c.spark.blockedConf = ['spark.sql.shuffle.*'];
      c.spark.allowedConf = ['spark.jars.packages', 'spark.executorEnv.MY_VAR', 'spark.master'];
    });
    assert.match(refusals({ 'spark.sql.shuffle.partitions': '4' }, cfg)[0]!, /blocked by the operator \(spark\.blockedConf\)/);
    assert.deepEqual(refusals({ 'spark.jars.packages': 'io.delta:delta-spark_2.13:4.0.0', 'spark.executorEnv.MY_VAR': '1' }, cfg), ['accepted', 'accepted']);
    assert.match(refusals({ 'spark.executorEnv.LD_PRELOAD': 'x' }, cfg)[0]!, /spark\.allowedConf can allow it/);
    assert.match(refusals({ 'spark.master': 'yarn' }, cfg)[0]!, /spark\.allowedMasters: none/, 'spark.allowedConf does not lift it: spark.allowedMasters does');
    const all = { blocked: ['spark.x'], allowed: ['*'], forced: [] };
    assert.equal(blockedReason('spark.driver.extraJavaOptions', all), undefined, "['*'] lifts the whole table...");
    assert.match(blockedReason('spark.submit.deployMode', all)!, /server sets it/, '...but the fixed entries');
    assert.match(blockedReason('spark.x', all)!, /operator/, 'and spark.blockedConf then stands alone');
  });

  test('patterns: exact keys, * for any run of characters, compared as Spark does (case matters)', () => {
    assert.ok(matchesPattern('spark.authenticate', 'spark.authenticate*'));
    assert.ok(matchesPattern('spark.authenticate.secret.file', 'spark.authenticate*'));
    assert.ok(matchesPattern('spark.driver.resource.gpu.discoveryScript', 'spark.driver.resource.*.discoveryScript'));
    assert.ok(!matchesPattern('spark.driver.resource.gpu.amount', 'spark.driver.resource.*.discoveryScript'));
    assert.ok(!matchesPattern('spark.driverXextraJavaOptions', 'spark.driver.extraJavaOptions'));
    assert.ok(!matchesPattern('spark.sql.warehouse.dirs', 'spark.sql.warehouse.dir'));
  });

  test('docs/API.md lists every entry of the table', () => {
    const doc = readFileSync(path.join(REPO_ROOT, 'docs', 'API.md'), 'utf8');
    const missing = BUILTIN_CONF_RULES.filter((r) => !doc.includes(`\`${r.pattern}\``)).map((r) => r.pattern);
    assert.deepEqual(missing, []);
  });
});
