/**
 * What a launched driver or spark-submit gets from the server: an allow-listed environment
 * (driver/clean-env.ts), its token in a file of mode 600 rather than a variable, and work
 * directories of mode 700. Stand-in executables (shell scripts) report what they saw; no Spark.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { defaultConfig } from '../../src/config.ts';
import type { BatchSpec, SessionRecord } from '../../src/domain/records.ts';
import { cleanEnv } from '../../src/driver/clean-env.ts';
import { LocalBatchLauncher } from '../../src/driver/local-batch-launcher.ts';
import { LocalLauncher, tokenFile } from '../../src/driver/local-launcher.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'sparkport-isolation-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const mode = (p: string) => statSync(p).mode & 0o777;

/** A stand-in executable that writes its environment (and the token file, if any) to its cwd. */
function reporter(name: string): string {
  const file = path.join(tmp, name);
  writeFileSync(file, `#!/bin/sh
env > "$PWD/seen.env"
if [ -n "$SPARKPORT_TOKEN_FILE" ]; then
  stat -c '%a' "$SPARKPORT_TOKEN_FILE" > "$PWD/seen.mode"
  cat "$SPARKPORT_TOKEN_FILE" > "$PWD/seen.token"
fi
`);
  chmodSync(file, 0o755);
  return file;
}

/** Runs fn with extra variables in the server's own environment. */
async function withServerEnv<T>(vars: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  Object.assign(process.env, vars);
  try {
    return await fn();
  } finally {
    for (const k of Object.keys(vars)) delete process.env[k];
  }
}

const SECRETS = { SECRET_TOKEN: 'xyz', AWS_SECRET_ACCESS_KEY: 'aws-secret', SPARKPORT_ADMIN_PASSWORD: 'pw', JAVA_TOOL_OPTIONS: '-javaagent:/x.jar', LD_PRELOAD: '/x.so' };

function parseEnv(file: string): Record<string, string> {
  return Object.fromEntries(readFileSync(file, 'utf8').split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

describe('cleanEnv', () => {
  test('passes the allow-list and spark.passEnv, never SPARKPORT_*, nothing else', () => {
    const cfg = defaultConfig();
    cfg.spark.passEnv = ['HTTPS_PROXY', 'AWS_*', 'SPARKPORT_*'];
    const env = cleanEnv(cfg, {
      PATH: '/bin', HOME: '/home/u', LC_ALL: 'C.UTF-8', TZ: 'UTC', JAVA_HOME: '/jdk', SPARK_CONF_DIR: '/etc/spark',
      HADOOP_CONF_DIR: '/etc/hadoop', PYTHONPATH: '/lib/py', HTTPS_PROXY: 'http://proxy:3128', AWS_PROFILE: 'x',
      PYSPARK_DRIVER_PYTHON: 'jupyter', SPARKPORT_TOKEN: 't', SPARKPORT_CONFIG: '/etc/sp.json',
      SECRET_TOKEN: 'xyz', JAVA_TOOL_OPTIONS: '-javaagent:/x.jar', LD_PRELOAD: '/x.so',
    });
    assert.deepEqual(Object.keys(env).sort(), [
      'AWS_PROFILE', 'HADOOP_CONF_DIR', 'HOME', 'HTTPS_PROXY', 'JAVA_HOME', 'LC_ALL', 'PATH', 'PYTHONPATH', 'SPARK_CONF_DIR', 'TZ',
    ]);
  });
});

describe('the session launcher', () => {
  test("the driver sees none of the server's secrets, and its token only in a file of mode 600 that goes when it exits", async () => {
    const cfg = defaultConfig();
    cfg.spark.python = reporter('python');
    cfg.spark.scalaHelperJar = '';
    const workDir = path.join(tmp, 'data', 'sessions', '3');
    const session = { id: 3, conf: {}, jars: [], pyFiles: [], files: [], archives: [], name: null, driverMemory: null } as unknown as SessionRecord;
    const token = 'a1'.repeat(32);
    await withServerEnv(SECRETS, async () => {
      const proc = new LocalLauncher(cfg).launch({ session, workDir, connect: '127.0.0.1:1', token });
      await new Promise<void>((r) => proc.onExit(() => r()));
    });
    const env = parseEnv(path.join(workDir, 'seen.env'));
    for (const k of Object.keys(SECRETS)) assert.equal(env[k], undefined, k);
    assert.ok(!Object.values(env).some((v) => v.includes(token)), 'the token is in no variable');
    assert.equal(env.SPARKPORT_TOKEN_FILE, tokenFile(workDir));
    assert.equal(readFileSync(path.join(workDir, 'seen.token'), 'utf8'), token);
    assert.equal(readFileSync(path.join(workDir, 'seen.mode'), 'utf8').trim(), '600');
    assert.equal(existsSync(tokenFile(workDir)), false, 'a token file the driver left behind is removed when it exits');
    assert.equal(mode(workDir), 0o700);
    assert.equal(mode(path.dirname(workDir)), 0o700, 'sessions/ too');
    assert.equal(mode(path.join(workDir, 'repl-classes')), 0o700);
  });

  test('an existing work directory is brought to 700, and a planted link at the token file is not written through', async () => {
    const cfg = defaultConfig();
    cfg.spark.python = reporter('python2');
    cfg.spark.scalaHelperJar = '';
    const workDir = path.join(tmp, 'data', 'sessions', '4');
    mkdirSync(workDir, { recursive: true, mode: 0o755 });
    chmodSync(workDir, 0o755);
    const victim = path.join(tmp, 'victim.txt');
    writeFileSync(victim, 'untouched');
    symlinkSync(victim, tokenFile(workDir));
    const session = { id: 4, conf: {}, jars: [], pyFiles: [], files: [], archives: [], name: null, driverMemory: null } as unknown as SessionRecord;
    const proc = new LocalLauncher(cfg).launch({ session, workDir, connect: '127.0.0.1:1', token: 'b2'.repeat(32) });
    await new Promise<void>((r) => proc.onExit(() => r()));
    assert.equal(readFileSync(victim, 'utf8'), 'untouched');
    assert.equal(mode(workDir), 0o700);
  });
});

describe('the batch launcher', () => {
  test("spark-submit and the job see none of the server's secrets; the batch's directory is 700", async () => {
    const home = path.join(tmp, 'spark');
    mkdirSync(path.join(home, 'bin'), { recursive: true });
    writeFileSync(path.join(home, 'bin', 'spark-submit'), readFileSync(reporter('submit')));
    chmodSync(path.join(home, 'bin', 'spark-submit'), 0o755);
    const cfg = defaultConfig();
    cfg.spark.python = '/usr/bin/python3';
    const workDir = path.join(tmp, 'data', 'batches', '0');
    const batch = { file: 'hdfs:///j.py', className: null, args: [], conf: {}, jars: [], pyFiles: [], files: [], archives: [], name: null, driverMemory: null } as unknown as BatchSpec;
    await withServerEnv(SECRETS, async () => {
      const proc = new LocalBatchLauncher(cfg, home).launch({ batchId: 0, batch, workDir });
      await new Promise<void>((r) => proc.onExit(() => r()));
    });
    const env = parseEnv(path.join(workDir, 'seen.env'));
    for (const k of Object.keys(SECRETS)) assert.equal(env[k], undefined, k);
    assert.equal(env.SPARK_HOME, home);
    assert.equal(env.PYSPARK_DRIVER_PYTHON, '/usr/bin/python3');
    assert.equal(mode(workDir), 0o700);
  });
});
