/**
 * spark-submit command lines for every master and deploy mode (driver/submit-args.ts,
 * cluster/cluster-conf.ts, cluster-session-launcher.ts), checked against Spark's documented
 * settings. Kubernetes is only tested here: no cluster is reachable from the test machine.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { CreateBatchRequest, CreateSessionRequest } from '@sparkport/protocol';
import { defaultConfig, type Config } from '../../src/config.ts';
import type { SessionLaunch } from '../../src/domain/ports/launcher.ts';
import type { SessionRecord } from '../../src/domain/records.ts';
import { validateBatchRequest } from '../../src/domain/validate-batch.ts';
import { validateSessionRequest } from '../../src/domain/validate-session.ts';
import { buildBatchSubmitArgs } from '../../src/driver/batch-submit-args.ts';
import { driverEnvConf, kubernetesDriverPodName, presetSubmissionId, standaloneRestUrls } from '../../src/driver/cluster/cluster-conf.ts';
import { kubernetesCommand, kubernetesReport } from '../../src/driver/cluster/kubernetes.ts';
import { clusterDriverEnv, clusterSessionSubmitArgs } from '../../src/driver/cluster-session-launcher.ts';
import { sessionSubmitArgs } from '../../src/driver/local-launcher.ts';

const WORK = '/data/sessions/7';

function config(tweak: (c: Config) => void): Config {
  const c = defaultConfig();
  c.dataDir = '/data';
  c.spark.scalaHelperJar = '/opt/sparkport/scala.jar';
  c.spark.allowedDeployModes = ['client', 'cluster'];
  tweak(c);
  return c;
}

/** Flags (the last of each) and --conf pairs, up to the primary resource. */
function parse(args: string[]) {
  const flags: Record<string, string> = {};
  const conf: Record<string, string> = {};
  let i = 0;
  for (; i < args.length && args[i]!.startsWith('--'); i += 2) {
    if (args[i] === '--load-spark-defaults') { flags[args[i]!] = ''; i -= 1; continue; }
    if (args[i] === '--conf') {
      const [k, ...v] = args[i + 1]!.split('=');
      conf[k!] = v.join('=');
    } else flags[args[i]!] = args[i + 1]!;
  }
  return { flags, conf, rest: args.slice(i) };
}

const session = (req: CreateSessionRequest, cfg: Config, id = 7): SessionLaunch => ({
  session: { ...validateSessionRequest(req, cfg), id } as SessionRecord,
  workDir: WORK, connect: 'gw.example:20001', token: 'one-time-token',
});

const batch = (req: CreateBatchRequest, cfg: Config, id = 4) =>
  parse(buildBatchSubmitArgs(validateBatchRequest(req, cfg), id, cfg, `/data/batches/${id}`));

describe('YARN', () => {
  const yarn = config((c) => { c.spark.master = 'yarn'; });

  test('client mode: the driver here, its Python for executors, nothing of the server\'s disk withheld', () => {
    const { flags, conf } = parse(sessionSubmitArgs(session({ kind: 'pyspark', queue: 'batch' }, yarn), yarn));
    assert.equal(flags['--master'], 'yarn');
    assert.equal(flags['--deploy-mode'], 'client');
    assert.equal(conf['spark.yarn.queue'], 'batch');
    assert.equal(conf['spark.pyspark.python'], yarn.spark.python);
    assert.equal(conf['spark.pyspark.driver.python'], yarn.spark.python);
    assert.equal(conf['spark.local.dir'], path.join(WORK, 'tmp'));
    assert.equal(conf['spark.yarn.submit.waitAppCompletion'], undefined);
  });

  test('cluster mode session: the driver package and script shipped, settings by properties file, no waiting on spark-submit', () => {
    const spec = session({ kind: 'pyspark', conf: { 'spark.submit.deployMode': 'cluster' }, pyFiles: ['hdfs:///lib.zip'] }, yarn);
    const args = clusterSessionSubmitArgs(spec, yarn, '/data/cluster/sparkport_driver.zip', `${WORK}/driver-env.properties`);
    const { flags, conf, rest } = parse(args);
    assert.equal(flags['--deploy-mode'], 'cluster');
    assert.equal(flags['--py-files'], '/data/cluster/sparkport_driver.zip,hdfs:///lib.zip');
    assert.equal(flags['--jars'], '/opt/sparkport/scala.jar');
    assert.equal(flags['--properties-file'], `${WORK}/driver-env.properties`);
    assert.ok('--load-spark-defaults' in flags, "the operator's spark-defaults.conf still applies");
    assert.deepEqual(rest, [path.join(yarn.spark.driverPackageDir, 'sparkport_cluster_driver.py')]);
    assert.equal(conf['spark.yarn.submit.waitAppCompletion'], 'false');
    assert.equal(conf['spark.yarn.maxAppAttempts'], '1', 'a second attempt would hold a spent token');
    assert.equal(conf['spark.repl.class.outputDir'], 'repl-classes', 'in the driver\'s container');
    assert.equal(conf['spark.local.dir'], undefined, "the server's disk is not the driver's");
    assert.equal(conf['spark.sql.warehouse.dir'], undefined);
    assert.equal(conf['spark.driver.host'], undefined);
    assert.match(conf['spark.driver.extraJavaOptions']!, /ExitOnOutOfMemoryError/);
    assert.ok(!args.join(' ').includes('one-time-token'), 'the token is never on a command line (ps shows it to every local user)');
  });

  test('the cluster-mode driver\'s environment: where to call, the token, and the pinned certificate when TLS is on', () => {
    const spec = session({ kind: 'pyspark', conf: { 'spark.submit.deployMode': 'cluster' } }, yarn);
    const env = driverEnvConf(spec.session.placement!, clusterDriverEnv(spec, yarn));
    assert.equal(env['spark.yarn.appMasterEnv.SPARKPORT_CONNECT'], 'gw.example:20001');
    assert.equal(env['spark.yarn.appMasterEnv.SPARKPORT_TOKEN'], 'one-time-token');
    assert.equal(env['spark.yarn.appMasterEnv.SPARKPORT_SESSION_ID'], '7');
    assert.equal(env['spark.yarn.appMasterEnv.SPARKPORT_TLS_CERT'], undefined);
  });

  test('cluster mode batches: waitAppCompletion off, the request\'s queue and files kept', () => {
    const { flags, conf, rest } = batch({ file: 'hdfs:///job.py', args: ['1'], queue: 'batch', conf: { 'spark.submit.deployMode': 'cluster' } }, yarn);
    assert.equal(flags['--deploy-mode'], 'cluster');
    assert.equal(conf['spark.yarn.queue'], 'batch');
    assert.equal(conf['spark.yarn.submit.waitAppCompletion'], 'false');
    assert.equal(conf['spark.pyspark.python'], yarn.spark.python);
    assert.equal(conf['spark.pyspark.driver.python'], undefined, 'the driver runs in the cluster, on the cluster\'s Python');
    assert.deepEqual(rest, ['hdfs:///job.py', '1']);
  });

  test('a request can\'t make spark-submit wait, or move its class directory', () => {
    const { conf } = batch({ file: 'hdfs:///job.jar', className: 'A', conf: { 'spark.submit.deployMode': 'cluster', 'spark.yarn.submit.waitAppCompletion': 'true' } }, yarn);
    assert.equal(conf['spark.yarn.submit.waitAppCompletion'], 'false');
  });
});

describe('Spark standalone', () => {
  const standalone = config((c) => { c.spark.master = 'spark://m1:7077'; });

  test('client mode goes to the master; cluster mode to its REST submission server', () => {
    assert.equal(parse(sessionSubmitArgs(session({ kind: 'pyspark' }, standalone), standalone)).flags['--master'], 'spark://m1:7077');
    const { flags, conf } = batch({ file: 'hdfs:///job.jar', className: 'A', conf: { 'spark.submit.deployMode': 'cluster' } }, standalone);
    assert.equal(flags['--master'], 'spark://m1:6066');
    assert.equal(conf['spark.master.rest.enabled'], 'true');
    standalone.cluster.standalone.restUrl = 'http://rest.example:16066/';
    assert.equal(batch({ file: 'hdfs:///job.jar', conf: { 'spark.submit.deployMode': 'cluster' } }, standalone).flags['--master'], 'spark://rest.example:16066');
    standalone.cluster.standalone.restUrl = null;
  });

  test('a proxyUser Spark standalone\'s cluster mode can\'t honour is a 400 (the driver starts as the worker\'s user)', () => {
    const cluster = { file: 'hdfs:///job.jar', className: 'A', conf: { 'spark.submit.deployMode': 'cluster' } };
    assert.throws(() => batch({ ...cluster, proxyUser: 'alice' }, standalone), /can't run as proxyUser 'alice': Spark standalone's cluster deploy mode starts the driver as the worker's user.*use client mode/);
    assert.equal(batch({ file: 'hdfs:///job.jar', className: 'A', proxyUser: 'alice' }, standalone).flags['--proxy-user'], 'alice', 'client mode: the driver runs here, as alice');
  });

  test('masters in HA: every master\'s REST server, in the list\'s order, for spark-submit to try in turn', () => {
    const ha = config((c) => { c.spark.master = 'spark://m1:7077,m2:7077,[::1]:7077'; });
    assert.deepEqual(standaloneRestUrls(ha.spark.master, ha), ['http://m1:6066', 'http://m2:6066', 'http://[::1]:6066']);
    const cluster = { file: 'hdfs:///job.jar', className: 'A', conf: { 'spark.submit.deployMode': 'cluster' } };
    assert.equal(batch(cluster, ha).flags['--master'], 'spark://m1:6066,m2:6066,[::1]:6066');
    assert.equal(parse(sessionSubmitArgs(session({ kind: 'pyspark' }, ha), ha)).flags['--master'], 'spark://m1:7077,m2:7077,[::1]:7077', 'client mode: the masters themselves');
    ha.cluster.standalone.restUrl = ' http://a.example:16066/, http://b.example:16066 ,http://a.example:16066';
    assert.deepEqual(standaloneRestUrls(ha.spark.master, ha), ['http://a.example:16066', 'http://b.example:16066']);
    assert.equal(batch(cluster, ha).flags['--master'], 'spark://a.example:16066,b.example:16066');
  });
});

describe('Kubernetes (command lines only: no cluster here)', () => {
  const k8s = config((c) => {
    c.spark.master = 'k8s://https://10.0.0.1:6443';
    c.cluster.kubernetes = { namespace: 'spark-jobs', image: 'registry.example/spark-py:4.1.2', serviceAccount: 'spark-driver' };
    c.driver.advertiseHost = 'sparkport.spark-jobs.svc';
  });

  test('client mode: image, namespace, service account, executors call the advertised host', () => {
    const { flags, conf } = parse(sessionSubmitArgs(session({ kind: 'pyspark' }, k8s), k8s));
    assert.equal(flags['--master'], 'k8s://https://10.0.0.1:6443');
    assert.equal(flags['--deploy-mode'], 'client');
    assert.equal(conf['spark.kubernetes.container.image'], 'registry.example/spark-py:4.1.2');
    assert.equal(conf['spark.kubernetes.namespace'], 'spark-jobs');
    assert.equal(conf['spark.kubernetes.authenticate.driver.serviceAccountName'], 'spark-driver');
    assert.equal(conf['spark.driver.host'], 'sparkport.spark-jobs.svc');
    assert.equal(conf['spark.kubernetes.driver.pod.name'], undefined, 'the server is not a pod of its own making');
  });

  test('cluster mode: a driver pod named per server and session, the call-back address in its environment', () => {
    const spec = session({ kind: 'pyspark', conf: { 'spark.submit.deployMode': 'cluster' } }, k8s, 12);
    const { flags, conf } = parse(clusterSessionSubmitArgs(spec, k8s, '/data/cluster/sparkport_driver.zip', '/p'));
    assert.equal(flags['--deploy-mode'], 'cluster');
    const pod = conf['spark.kubernetes.driver.pod.name']!;
    assert.equal(pod, kubernetesDriverPodName(k8s, 'session', 12));
    assert.match(pod, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'a DNS-1123 name');
    assert.ok(pod.length <= 63);
    assert.notEqual(pod, kubernetesDriverPodName({ dataDir: '/other' }, 'session', 12), 'two servers on one namespace do not collide');
    assert.equal(conf['spark.kubernetes.submission.waitAppCompletion'], 'false');
    const env = driverEnvConf(spec.session.placement!, clusterDriverEnv(spec, k8s));
    assert.equal(env['spark.kubernetes.driverEnv.SPARKPORT_CONNECT'], 'gw.example:20001');
    assert.equal(env['spark.kubernetes.driverEnv.SPARKPORT_TOKEN'], 'one-time-token');
  });

  test('status and kill go through spark-submit with namespace:pod; the pod phase is the application\'s', () => {
    assert.deepEqual(kubernetesCommand('kill', 'spark-jobs:p-driver', 'k8s://https://10.0.0.1:6443', '/spark/bin/spark-submit'),
      { command: '/spark/bin/spark-submit', args: ['--kill', 'spark-jobs:p-driver', '--master', 'k8s://https://10.0.0.1:6443'] });
    const out = 'Application status (driver): \n\t pod name: p-driver\n\t namespace: spark-jobs\n\t labels: spark-app-selector -> spark-0123abc, spark-role -> driver\n\t phase: Running\n';
    assert.deepEqual(kubernetesReport('spark-jobs:p-driver', out), { phase: 'running', state: 'Running', appId: 'spark-0123abc' });
    assert.equal(kubernetesReport('x', 'phase: Failed').phase, 'failed');
    assert.equal(kubernetesReport('x', 'phase: Succeeded').phase, 'succeeded');
    assert.throws(() => kubernetesReport('x', 'phase: Unknown'), /phase is Unknown/, 'a node out of touch is asked again, not taken for an end');
    assert.equal(presetSubmissionId(k8s.spark.master ? { master: k8s.spark.master, deployMode: 'cluster' } : assert.fail(), k8s, 'batch', 3), `spark-jobs:${kubernetesDriverPodName(k8s, 'batch', 3)}`,
      'the id is the pod the server named, never read from output');
  });
});
