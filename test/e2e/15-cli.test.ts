/**
 * The `sparkport` command line against the real server, spawned as a user would
 * (`bin/sparkport --url … <command>`), on the shared session: streamed output, --json, tables,
 * images, exit codes, stdin and files, sessions, shared data, a batch, and the repl on a pipe.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { BASE, sharedSession } from './helpers.ts';
import { ROOT } from './run-python.ts';

interface Ran { code: number | null; stdout: string; stderr: string; chunks: { at: number; text: string }[]; ended: number }

function cli(args: string[], input?: string, env: Record<string, string> = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(ROOT, 'bin/sparkport'), ['--url', BASE, ...args], {
      cwd: ROOT, env: { ...process.env, ...env, SPARKPORT_SESSION: '' }, stdio: ['pipe', 'pipe', 'pipe'],
    });
    const r: Ran = { code: null, stdout: '', stderr: '', chunks: [], ended: 0 };
    child.stdout.on('data', (c) => { r.stdout += c; r.chunks.push({ at: performance.now(), text: String(c) }); });
    child.stderr.on('data', (c) => { r.stderr += c; });
    child.on('error', reject);
    child.on('close', (code) => { r.code = code; r.ended = performance.now(); resolve(r); });
    child.stdin.end(input ?? '');
  });
}

const BATCH_DIR = path.join(os.tmpdir(), 'sparkport-e2e-batch-files', 'cli');

describe('sparkport CLI', () => {
  before(async () => {
    await sharedSession();
    mkdirSync(BATCH_DIR, { recursive: true });
  });

  test('run streams printed lines as they are printed, then the value', async () => {
    const r = await cli(['run', '-s', 'e2e', 'import time\nprint("first", flush=True)\ntime.sleep(2)\nprint("second")\n6 * 7']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'first\nsecond\n42\n');
    const first = r.chunks.find((c) => c.text.includes('first'))!;
    assert.ok(r.ended - first.at > 1500, `"first" came ${Math.round(r.ended - first.at)} ms before the end`);
  });

  test('--json prints the statement, and only it, on stdout', async () => {
    const r = await cli(['--json', 'run', '-s', 'e2e', 'print("noise")\nspark.range(5).count()']);
    assert.equal(r.code, 0, r.stderr);
    const st = JSON.parse(r.stdout);
    assert.equal(st.state, 'available');
    assert.equal(st.output.data['text/plain'], 'noise\n5');
  });

  test('SQL and %table results print as tables; %matplot saves an image', async () => {
    let r = await cli(['run', '-s', 'e2e', '-k', 'sql', "SELECT 1 AS one, 'x' AS letter"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'one | letter\n----+-------\n1   | x\n');
    r = await cli(['run', '-s', 'e2e', '%table [{"a": 1, "b": "p"}, {"a": 2, "b": "q"}]']);
    assert.equal(r.stdout, 'a | b\n--+--\n1 | p\n2 | q\n');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cli-images-'));
    r = await cli(['run', '-s', 'e2e', '--save-images', dir,
      "import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\nplt.figure()\nplt.plot([1, 3, 2])\n%matplot plt"]);
    assert.equal(r.code, 0, r.stderr);
    const [png] = readdirSync(dir);
    assert.match(r.stdout, new RegExp(`image saved to .*${png}`));
  });

  test('code from stdin and from a file', async () => {
    let r = await cli(['run', '-s', 'e2e'], 'print(6 * 7)\n');
    assert.equal(r.stdout, '42\n');
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'cli-code-')), 'job.py');
    writeFileSync(file, 'total = sum(range(4))\nprint("total", total)\n');
    r = await cli(['run', '-s', 'e2e', '-f', file]);
    assert.equal(r.stdout, 'total 6\n');
  });

  test('exit codes: 1 failed code, 2 usage, 3 refused, 4 unreachable', async () => {
    let r = await cli(['run', '-s', 'e2e', '1 / 0']);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /ZeroDivisionError: division by zero/);
    r = await cli(['run', '--frobnicate']);
    assert.equal(r.code, 2);
    r = await cli(['sessions', 'show', 'no-such-session']);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /SESSION_NOT_FOUND/);
    r = await cli(['--url', 'http://127.0.0.1:1', 'sessions', 'list']);
    assert.equal(r.code, 4);
  });

  test('sessions list, as a table and as JSON', async () => {
    let r = await cli(['sessions', 'list']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^id +\| name +\| kind +\| state +\| appId/);
    assert.match(r.stdout, /\| e2e +\| pyspark +\| (idle|busy) /);
    r = await cli(['--json', 'sessions', 'list']);
    assert.ok(JSON.parse(r.stdout).sessions.some((s: { name: string }) => s.name === 'e2e'));
  });

  test('shared set, get, list, delete', async () => {
    let r = await cli(['shared', 'set', '-s', 'e2e', 'cli_map', 'ak', 'Alaska']);
    assert.equal(r.code, 0, r.stderr);
    await cli(['shared', 'set', '-s', 'e2e', 'cli_map', 'hi', '{"name": "Hawaii"}']);
    r = await cli(['shared', 'get', '-s', 'e2e', 'cli_map', 'ak']);
    assert.equal(r.stdout, 'Alaska\n');
    r = await cli(['--json', 'shared', 'get', '-s', 'e2e', 'cli_map', 'hi']);
    assert.deepEqual(JSON.parse(r.stdout), { name: 'Hawaii' });
    r = await cli(['shared', 'get', '-s', 'e2e', 'cli_map']);
    assert.equal(r.stdout, 'key | value\n----+------------------\nak  | Alaska\nhi  | {"name":"Hawaii"}\n');
    r = await cli(['shared', 'list', '-s', 'e2e']);
    assert.match(r.stdout, /cli_map +\| map +\| 2/);
    r = await cli(['shared', 'delete', '-s', 'e2e', 'cli_map']);
    assert.equal(r.code, 0);
    r = await cli(['shared', 'get', '-s', 'e2e', 'cli_map', 'ak']);
    assert.equal(r.code, 3);
  });

  test('batch submit --follow streams the log and exits with the outcome', async () => {
    const job = path.join(BATCH_DIR, 'cli_job.py');
    writeFileSync(job, 'import sys\nprint("CLI_BATCH", sys.argv[1:])\nsys.exit(0 if sys.argv[1] == "good" else 3)\n');
    const conf = ['--driver-memory', '512m', '-c', 'spark.ui.enabled=false'];
    let r = await cli(['batch', 'submit', job, 'good', '--follow', ...conf]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /CLI_BATCH \['good'\]/);
    const id = /batch (\d+) submitted/.exec(r.stderr)![1]!;
    r = await cli(['--json', 'batch', 'status', id]);
    assert.equal(JSON.parse(r.stdout).state, 'success');
    r = await cli(['batch', 'submit', job, 'bad', '--wait', ...conf]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /: dead/);
    r = await cli(['batch', 'kill', id]);
    assert.equal(r.code, 0);
  });

  test('repl on a pipe: blocks, values, :kind', async () => {
    const history = path.join(mkdtempSync(path.join(os.tmpdir(), 'cli-repl-')), 'history');
    const r = await cli(['repl', '-s', 'e2e'], 'x = 5\nfor i in range(2):\n    print(i + x)\n\n:kind sql\nSELECT 7 AS seven\n', { SPARKPORT_HISTORY: history });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /5\n6\n/);
    assert.match(r.stdout, /seven\n-----\n7\n/);
  });
});
