/**
 * The local batch launcher on a stand-in spark-submit (a shell script in a fake Spark home):
 * the command line it builds from the batch, working directory and environment, output lines, exit codes, killing the whole
 * process group, and adopting a batch's process after a restart. No Spark needed.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { defaultConfig } from '../../src/config.ts';
import type { BatchProcess } from '../../src/domain/ports/batch-launcher.ts';
import type { BatchSpec } from '../../src/domain/records.ts';
import { buildBatchSubmitArgs } from '../../src/driver/batch-submit-args.ts';
import { batchLogFile, batchRunFiles, LocalBatchLauncher, venvSparkHome } from '../../src/driver/local-batch-launcher.ts';
import { bwrapWorks } from '../../src/driver/sandbox.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'sparkport-batch-launcher-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const home = path.join(tmp, 'spark');
mkdirSync(path.join(home, 'bin'), { recursive: true });
writeFileSync(path.join(home, 'bin', 'spark-submit'), `#!/bin/sh
echo "args: $*"
echo "cwd: $(pwd)"
echo "env: $SPARK_HOME $PYSPARK_DRIVER_PYTHON $SPARK_LOCAL_IP \${SPARKPORT_SECRET:-no-secret}"
echo "store: $(cat "$SPARK_TEST_STORE_FILE" 2>/dev/null || echo unseen)"
echo "INFO JettyUtils: Start Jetty 127.0.0.1:0 for SparkUI" >&2
echo "INFO Utils: Successfully started service 'SparkUI' on port 1." >&2
echo "INFO StandaloneSchedulerBackend: Connected to Spark cluster with app ID app-20240101000000-0001" >&2
for a in "$@"; do last="$a"; done
case "$last" in
  fail) echo "Exception in thread main" >&2; exit 3 ;;
  hold) sleep 300 & echo "child $!"; wait ;;
esac
exit 0
`);
chmodSync(path.join(home, 'bin', 'spark-submit'), 0o755);

function collect(p: BatchProcess) {
  const lines: string[] = [];
  const infos: unknown[] = [];
  p.onOutput((_s, l) => lines.push(l));
  p.onAppInfo((i) => infos.push(i));
  const exit = new Promise<[number | null, string | null]>((r) => p.onExit((c, s) => r([c, s])));
  return { lines, infos, exit };
}

/** Running, not merely a zombie waiting for whichever init adopted it. */
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return !/^Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1] ?? '');
  } catch {
    return false;
  }
};

const config = defaultConfig();
config.dataDir = path.join(tmp, 'data');
config.spark.python = '/usr/bin/python3';
config.batches.sparkHome = home;
// These tests are about the launcher's processes (groups, kills, adoption): outside the sandbox,
// whose pid namespace would hide the pids the stand-in reports. The last test runs it sandboxed.
config.sessions.sandbox = 'none';

/** A checked batch request; the stand-in spark-submit acts on its last argument. */
function batch(args: string[], over: Partial<BatchSpec> = {}): BatchSpec {
  return {
    file: path.join(tmp, 'job.py'), className: null, args, name: null, proxyUser: null, driverMemory: null, driverCores: 0,
    executorMemory: null, executorCores: 0, numExecutors: 0, queue: null, conf: {}, jars: [], pyFiles: [], files: [], archives: [],
    ...over,
  };
}

describe('LocalBatchLauncher', () => {
  const launcher = new LocalBatchLauncher(config);

  test('runs spark-submit with the arguments in the batch\'s directory, with its own environment', async () => {
    process.env.SPARKPORT_SECRET = 'hunter2';
    try {
      const workDir = path.join(tmp, 'batches', '0');
      const spec = batch(['a b', 'ok'], { name: 'nightly', className: 'com.example.Main' });
      const p = launcher.launch({ batchId: 0, batch: spec, workDir });
      const { lines, infos, exit } = collect(p);
      assert.deepEqual(await exit, [0, null]);
      const expected = buildBatchSubmitArgs(spec, 0, config, workDir);
      assert.ok(lines.includes(`args: ${expected.join(' ')}`), lines.join('\n'));
      assert.deepEqual(expected.slice(0, 4), ['--master', config.spark.master, '--deploy-mode', 'client']);
      assert.deepEqual(expected.slice(-7), ['--name', 'nightly', '--class', 'com.example.Main', spec.file, 'a b', 'ok'], 'the file and its arguments last');
      assert.ok(lines.includes(`cwd: ${workDir}`));
      assert.ok(lines.includes(`env: ${home} /usr/bin/python3 ${process.env.SPARK_LOCAL_IP ?? '127.0.0.1'} no-secret`), 'server settings never reach the job');
      assert.ok(lines.some((l) => /Exception|Jetty/.test(l)), 'stderr lines arrive too');
      assert.deepEqual(infos.find((i) => (i as { appId?: string }).appId), { appId: 'app-20240101000000-0001' });
      assert.ok(infos.some((i) => (i as { sparkUiUrl?: string }).sparkUiUrl === 'http://127.0.0.1:1'));
    } finally {
      delete process.env.SPARKPORT_SECRET;
    }
  });

  test('a failing job reports its exit code', async () => {
    const { exit, lines } = collect(launcher.launch({ batchId: 1, batch: batch(['fail']), workDir: path.join(tmp, 'batches', '1') }));
    assert.deepEqual(await exit, [3, null]);
    assert.ok(lines.includes('Exception in thread main'));
  });

  test('kill reaches the whole process group, children included', async () => {
    const p = launcher.launch({ batchId: 2, batch: batch(['hold']), workDir: path.join(tmp, 'batches', '2') });
    const { lines, exit } = collect(p);
    for (let i = 0; i < 200 && !lines.some((l) => l.startsWith('child ')); i++) await new Promise((r) => setTimeout(r, 10));
    const child = Number(lines.find((l) => l.startsWith('child '))!.slice(6));
    assert.ok(alive(child));
    p.kill('SIGTERM');
    const [code, signal] = await exit;
    assert.ok(signal === 'SIGTERM' || code === 143, `${code} ${signal}`);
    for (let i = 0; i < 100 && alive(child); i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(!alive(child), 'the grandchild went with it');
  });

  test('sandboxed (sessions.sandbox), a batch\'s spark-submit sees none of the data directory but its own work directory', async () => {
    const sandboxed = { ...config, sessions: { ...config.sessions, sandbox: 'auto' as const } };
    mkdirSync(config.dataDir, { recursive: true });
    const store = path.join(config.dataDir, 'store-stand-in');
    writeFileSync(store, 'the store');
    process.env.SPARK_TEST_STORE_FILE = store;
    try {
      const seen = async (cfg: typeof config, id: number) => {
        const { lines, exit } = collect(new LocalBatchLauncher(cfg).launch({ batchId: id, batch: batch(['ok'], { conf: {} }), workDir: path.join(config.dataDir, 'batches', String(id)) }));
        await exit;
        return lines.find((l) => l.startsWith('store: '));
      };
      assert.equal(await seen(config, 20), 'store: the store', 'without the sandbox the server\'s files are in reach');
      if (bwrapWorks()) assert.equal(await seen(sandboxed, 21), 'store: unseen');
    } finally {
      delete process.env.SPARK_TEST_STORE_FILE;
    }
  });

  test('no spark-submit: launch throws, naming the setting', () => {
    const none = new LocalBatchLauncher(config, path.join(tmp, 'nowhere'));
    assert.throws(() => none.launch({ batchId: 3, batch: batch([]), workDir: path.join(tmp, 'batches', '3') }), /spark-submit not found.*batches\.sparkHome/);
    assert.throws(() => new LocalBatchLauncher(config, null).launch({ batchId: 4, batch: batch([]), workDir: path.join(tmp, 'b4') }), /batches\.sparkHome/);
  });

  test('a batch\'s output is one file in its directory, in the order written; its record is in the run directory', async () => {
    const workDir = path.join(tmp, 'batches', '5');
    const { exit, lines } = collect(launcher.launch({ batchId: 5, batch: batch(['ok']), workDir }));
    assert.ok(existsSync(batchRunFiles(config, 5).record), 'recorded while it runs');
    await exit;
    const file = readFileSync(batchLogFile(workDir), 'utf8').trimEnd().split('\n');
    assert.deepEqual(lines, file, 'stdout and stderr lines, as written');
    assert.ok(file.some((l) => l.startsWith('INFO')) && file.some((l) => l.startsWith('args:')));
  });

  test('adopt finds a batch\'s running process by its id: its application again, its output, a kill', async () => {
    const workDir = path.join(tmp, 'batches', '6');
    const first = launcher.launch({ batchId: 6, batch: batch(['hold']), workDir });
    const { lines, exit: firstExit } = collect(first);
    for (let i = 0; i < 200 && !lines.some((l) => l.startsWith('child ')); i++) await new Promise((r) => setTimeout(r, 10));
    const child = Number(lines.find((l) => l.startsWith('child '))!.slice(6));
    const again = launcher.adopt(6, workDir)!;
    assert.equal(again.pid, first.pid);
    const adopted = collect(again);
    for (let i = 0; i < 200 && !adopted.infos.length; i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(adopted.infos.find((x) => (x as { appId?: string }).appId), { appId: 'app-20240101000000-0001' }, 'read again from the last lines');
    assert.ok(adopted.lines.includes(`child ${child}`));
    again.kill('SIGTERM');
    assert.deepEqual(await adopted.exit, [null, 'SIGTERM']);
    assert.deepEqual(await firstExit, [null, 'SIGTERM']);
    for (let i = 0; i < 100 && alive(child); i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(!alive(child));
    assert.equal(launcher.adopt(7, path.join(tmp, 'batches', '7')), null, 'never launched: nothing to adopt');
  });

  test('venvSparkHome finds pyspark in a venv, or nothing', () => {
    const venv = path.join(tmp, 'venv');
    mkdirSync(path.join(venv, 'lib', 'python3.11', 'site-packages', 'pyspark', 'bin'), { recursive: true });
    writeFileSync(path.join(venv, 'lib', 'python3.11', 'site-packages', 'pyspark', 'bin', 'spark-submit'), '');
    assert.equal(venvSparkHome(path.join(venv, 'bin', 'python')), path.join(venv, 'lib', 'python3.11', 'site-packages', 'pyspark'));
    assert.equal(venvSparkHome(path.join(tmp, 'novenv', 'bin', 'python')), null);
  });
});
