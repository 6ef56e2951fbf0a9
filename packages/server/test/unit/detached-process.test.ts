/**
 * Processes that outlive the server (driver/detached-process.ts), on real short shell commands:
 * output from the log files, exit codes and signals from the wrapper's status file, adoption by
 * pid and start time (and refusal when they don't match), log rotation, and files in the work
 * directory that are not what they should be.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { connectFile, writeConnectFile } from '../../src/driver/connect-file.ts';
import { adoptDetached, recordedRunning, spawnDetached, type DetachedProcess } from '../../src/driver/detached-process.ts';
import { exitFromStatus } from '../../src/driver/exit-status.ts';
import { MAX_LINE_BYTES } from '../../src/driver/log-tail.ts';
import { identify, isRunning } from '../../src/driver/proc-identity.ts';
import { RunFiles } from '../../src/driver/run-files.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'sparkport-detached-'));
const strays: number[] = [];
after(() => {
  for (const pid of strays) try { process.kill(-pid, 'SIGKILL'); } catch { /* gone */ }
  rmSync(tmp, { recursive: true, force: true });
});

let n = 0;
/** A work directory and run files of their own for each test. */
function place() {
  const workDir = path.join(tmp, `w${++n}`);
  mkdirSync(workDir, { recursive: true });
  return { workDir, run: RunFiles.of(path.join(tmp, 'data'), `t-${n}`), stdout: path.join(workDir, 'stdout.log'), stderr: path.join(workDir, 'stderr.log') };
}

function start(script: string, p = place(), over: { maxLogBytes?: number; merged?: boolean } = {}) {
  const proc = spawnDetached({
    name: 'test', command: '/bin/sh', args: ['-c', script], cwd: p.workDir, env: { PATH: process.env.PATH },
    run: p.run, stdout: p.stdout, stderr: over.merged ? undefined : p.stderr, maxLogBytes: over.maxLogBytes ?? 1024 * 1024,
  });
  if (proc.pid) strays.push(proc.pid);
  return { proc, p, ...collect(proc) };
}

function collect(proc: DetachedProcess) {
  const lines: [string, string][] = [];
  proc.onOutput((s, l) => lines.push([s, l]));
  const exit = new Promise<[number | null, string | null]>((r) => proc.onExit((c, s) => r([c, s])));
  return { lines, exit, text: () => lines.map(([, l]) => l) };
}

async function until(pred: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('a detached process', () => {
  test('its output comes from the log files, line by line and stream by stream; its exit code from the status file', async () => {
    const { proc, p, lines, exit } = start('echo a; echo "b  c" >&2; printf "no newline"; sleep 1; exit 3');
    assert.ok(proc.pid && proc.pid > 0);
    const rec = p.run.readRecord();
    assert.equal(rec?.pid, proc.pid, 'the identity is recorded in the run directory');
    assert.equal(rec?.startTime, identify(proc.pid!)?.startTime);
    assert.equal(statSync(p.run.record).mode & 0o777, 0o600);
    assert.deepEqual(await exit, [3, null]);
    assert.deepEqual(lines, [['stdout', 'a'], ['stderr', 'b  c'], ['stdout', 'no newline']]);
    assert.equal(proc.exited, true);
    assert.equal(readFileSync(p.stdout, 'utf8'), 'a\nno newline');
    await new Promise((r) => setTimeout(r, 20));
    assert.ok(!existsSync(p.run.record) && !existsSync(p.run.status), 'the run files go once the end is told');
  });

  test('it has a session and process group of its own, stdin closed, and runs on after its handle is let go', async () => {
    const { proc, text } = start('ps -o sid=,pgid= -p $$; read x; echo "read:$?"; sleep 30');
    await until(() => text().length >= 2, 'output');
    const [sid, pgid] = text()[0]!.trim().split(/\s+/).map(Number);
    assert.equal(sid, proc.pid, 'the wrapper leads a session');
    assert.equal(pgid, proc.pid);
    assert.equal(text()[1], 'read:1', 'stdin is at its end');
    proc.release();
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(isRunning(identify(proc.pid!)!));
    process.kill(-proc.pid!, 'SIGKILL');
  });

  test('a kill goes to the whole group; a signal is reported by name', async () => {
    const { proc, exit, text } = start('sleep 30 & echo "child $!"; wait');
    await until(() => text().some((l) => l.startsWith('child ')), 'the child');
    const child = Number(text().find((l) => l.startsWith('child '))!.slice(6));
    proc.kill('SIGTERM');
    assert.deepEqual(await exit, [null, 'SIGTERM']);
    await until(() => { try { process.kill(child, 0); return false; } catch { return true; } }, 'the grandchild to go');
  });

  test('SIGKILL takes the wrapper too: no status file, the signal is still reported', async () => {
    const { proc, exit, text } = start('trap "" TERM; echo up; sleep 30');
    await until(() => text().includes('up'), 'start');
    proc.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(proc.exited, false, 'TERM is ignored by the command, and the wrapper waits on');
    proc.kill('SIGKILL');
    assert.deepEqual(await exit, [null, 'SIGKILL']);
  });

  test('a command that is not there exits 127, saying so', async () => {
    const p = place();
    const proc = spawnDetached({ name: 'test', command: path.join(tmp, 'missing'), args: [], cwd: p.workDir, env: {}, run: p.run, stdout: p.stdout, stderr: p.stderr, maxLogBytes: 1e6 });
    const { exit, text } = collect(proc);
    assert.deepEqual(await exit, [127, null]);
    assert.ok(text().some((l) => /not found/.test(l)), text().join('\n'));
  });

  test('lines over 16 KiB are cut, the rest of them dropped; CRLF ends a line too', async () => {
    const { exit, text } = start(`head -c ${MAX_LINE_BYTES + 5000} /dev/zero | tr '\\0' x; echo; printf 'dos\\r\\n'; echo after`);
    await exit;
    assert.equal(text().length, 3, text().map((l) => l.slice(0, 40)).join('\n'));
    assert.ok(text()[0]!.startsWith('x'.repeat(MAX_LINE_BYTES - 100)));
    assert.ok(Buffer.byteLength(text()[0]!) <= MAX_LINE_BYTES, 'the marker included');
    assert.match(text()[0]!, /^x+… \[line cut at 16384 bytes\]$/);
    assert.deepEqual(text().slice(1), ['dos', 'after']);
  });

  test('with one log file, stderr goes with stdout in the order written', async () => {
    const { exit, lines, p } = start('echo 1; echo 2 >&2; echo 3', place(), { merged: true });
    await exit;
    assert.deepEqual(lines, [['stdout', '1'], ['stdout', '2'], ['stdout', '3']]);
    assert.ok(!existsSync(p.stderr));
  });
});

describe('adoption', () => {
  test('after its handle is let go, a later handle follows it from where the log was stored, then hears its end', async () => {
    const first = start('echo one; echo err-one >&2; while [ ! -e go ]; do sleep 0.05; done; echo two; echo err-two >&2; exit 4');
    await until(() => first.text().includes('one') && first.text().includes('err-one'), 'first lines');
    first.proc.logStored();
    first.proc.release();
    assert.deepEqual(first.p.run.readOffsets(), { stdout: 4, stderr: 8 });
    assert.equal(recordedRunning(first.p.run), true);
    const again = adoptDetached(first.p.run, { name: 'test', maxLogBytes: 1e6, replayLines: 100 })!;
    assert.equal(again.pid, first.proc.pid);
    const { lines, exit } = collect(again);
    writeFileSync(path.join(first.p.workDir, 'go'), '');
    assert.deepEqual(await exit, [4, null]);
    assert.deepEqual(lines, [['stdout', 'two'], ['stderr', 'err-two']], 'nothing twice, nothing missed');
  });

  test('without a stored position, the last lines come again; an adopted process can be killed', async () => {
    const first = start('for i in 1 2 3 4 5; do echo "line $i"; done; sleep 30');
    await until(() => first.text().length === 5, 'lines');
    first.proc.release();
    const again = adoptDetached(first.p.run, { name: 'test', maxLogBytes: 1e6, replayLines: 2 })!;
    const { text, exit } = collect(again);
    await until(() => text().length === 2, 'the replay');
    assert.deepEqual(text(), ['line 4', 'line 5']);
    again.kill('SIGKILL');
    assert.deepEqual(await exit, [null, 'SIGKILL'], 'no status file (the wrapper went too): the signal it was sent');
  });

  test('a process that ended while nobody watched delivers its output since, then its recorded end', async () => {
    const first = start('echo before; while [ ! -e go ]; do sleep 0.05; done; echo meanwhile; exit 0');
    await until(() => first.text().includes('before'), 'first line');
    first.proc.logStored();
    first.proc.release();
    writeFileSync(path.join(first.p.workDir, 'go'), '');
    await until(() => existsSync(first.p.run.status), 'the end');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(recordedRunning(first.p.run), false);
    const again = adoptDetached(first.p.run, { name: 'test', maxLogBytes: 1e6, replayLines: 100 })!;
    const { text, exit } = collect(again);
    assert.deepEqual(await exit, [0, null]);
    assert.deepEqual(text(), ['meanwhile']);
  });

  test('a pid whose start time differs is another process: not running, never signalled', async () => {
    const first = start('echo up; sleep 30');
    await until(() => first.text().includes('up'), 'start');
    first.proc.release();
    const rec = first.p.run.readRecord()!;
    first.p.run.writeRecord({ ...rec, startTime: String(Number(rec.startTime) + 1) });
    assert.equal(recordedRunning(first.p.run), false);
    const other = adoptDetached(first.p.run, { name: 'test', maxLogBytes: 1e6, replayLines: 0 })!;
    const { exit } = collect(other);
    other.kill('SIGKILL');
    assert.deepEqual(await exit, [null, null], 'ended, and how is not known');
    assert.ok(isRunning(rec), 'the process that holds the pid was not touched');
    process.kill(-rec.pid, 'SIGKILL');
  });

  test('nothing recorded: nothing to adopt', () => {
    assert.equal(adoptDetached(place().run, { name: 'test', maxLogBytes: 1e6, replayLines: 1 }), null);
    assert.equal(recordedRunning(place().run), false);
  });
});

describe('log files', () => {
  test('over the cap, a file is copied to .1 and emptied; the process writes on at the new start and no line is lost', async () => {
    const { exit, text, p } = start('i=0; while [ $i -lt 60 ]; do echo "line number $i"; i=$((i+1)); sleep 0.01; done', place(), { maxLogBytes: 200 });
    await exit;
    assert.deepEqual(text(), Array.from({ length: 60 }, (_, i) => `line number ${i}`));
    const rotated = readFileSync(`${p.stdout}.1`, 'utf8');
    assert.ok(rotated.length > 0 && rotated.length <= 200, `${rotated.length}`);
    assert.ok(statSync(p.stdout).size < 60 * 15, 'the file was emptied along the way');
  });

  test('a rotation moves a stored position to the new start, so a later server reads the emptied file from its beginning', async () => {
    const first = start('echo first; while [ ! -e go ]; do sleep 0.05; done; i=0; while [ $i -lt 30 ]; do echo "line number $i"; i=$((i+1)); sleep 0.01; done; while [ ! -e go2 ]; do sleep 0.05; done; echo after; sleep 30', place(), { maxLogBytes: 100 });
    await until(() => first.text().includes('first'), 'the first line');
    first.proc.logStored();
    assert.deepEqual(first.p.run.readOffsets(), { stdout: 6, stderr: 0 });
    writeFileSync(path.join(first.p.workDir, 'go'), '');
    await until(() => first.text().includes('line number 29'), 'the last line');
    assert.ok(existsSync(`${first.p.stdout}.1`));
    assert.equal(first.p.run.readOffsets()!.stdout, 0);
    first.proc.release();
    const now = readFileSync(first.p.stdout, 'utf8').split('\n').filter(Boolean);
    const again = adoptDetached(first.p.run, { name: 'test', maxLogBytes: 100, replayLines: 0 })!;
    const { text } = collect(again);
    writeFileSync(path.join(first.p.workDir, 'go2'), '');
    await until(() => text().includes('after'), 'a line after the adoption');
    assert.deepEqual(text(), [...now, 'after'], 'the file as it is now, from its start');
    again.kill('SIGKILL');
  });

  test('a link planted as the log file is not written through: the process gets a file of its own', async () => {
    const p = place();
    const victim = path.join(tmp, 'victim.db');
    writeFileSync(victim, 'store');
    symlinkSync(victim, p.stdout);
    const { exit, text } = start('echo hello', p);
    await exit;
    assert.equal(readFileSync(victim, 'utf8'), 'store');
    assert.ok(lstatSync(p.stdout).isFile());
    assert.deepEqual(text(), ['hello']);
  });

  test('a log file swapped for a link is not followed on adoption, and a link planted at .1 is not written through', async () => {
    const p = place();
    const victim = path.join(tmp, 'victim2.db');
    writeFileSync(victim, 'secret store\n');
    const first = start('echo up; while [ ! -e go ]; do sleep 0.05; done; i=0; while [ $i -lt 30 ]; do echo "more $i"; i=$((i+1)); sleep 0.01; done', p, { maxLogBytes: 100 });
    await until(() => first.text().includes('up'), 'start');
    first.proc.release();
    rmSync(p.stderr);
    symlinkSync(victim, p.stderr);
    symlinkSync(victim, `${p.stdout}.1`);
    const again = adoptDetached(p.run, { name: 'test', maxLogBytes: 100, replayLines: 0 })!;
    const { lines, exit } = collect(again);
    writeFileSync(path.join(p.workDir, 'go'), '');
    await exit;
    assert.deepEqual(lines.filter(([s]) => s === 'stderr').length, 1, JSON.stringify(lines));
    assert.match(lines.find(([s]) => s === 'stderr')![1], /^\[sparkport: .*stderr\.log is not followed: .*ELOOP/);
    assert.ok(!lines.some(([, l]) => l.includes('secret store')), 'the link target is never read');
    assert.ok(lines.some(([, l]) => l === 'more 29'));
    assert.equal(readFileSync(victim, 'utf8'), 'secret store\n', 'never written either');
  });

  test('a FIFO planted as the log file blocks nothing', async () => {
    const p = place();
    spawn('mkfifo', [p.stdout]).on('exit', () => undefined);
    await until(() => existsSync(p.stdout), 'the fifo');
    const { exit, text } = start('echo through', p);
    await exit;
    assert.deepEqual(text(), ['through']);
  });
});

describe('exit status and the connect file', () => {
  test('128+N is signal N by name; other statuses are codes', () => {
    assert.deepEqual(exitFromStatus(137), { code: null, signal: 'SIGKILL' });
    assert.deepEqual(exitFromStatus(143), { code: null, signal: 'SIGTERM' });
    assert.deepEqual(exitFromStatus(134), { code: null, signal: 'SIGABRT' });
    assert.deepEqual(exitFromStatus(1), { code: 1, signal: null });
    assert.deepEqual(exitFromStatus(255), { code: 255, signal: null });
  });

  test('writeConnectFile replaces the file atomically, mode 600, and replaces a planted link instead of writing through it', () => {
    const { workDir } = place();
    const victim = path.join(tmp, 'victim3');
    writeFileSync(victim, 'untouched');
    symlinkSync(victim, connectFile(workDir));
    writeConnectFile(workDir, '127.0.0.1:4567');
    assert.equal(readFileSync(victim, 'utf8'), 'untouched');
    assert.ok(lstatSync(connectFile(workDir)).isFile());
    assert.equal(readFileSync(connectFile(workDir), 'utf8'), '127.0.0.1:4567');
    assert.equal(statSync(connectFile(workDir)).mode & 0o777, 0o600);
    writeConnectFile(workDir, '10.0.0.2:80');
    assert.equal(readFileSync(connectFile(workDir), 'utf8'), '10.0.0.2:80');
  });
});
