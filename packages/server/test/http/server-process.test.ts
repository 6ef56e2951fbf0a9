/**
 * `sparkport serve` as a process: it logs JSON lines, a second one on the same data directory
 * exits at once naming the directory and the first one's pid, the lock does not outlive a
 * SIGKILLed holder, and SIGTERM shuts down cleanly (exit 0) within shutdown.drainMs.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const MAIN = path.join(ROOT, 'packages/server/src/main.ts');

interface Proc { child: ChildProcess; stderr: () => string; exited: Promise<number | null>; url: Promise<string> }

function serve(dataDir: string): Proc {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SPARKPORT_')));
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'serve', '--port', '0', '--data-dir', dataDir], {
    cwd: ROOT, env: { ...env, SPARKPORT_SHUTDOWN__DRAIN_MS: '2000' }, stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  let found: (u: string) => void;
  const url = new Promise<string>((r) => { found = r; });
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (c: string) => {
    stderr += c;
    for (const line of stderr.split('\n')) {
      try {
        const l = JSON.parse(line) as { url?: string };
        if (l.url) found(l.url);
      } catch { /* not a whole line yet */ }
    }
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, stderr: () => stderr, exited, url };
}

const within = <T>(p: Promise<T>, ms: number, what: string) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms).unref())]);

describe('the server process', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sparkport-proc-'));
  const procs: Proc[] = [];
  after(() => {
    for (const p of procs) p.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  const start = (d = dir) => {
    const p = serve(d);
    procs.push(p);
    return p;
  };

  test('one server per data directory, a lock that dies with a SIGKILLed holder, and a clean SIGTERM', async () => {
    const first = start();
    const url = await within(first.url, 30_000, 'the first server');
    assert.equal((await fetch(`${url}/health`)).status, 200);
    for (const line of first.stderr().trim().split('\n')) assert.doesNotThrow(() => JSON.parse(line), `a JSON line: ${line}`);

    const second = start();
    assert.equal(await within(second.exited, 30_000, 'the second server'), 1);
    assert.match(second.stderr(), new RegExp(`data directory ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is in use by another Sparkport server \\(pid ${first.child.pid}`));

    first.child.kill('SIGKILL');
    await first.exited;
    const third = start();
    const url3 = await within(third.url, 30_000, 'a server after the SIGKILLed one');
    assert.equal((await fetch(`${url3}/ready`)).status, 200);

    const t0 = Date.now();
    third.child.kill('SIGTERM');
    assert.equal(await within(third.exited, 10_000, 'exit after SIGTERM'), 0);
    assert.ok(Date.now() - t0 < 4000, `exited ${Date.now() - t0} ms after SIGTERM`);
    const said = third.stderr().trim().split('\n').map((l) => (JSON.parse(l) as { msg: string }).msg);
    assert.ok(said.some((m) => /^SIGTERM: shutting down/.test(m)), said.join('\n'));
    assert.equal(said.at(-1), 'shut down');
  });
});
