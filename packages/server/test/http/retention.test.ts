/**
 * What forgetting a session or batch leaves behind: nothing. Past sessions.stateRetainMs, or at
 * once on DELETE (as in Livy), its row, its statement history and its work directory go;
 * removing the directory never follows a link out of the data directory.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, describe, test } from 'node:test';
import { batchJob, makeHarness } from '../support/harness.ts';

type Harness = Awaited<ReturnType<typeof makeHarness>>;
const MINUTE = 60_000;

const outside = mkdtempSync(path.join(os.tmpdir(), 'sparkport-outside-'));
after(() => rmSync(outside, { recursive: true, force: true }));

/** A work directory as a driver leaves it, with a link out of the data directory in it. */
function fillWorkDir(dir: string): string {
  mkdirSync(path.join(dir, 'spark-warehouse'), { recursive: true });
  writeFileSync(path.join(dir, 'driver.log'), 'log\n');
  const precious = path.join(outside, `precious-${path.basename(dir)}-${Math.random()}`);
  mkdirSync(precious);
  writeFileSync(path.join(precious, 'keep.txt'), 'keep');
  symlinkSync(precious, path.join(dir, 'link-out'));
  return precious;
}

describe('retention', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });
  const harness = async () => (h = await makeHarness((c) => { c.sessions.max = 20; c.sessions.stateRetainMs = MINUTE; }));

  async function sessionWithHistory(hh: Harness): Promise<{ id: number; dir: string; precious: string }> {
    const id = (await hh.json('POST', '/sessions', { kind: 'pyspark' })).body.id as number;
    await hh.waitState(id, 'idle');
    for (const code of ['a', 'b', 'c']) assert.equal((await hh.json('POST', `/sessions/${id}/statements?wait=5`, { code })).status, 201);
    const dir = path.join(hh.config.dataDir, 'sessions', String(id));
    return { id, dir, precious: fillWorkDir(dir) };
  }

  test('a finished session past retention loses its row, its statements and its work directory, not what a link points to', async () => {
    const hh = await harness();
    const { id, dir, precious } = await sessionWithHistory(hh);
    const kept = await sessionWithHistory(hh);
    await hh.json('POST', `/sessions/${id}/stop`);
    await hh.waitState(id, 'dead');
    hh.clock.advance(MINUTE + 1);
    const forgotten = await hh.reconciler.tick();
    assert.deepEqual(forgotten.map((d) => d.id), [id]);
    assert.equal(hh.store.getSession(id), undefined);
    assert.equal(hh.store.countStatements(id), 0);
    assert.ok(!existsSync(dir), 'the work directory is gone');
    assert.equal(readFileSync(path.join(precious, 'keep.txt'), 'utf8'), 'keep', 'what the link led to is untouched');
    assert.equal(hh.store.countStatements(kept.id), 3, 'a live session keeps its history');
    assert.ok(existsSync(kept.dir));
  });

  test('DELETE forgets at once: 404, no statements stored, no work directory', async () => {
    const hh = await harness();
    const { id, dir, precious } = await sessionWithHistory(hh);
    assert.equal((await hh.json('DELETE', `/sessions/${id}`)).status, 200);
    assert.equal((await hh.json('GET', `/sessions/${id}/statements`)).status, 404);
    assert.equal(hh.store.getSession(id), undefined);
    assert.equal(hh.store.countStatements(id), 0);
    assert.ok(!existsSync(dir));
    assert.ok(existsSync(path.join(precious, 'keep.txt')));
    const next = (await hh.json('POST', '/sessions', { kind: 'pyspark' })).body.id;
    assert.equal(next, id + 1, 'the id is not handed out again');
  });

  test('a sessions directory that is a link out of the data directory is not emptied', async () => {
    const hh = await harness();
    const { id, dir } = await sessionWithHistory(hh);
    const sessions = path.dirname(dir);
    const elsewhere = path.join(outside, `sessions-${Math.random()}`);
    renameSync(sessions, elsewhere);
    symlinkSync(elsewhere, sessions);
    assert.equal((await hh.json('DELETE', `/sessions/${id}`)).status, 200);
    assert.equal(hh.store.getSession(id), undefined, 'forgotten all the same');
    assert.ok(existsSync(path.join(elsewhere, String(id), 'driver.log')), 'but nothing outside the data directory was removed');
  });

  test('batches: past retention, and on DELETE, the row and the work directory go', async () => {
    const hh = await harness();
    const file = batchJob(hh.config);
    const ended = (await hh.json('POST', '/batches', { file })).body.id as number;
    const deleted = (await hh.json('POST', '/batches', { file })).body.id as number;
    const dirOf = (id: number) => path.join(hh.config.dataDir, 'batches', String(id));
    const precious = [fillWorkDir(dirOf(ended)), fillWorkDir(dirOf(deleted))];
    assert.equal((await hh.json('DELETE', `/batches/${deleted}`)).status, 200);
    assert.equal(hh.store.getBatch(deleted), undefined);
    assert.ok(!existsSync(dirOf(deleted)));

    hh.batchLauncher.procs[0]!.exit(0);
    await hh.waitFor(async () => (await hh.json('GET', `/batches/${ended}/state`)).body.state !== 'running', 'the batch ended');
    hh.clock.advance(MINUTE + 1);
    await hh.reconciler.tick();
    assert.equal((await hh.json('GET', `/batches/${ended}`)).status, 404);
    assert.equal(hh.store.getBatch(ended), undefined);
    assert.ok(!existsSync(dirOf(ended)));
    for (const p of precious) assert.ok(existsSync(path.join(p, 'keep.txt')));
  });

  test('at start, work directories of sessions and batches the store no longer knows are removed; others stay', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'sparkport-orphans-'));
    try {
      for (const d of ['sessions/7', 'sessions/not-a-session', 'batches/3']) mkdirSync(path.join(dataDir, d), { recursive: true });
      const precious = fillWorkDir(path.join(dataDir, 'sessions', '7'));
      const hh = (h = await makeHarness((c) => { c.dataDir = dataDir; }));
      assert.ok(!existsSync(path.join(dataDir, 'sessions', '7')));
      assert.ok(!existsSync(path.join(dataDir, 'batches', '3')));
      assert.ok(existsSync(path.join(dataDir, 'sessions', 'not-a-session')));
      assert.ok(existsSync(path.join(precious, 'keep.txt')));
      assert.equal((await hh.json('GET', '/sessions')).status, 200);
    } finally {
      await h?.close();
      h = undefined;
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
