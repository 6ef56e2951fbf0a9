/**
 * Sessions and statements are stored: after the server is killed and started again on the
 * same data directory, history is still readable, lost sessions say why they are dead, and
 * ids keep counting up. The orphaned driver goes away by itself.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { api, run, text, waitForState } from './helpers.ts';
import { freePort, startOwnServer } from './own-server.ts';

/** The same port each time, so the drivers' callback address stays the same across the restart. */
const serve = async (dataDir: string, port: number) => (await startOwnServer({ dataDir, port })).child;

/** Pids of processes (drivers and their JVMs) whose working directory is under dir. */
function driversIn(dir: string): number[] {
  const pids: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      if (readlinkSync(`/proc/${p}/cwd`).startsWith(dir)) pids.push(Number(p));
    } catch { /* gone or not ours */ }
  }
  return pids;
}

describe('server restart', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'sparkport-restart-'));
  let child: ChildProcess | undefined;
  after(() => {
    child?.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('a killed server comes back with its sessions and statements on record', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    child = await serve(dataDir, port);
    const created = await api('POST', '/sessions', { kind: 'pyspark', name: 'keeper' }, base);
    await waitForState(created.body.id, ['idle'], 180_000, base);
    const st = await run(created.body.id, '6 * 7', undefined, base);
    assert.equal(text(st), '42');
    assert.ok(driversIn(dataDir).length > 0, 'the session has a driver process');

    child.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));
    child = await serve(dataDir, port);

    const back = await api('GET', '/sessions/keeper', undefined, base);
    assert.equal(back.status, 200);
    assert.equal(back.body.state, 'dead');
    assert.ok(back.body.log.some((l: string) => /server restarted/.test(l)), JSON.stringify(back.body.log));
    for (let i = 0; i < 150 && driversIn(dataDir).length; i++) await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(driversIn(dataDir), [], 'the orphaned driver exits when its server connection drops');
    const old = await api('GET', `/sessions/${created.body.id}/statements/${st.id}`, undefined, base);
    assert.equal(old.body.output.data['text/plain'], '42');
    const next = await api('POST', '/sessions', { kind: 'sql' }, base);
    assert.equal(next.body.id, created.body.id + 1, 'ids keep counting after a restart');
    await api('DELETE', `/sessions/${next.body.id}`, undefined, base);
  });
});
