/**
 * Livy's session fields → spark-submit arguments (driver/submit-args.ts), and the driver's
 * command line and environment as the local launcher builds them from a session. Requests go
 * through validateSessionRequest first, exactly as POST /sessions does.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, realpathSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { CreateSessionRequest } from '@sparkport/protocol';
import { defaultConfig, type Config } from '../../src/config.ts';
import type { SessionLaunch } from '../../src/domain/ports/launcher.ts';
import type { SessionRecord } from '../../src/domain/records.ts';
import { validateSessionRequest } from '../../src/domain/validate-session.ts';
import { sessionEnv, sessionSubmitArgs } from '../../src/driver/local-launcher.ts';
import { buildSubmitArgs } from '../../src/driver/submit-args.ts';

const WORK = '/data/sessions/7';
/** Where sessions may take local files from, in these tests. */
const FILES = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'sparkport-submit-args-')));

function build(req: CreateSessionRequest, tweak: (c: Config) => void = () => undefined, id = 7) {
  const cfg = defaultConfig();
  cfg.sessions.allowedDirs = [FILES];
  tweak(cfg);
  const args = buildSubmitArgs(validateSessionRequest(req, cfg), id, cfg, WORK);
  return { args, ...parse(args) };
}

/** Splits spark-submit arguments into flags and --conf pairs; each --conf key appears once. */
function parse(args: string[]) {
  const flags: Record<string, string> = {};
  const conf: Record<string, string> = {};
  const confKeys: string[] = [];
  for (let i = 0; i < args.length; i += 2) {
    const flag = args[i]!;
    const value = args[i + 1];
    assert.match(flag, /^--[a-z-]+$/, `argument ${i} should be a flag: ${flag}`);
    assert.ok(value !== undefined, `flag ${flag} has a value`);
    if (flag === '--conf') {
      const eq = value.indexOf('=');
      assert.ok(eq > 0, `--conf ${value} is key=value`);
      confKeys.push(value.slice(0, eq));
      conf[value.slice(0, eq)] = value.slice(eq + 1);
    } else {
      assert.ok(!(flag in flags), `flag ${flag} given twice`);
      flags[flag] = value;
    }
  }
  assert.equal(new Set(confKeys).size, confKeys.length, `a conf key is repeated: ${confKeys.join(' ')}`);
  return { flags, conf };
}

describe('buildSubmitArgs', () => {
  test('master comes from config, in client mode, first', () => {
    const { args, flags } = build({ kind: 'pyspark' }, (c) => { c.spark.master = 'yarn'; });
    assert.deepEqual(args.slice(0, 4), ['--master', 'yarn', '--deploy-mode', 'client']);
    assert.equal(flags['--master'], 'yarn');
    assert.equal(build({}).flags['--master'], 'local[*]');
  });

  test('driverMemory → --driver-memory; otherwise spark.driver.memory from conf, otherwise the server default', () => {
    assert.equal(build({ driverMemory: '4g' }).flags['--driver-memory'], '4g');
    const fromConf = build({ conf: { 'spark.driver.memory': '3g' } });
    assert.equal(fromConf.flags['--driver-memory'], '3g');
    assert.equal(fromConf.conf['spark.driver.memory'], undefined, 'driver memory is passed once, as the flag');
    assert.equal(build({}, (c) => { c.spark.defaultDriverMemory = '768m'; }).flags['--driver-memory'], '768m');
    assert.equal(build({ driverMemory: '4g', conf: { 'spark.driver.memory': '3g' } }).flags['--driver-memory'], '4g');
  });

  test('resource fields become Spark conf', () => {
    const { conf } = build({ driverCores: 2, executorMemory: '8g', executorCores: 4, numExecutors: 10, queue: 'analytics' });
    assert.equal(conf['spark.driver.cores'], '2');
    assert.equal(conf['spark.executor.memory'], '8g');
    assert.equal(conf['spark.executor.cores'], '4');
    assert.equal(conf['spark.executor.instances'], '10');
    assert.equal(conf['spark.yarn.queue'], 'analytics');
  });

  test('fields that are not given set nothing', () => {
    const { flags, conf } = build({ kind: 'pyspark' });
    for (const k of ['spark.driver.cores', 'spark.executor.memory', 'spark.executor.cores', 'spark.executor.instances', 'spark.yarn.queue']) {
      assert.equal(conf[k], undefined, k);
    }
    for (const f of ['--jars', '--py-files', '--files', '--archives', '--proxy-user']) assert.equal(flags[f], undefined, f);
  });

  test('jars, pyFiles, files and archives become comma-separated flags', () => {
    const { flags } = build({
      jars: ['hdfs:///lib/a.jar', `local:${FILES}/b.jar`],
      pyFiles: ['s3a://bucket/deps.zip'],
      files: [`${FILES}/data.csv`, `file://${FILES}/lookup.json`],
      archives: [`${FILES}/env.tar.gz#env`],
    });
    assert.equal(flags['--jars'], `hdfs:///lib/a.jar,local:${FILES}/b.jar`);
    assert.equal(flags['--py-files'], 's3a://bucket/deps.zip');
    assert.equal(flags['--files'], `${FILES}/data.csv,${FILES}/lookup.json`);
    assert.equal(flags['--archives'], `${FILES}/env.tar.gz#env`);
  });

  test('proxyUser → --proxy-user', () => {
    assert.equal(build({ proxyUser: 'alice' }).flags['--proxy-user'], 'alice');
  });

  test('the server\'s default conf applies, and the user\'s conf overrides it', () => {
    const cfg = defaultConfig();
    const { conf } = build({ conf: { 'spark.sql.shuffle.partitions': '200', 'spark.custom': 'x=y' } });
    assert.equal(conf['spark.sql.shuffle.partitions'], '200');
    assert.equal(conf['spark.custom'], 'x=y', 'a value may itself contain =');
    for (const [k, v] of Object.entries(cfg.spark.defaultConf)) {
      if (k !== 'spark.sql.shuffle.partitions') assert.equal(conf[k], v, k);
    }
  });

  test('an explicit field wins over the same setting in conf (as in Livy)', () => {
    const { conf } = build({ executorCores: 2, numExecutors: 3, conf: { 'spark.executor.cores': '8', 'spark.executor.instances': '9' } });
    assert.equal(conf['spark.executor.cores'], '2');
    assert.equal(conf['spark.executor.instances'], '3');
  });

  test('app name is the session name, or sparkport-session-<id>', () => {
    assert.equal(build({ name: 'nightly' }).conf['spark.app.name'], 'nightly');
    assert.equal(build({}, undefined, 12).conf['spark.app.name'], 'sparkport-session-12');
  });

  test('scratch space and warehouse live in the session\'s work directory', () => {
    const { conf } = build({});
    assert.equal(conf['spark.local.dir'], path.join(WORK, 'tmp'));
    assert.equal(conf['spark.sql.warehouse.dir'], path.join(WORK, 'spark-warehouse'));
  });

  test('local mode keeps the driver on loopback; on a cluster the advertised host is used, or Spark\'s own pick', () => {
    const local = build({});
    assert.equal(local.conf['spark.driver.host'], '127.0.0.1');
    assert.equal(local.conf['spark.driver.bindAddress'], '127.0.0.1');
    const cluster = build({}, (c) => { c.spark.master = 'spark://10.0.0.5:7077'; });
    assert.equal(cluster.conf['spark.driver.host'], undefined);
    assert.equal(cluster.conf['spark.driver.bindAddress'], undefined);
    const advertised = build({}, (c) => { c.spark.master = 'yarn'; c.driver.advertiseHost = 'gateway.example'; });
    assert.equal(advertised.conf['spark.driver.host'], 'gateway.example');
  });
});

describe('the local launcher builds the driver\'s command line from the session', () => {
  const launch = (req: CreateSessionRequest, cfg: Config, id = 7): SessionLaunch => ({
    session: { ...validateSessionRequest(req, cfg), id } as SessionRecord,
    workDir: WORK,
    connect: '127.0.0.1:9999',
    token: 'secret-token',
  });

  test('spark-submit arguments: the session\'s own, then what Scala needs', () => {
    const cfg = defaultConfig();
    cfg.spark.scalaHelperJar = '/opt/sparkport/scala.jar';
    const { flags, conf } = parse(sessionSubmitArgs(launch({ name: 'etl', jars: ['hdfs:///a.jar'] }, cfg), cfg));
    assert.equal(conf['spark.app.name'], 'etl');
    assert.equal(flags['--jars'], '/opt/sparkport/scala.jar,hdfs:///a.jar');
    assert.equal(conf['spark.repl.class.outputDir'], path.join(WORK, 'repl-classes'));
    assert.equal(conf['spark.local.dir'], path.join(WORK, 'tmp'));
  });

  test('environment: the call-back address, its file and the token file, the submit args, loopback for a local master only', () => {
    const cfg = defaultConfig();
    cfg.spark.scalaHelperJar = '';
    const base = { PATH: '/usr/bin', SPARKPORT_ADMIN_SECRET: 'x', SPARK_LOCAL_IP: '10.0.0.9' };
    const env = sessionEnv(launch({ conf: { 'spark.custom': 'a b' } }, cfg, 3), cfg, base);
    assert.equal(env.SPARKPORT_CONNECT, '127.0.0.1:9999');
    assert.equal(env.SPARKPORT_TOKEN_FILE, path.join(WORK, 'driver.token'));
    assert.equal(env.SPARKPORT_CONNECT_FILE, path.join(WORK, 'driver.connect'), 'where a restarted server writes its address');
    assert.ok(!Object.values(env).includes('secret-token'), 'the token itself is in no variable');
    assert.equal(env.SPARKPORT_SESSION_ID, '3');
    assert.equal(env.SPARKPORT_ADMIN_SECRET, undefined, "the server's own settings stay with the server");
    assert.equal(env.SPARK_LOCAL_IP, '127.0.0.1');
    assert.equal(env.PATH, '/usr/bin');
    assert.match(env.PYSPARK_SUBMIT_ARGS!, /^--master local\[\*\] --deploy-mode client /);
    assert.match(env.PYSPARK_SUBMIT_ARGS!, / --conf 'spark.custom=a b' /);
    assert.match(env.PYSPARK_SUBMIT_ARGS!, / pyspark-shell$/);
    cfg.spark.master = 'yarn';
    assert.equal(sessionEnv(launch({}, cfg), cfg, base).SPARK_LOCAL_IP, '10.0.0.9', 'on a cluster the host\'s own setting stands');
  });
});

describe('sessionSubmitArgs', () => {
  const launch = (tweak: (c: Config) => void = () => undefined) => {
    const cfg = defaultConfig();
    tweak(cfg);
    const session = { ...validateSessionRequest({ kind: 'pyspark' }, cfg), id: 7 } as SessionRecord;
    return parse(sessionSubmitArgs({ session, workDir: WORK, connect: '127.0.0.1:1', token: 't' } as SessionLaunch, cfg));
  };

  test('a driver JVM out of heap exits, so its session ends dead instead of failing every later statement', () => {
    assert.equal(launch().conf['spark.driver.extraJavaOptions'], '-XX:+ExitOnOutOfMemoryError');
  });

  test("the operator's driver JVM options are kept, the heap rule added to them", () => {
    const { conf } = launch((c) => { c.spark.defaultConf['spark.driver.extraJavaOptions'] = '-Dfoo=1'; });
    assert.equal(conf['spark.driver.extraJavaOptions'], '-Dfoo=1 -XX:+ExitOnOutOfMemoryError');
  });
});
