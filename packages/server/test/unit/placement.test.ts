/**
 * Where a session or batch runs (domain/placement.ts): the server's spark.master and
 * spark.deployMode, a request's spark.master and spark.submit.deployMode only where the operator
 * allows them, and the combinations Spark itself can't run refused with a 400 that says so.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { defaultConfig, loadConfig, type Config } from '../../src/config.ts';
import { DomainError } from '../../src/domain/errors.ts';
import { driverAddressFor, masterKind, placementOf } from '../../src/domain/placement.ts';
import { validateBatchRequest } from '../../src/domain/validate-batch.ts';
import { validateSessionRequest } from '../../src/domain/validate-session.ts';

function cfg(tweak: (c: Config) => void = () => undefined): Config {
  const c = defaultConfig();
  tweak(c);
  return c;
}

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (e) {
    assert.ok(e instanceof DomainError && e.code === 'VALIDATION', String(e));
    return e.message;
  }
  assert.fail('expected a 400');
}

describe('placement', () => {
  test('master URLs: local, standalone (with HA lists), yarn, k8s; anything else is not a master', () => {
    assert.equal(masterKind('local[*]'), 'local');
    assert.equal(masterKind('local[2]'), 'local');
    assert.equal(masterKind('local'), 'local');
    assert.equal(masterKind('spark://a:7077'), 'standalone');
    assert.equal(masterKind('spark://a:7077,b:7077'), 'standalone');
    assert.equal(masterKind('yarn'), 'yarn');
    assert.equal(masterKind('k8s://https://10.0.0.1:6443'), 'kubernetes');
    assert.equal(masterKind('mesos://x:5050'), undefined);
    assert.equal(masterKind('yarn-cluster'), undefined);
  });

  test("the server's settings decide, and are stored with the request; spark.master and spark.submit.deployMode never reach --conf", () => {
    const c = cfg((x) => { x.spark.master = 'yarn'; x.spark.deployMode = 'cluster'; });
    const s = validateSessionRequest({ kind: 'pyspark' }, c);
    assert.deepEqual(s.placement, { master: 'yarn', deployMode: 'cluster' });
    const same = validateSessionRequest({ kind: 'pyspark', conf: { 'spark.master': 'yarn', 'spark.submit.deployMode': 'cluster' } }, c);
    assert.deepEqual(same.placement, { master: 'yarn', deployMode: 'cluster' }, 'naming the server\'s own placement is fine');
    assert.deepEqual(same.conf, {});
  });

  test('another master or deploy mode only where the operator lists it, and the 400 names the setting', () => {
    const c = cfg((x) => { x.spark.master = 'yarn'; });
    assert.match(refusal(() => validateSessionRequest({ conf: { 'spark.master': 'spark://h:7077' } }, c)), /spark\.allowedMasters: none/);
    assert.match(refusal(() => validateBatchRequest({ file: 'hdfs:///a.jar', conf: { 'spark.submit.deployMode': 'cluster' } }, c)), /spark\.allowedDeployModes: none/);
    assert.match(refusal(() => validateSessionRequest({ conf: { 'spark.submit.deployMode': 'yarn-cluster' } }, c)), /use client or cluster/);
    c.spark.allowedMasters = ['spark://h:7077'];
    c.spark.allowedDeployModes = ['cluster'];
    assert.deepEqual(validateSessionRequest({ conf: { 'spark.master': 'spark://h:7077' } }, c).placement, { master: 'spark://h:7077', deployMode: 'client' });
    assert.deepEqual(validateBatchRequest({ file: 'hdfs:///a.jar', conf: { 'spark.submit.deployMode': 'cluster' } }, c).placement, { master: 'yarn', deployMode: 'cluster' });
  });

  test('Spark standalone runs no Python application in cluster mode: sessions and .py batches are 400, jar batches run', () => {
    const c = cfg((x) => { x.spark.master = 'spark://h:7077'; x.spark.allowedDeployModes = ['cluster']; });
    const cluster = { 'spark.submit.deployMode': 'cluster' };
    assert.match(refusal(() => validateSessionRequest({ kind: 'pyspark', conf: cluster }, c)), /standalone does not run Python applications in cluster deploy mode.*use client mode/);
    assert.match(refusal(() => validateSessionRequest({ kind: 'spark', conf: cluster }, c)), /standalone does not run Python/, 'a Scala session is a Python driver too');
    assert.match(refusal(() => validateBatchRequest({ file: 'hdfs:///job.py', conf: cluster }, c)), /standalone does not run Python/);
    assert.deepEqual(validateBatchRequest({ file: 'hdfs:///job.jar', className: 'A', conf: cluster }, c).placement, { master: 'spark://h:7077', deployMode: 'cluster' });
  });

  test('a local master has no cluster mode: a request picking one runs client mode, asking for cluster is a 400', () => {
    const c = cfg((x) => { x.spark.master = 'yarn'; x.spark.deployMode = 'cluster'; x.spark.allowedMasters = ['local[2]']; });
    assert.deepEqual(validateSessionRequest({ conf: { 'spark.master': 'local[2]' } }, c).placement, { master: 'local[2]', deployMode: 'client' });
    assert.match(refusal(() => validateSessionRequest({ conf: { 'spark.master': 'local[2]', 'spark.submit.deployMode': 'cluster' } }, c)), /local master .* has no cluster deploy mode/);
  });

  test('settings that could never run are refused at start, naming the setting', () => {
    const load = (env: Record<string, string>) => () => loadConfig({ env });
    assert.throws(load({ SPARKPORT_SPARK__MASTER: 'local[*]', SPARKPORT_SPARK__DEPLOY_MODE: 'cluster' }), /spark\.deployMode is cluster but spark\.master \(local\[\*\]\) is local/);
    assert.throws(load({ SPARKPORT_SPARK__MASTER: 'mesos://x' }), /spark\.master: 'mesos:\/\/x' is not a Spark master URL/);
    assert.throws(load({ SPARKPORT_SPARK__DEPLOY_MODE: 'both' }), /spark\.deployMode must be client or cluster/);
    assert.throws(load({ SPARKPORT_SPARK__ALLOWED_MASTERS: 'yarn,nope' }), /spark\.allowedMasters: 'nope'/);
    const yarnCluster = { SPARKPORT_SPARK__MASTER: 'yarn', SPARKPORT_DEPLOY_MODE: 'cluster' };
    assert.throws(load(yarnCluster), /needs driver\.advertiseHost/, 'drivers in the cluster would call their own loopback');
    assert.throws(load({ ...yarnCluster, SPARKPORT_DRIVER__ADVERTISE_HOST: 'gw.example' }), /needs driver\.tls/, 'no token in the clear by default');
    assert.throws(load({ SPARKPORT_SPARK__MASTER: 'yarn', SPARKPORT_SPARK__ALLOWED_DEPLOY_MODES: 'cluster' }), /needs driver\.advertiseHost/, 'allowed is enough to need it');
    assert.equal(loadConfig({ env: { ...yarnCluster, SPARKPORT_DRIVER__ADVERTISE_HOST: 'gw.example', SPARKPORT_DRIVER__ALLOW_PLAINTEXT: 'true' } }).spark.deployMode, 'cluster');
    assert.equal(loadConfig({ env: { SPARKPORT_SPARK__MASTER: 'spark://m:7077', SPARKPORT_SPARK__ALLOWED_DEPLOY_MODES: 'cluster' } }).spark.master, 'spark://m:7077',
      'standalone cluster mode runs jars only: no driver calls back');
  });

  test('records stored before placements were ran client mode on the configured master; cluster drivers call the TCP address', () => {
    const c = cfg((x) => { x.spark.master = 'yarn'; });
    assert.deepEqual(placementOf({}, c), { master: 'yarn', deployMode: 'client' });
    const addr = { local: 'unix:/d/driver.sock', cluster: 'gw.example:20001' };
    assert.equal(driverAddressFor(addr, { placement: { master: 'yarn', deployMode: 'cluster' } }, c), 'gw.example:20001');
    assert.equal(driverAddressFor(addr, { placement: { master: 'yarn', deployMode: 'client' } }, c), 'unix:/d/driver.sock');
    assert.equal(driverAddressFor('h:1', {}, c), 'h:1');
  });
});
