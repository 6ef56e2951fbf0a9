/**
 * Batches outlive the server: with one SIGKILLed and started again on the same data directory,
 * a batch that was running still is, its log goes on (the lines printed while no server ran
 * included, none of them twice), and it ends `success` as it would have; another, stopped after
 * the restart, ends `killed` with its processes gone. A server of its own, so it can be killed.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { api } from './helpers.ts';
import { alive, processesNaming } from './proc-find.ts';
import { freePort, startOwnServer, type OwnServer } from './own-server.ts';

/** No Spark session: spark-submit's JVM runs the Python, which counts for a while. */
const COUNTER = `
import sys, time
for i in range(int(sys.argv[1])):
    print(f"SPARKPORT_TICK {i}", flush=True)
    time.sleep(1)
print("SPARKPORT_LAST_LINE", flush=True)
`;

const SLEEPER = `
import os, sys, time
with open(sys.argv[1], "w") as f:
    f.write(f"{os.getpid()} {os.getppid()}")
print("SPARKPORT_SLEEPING", flush=True)
time.sleep(600)
`;

describe('batches across a server crash', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'sparkport-batch-restart-'));
  const dataDir = path.join(tmp, 'data');
  const jobs = path.join(tmp, 'jobs');
  let server: OwnServer | undefined;
  let base = '';
  const pids: number[] = [];

  after(async () => {
    server?.child.kill('SIGKILL');
    for (const pid of pids) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    rmSync(tmp, { recursive: true, force: true });
  });

  const serve = async (port: number) => {
    server = await startOwnServer({ dataDir, port, env: { SPARKPORT_BATCHES__ALLOWED_DIRS: jobs } });
    base = server.base;
  };
  const get = async (id: number) => (await api('GET', `/batches/${id}`, undefined, base)).body;
  const log = async (id: number): Promise<string[]> => (await api('GET', `/batches/${id}/log?size=-1`, undefined, base)).body.log;
  const ticks = (lines: string[]) => lines.filter((l) => l.startsWith('SPARKPORT_TICK '));

  async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 120_000): Promise<T> {
    const end = Date.now() + ms;
    for (;;) {
      const v = await fn();
      if (v !== undefined) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 300));
    }
  }

  test('a running batch is followed again after the server is killed and restarted; a stop still kills', async () => {
    mkdirSync(jobs, { recursive: true });
    writeFileSync(path.join(jobs, 'counter.py'), COUNTER);
    writeFileSync(path.join(jobs, 'sleeper.py'), SLEEPER);
    const pidFile = path.join(tmp, 'sleeper.pids');
    const port = await freePort();
    await serve(port);
    const lean = { driverMemory: '512m' };
    const counter = await api('POST', '/batches', { ...lean, file: path.join(jobs, 'counter.py'), args: ['25'] }, base);
    assert.equal(counter.status, 201, JSON.stringify(counter.body));
    const sleeper = await api('POST', '/batches', { ...lean, file: path.join(jobs, 'sleeper.py'), args: [pidFile] }, base);
    assert.equal(sleeper.status, 201, JSON.stringify(sleeper.body));
    const [c, s] = [counter.body.id as number, sleeper.body.id as number];
    await until('the counter to count', async () => (ticks(await log(c)).length >= 3 ? true : undefined));
    await until('the sleeper to sleep', async () => ((await log(s)).includes('SPARKPORT_SLEEPING') ? true : undefined));
    // Host pids, found from outside: those the sandboxed job writes are its pid namespace's.
    pids.push(...processesNaming(pidFile));
    assert.ok(pids.length >= 2 && pids.every(alive));

    server!.child.kill('SIGKILL');
    await new Promise((r) => server!.child.once('exit', r));
    await new Promise((r) => setTimeout(r, 2000)); // the counter goes on printing while no server runs
    await serve(port);

    const back = await get(c);
    assert.equal(back.state, 'running', JSON.stringify(back));
    const now = ticks(await log(c)).length;
    await until('the log to grow', async () => (ticks(await log(c)).length > now ? true : undefined), 10_000);
    assert.equal((await get(s)).state, 'running');
    assert.ok(pids.every(alive), 'the sleeper\'s processes outlived the server');

    const done = await until('the counter to end', async () => {
      const b = await get(c);
      return ['success', 'dead', 'killed'].includes(b.state) ? b : undefined;
    }, 60_000);
    const lines = await log(c);
    assert.equal(done.state, 'success', lines.slice(-20).join('\n'));
    assert.ok(lines.includes('SPARKPORT_LAST_LINE'), lines.slice(-20).join('\n'));
    assert.deepEqual(ticks(lines), Array.from({ length: 25 }, (_, i) => `SPARKPORT_TICK ${i}`), 'every line once, those printed while no server ran too');
    assert.equal(lines.at(-2), 'batch success: spark-submit exited with code 0');

    const stop = await api('POST', `/batches/${s}/stop`, undefined, base);
    assert.equal(stop.status, 200);
    assert.equal((await get(s)).state, 'killed');
    await until('the sleeper\'s processes to go', async () => (pids.some(alive) ? undefined : true), 20_000);
    assert.equal((await api('DELETE', `/batches/${s}`, undefined, base)).status, 200);
    assert.equal((await api('GET', `/batches/${s}`, undefined, base)).status, 404);
    await server!.stop();
  });
});
