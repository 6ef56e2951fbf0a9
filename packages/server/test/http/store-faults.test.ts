/**
 * A store the disk fails, through HTTP on a real SQLite file: a full disk (this process's file
 * size limit, file-size-limit.ts) and a read-only file. Requests that must write answer 503
 * STORE_UNAVAILABLE with Retry-After and change nothing; reads go on; state changes made in the
 * background (a statement finishing on its driver) don't take the server down and are stored
 * once the disk is back; and the server recovers by itself, without a restart.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { SqliteStore } from '../../src/store/sqlite-store.ts';
import { canLimitFileSize, limitFileSize } from '../support/file-size-limit.ts';
import { batchJob, makeHarness } from '../support/harness.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'sparkport-store-faults-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

type Res = { status: number; body: any; headers: Record<string, unknown> };
function assertUnavailable(r: Res, cause: RegExp): void {
  assert.equal(r.status, 503, JSON.stringify(r.body));
  assert.equal(r.body.code, 'STORE_UNAVAILABLE');
  assert.match(r.body.msg, cause);
  assert.equal(r.headers['retry-after'], '5');
}

describe('the store on a full disk', { skip: !canLimitFileSize && 'prlimit(1) is not installed' }, () => {
  test('writes are refused with 503, background changes wait in memory, and all is stored once the disk is back', async () => {
    const file = path.join(tmp, 'full', 'sparkport.db');
    const store = new SqliteStore(file);
    const h = await makeHarness((c) => { c.sessions.max = 10; }, store);
    let lift: (() => void) | undefined;
    try {
      const sid = (await h.json('POST', '/sessions', { kind: 'pyspark' })).body.id;
      const other = (await h.json('POST', '/sessions', { kind: 'pyspark' })).body.id;
      await h.waitState(sid, 'idle');
      await h.waitState(other, 'idle');
      const running = (await h.json('POST', `/sessions/${sid}/statements`, { code: 'sleep:300' })).body;
      const job = batchJob(h.config);
      await h.waitFor(async () => (await h.json('GET', `/sessions/${sid}`)).body.state === 'busy', 'busy');

      // Past 4 KB nothing grows: the WAL's first frame already ends beyond it.
      lift = limitFileSize(process.pid, 4096);
      assertUnavailable(await h.json('POST', '/sessions', { kind: 'pyspark' }), /disk I\/O error|disk is full/);
      assertUnavailable(await h.json('POST', `/sessions/${other}/statements`, { code: '1' }), /disk/);
      assertUnavailable(await h.json('POST', '/batches', { file: job }), /disk/);
      assert.equal((await h.json('GET', '/sessions')).status, 200, 'reads go on');
      assert.equal((await h.json('GET', '/version')).status, 200);

      // The running statement finishes on its driver meanwhile: kept in memory, seen by readers.
      const done = (await h.json('GET', `/sessions/${sid}/statements/${running.id}?wait=5`)).body;
      assert.equal(done.state, 'available');
      assert.equal(store.getStatement(sid, running.id)!.state, 'running', 'not on disk yet');
      assert.equal((await h.json('GET', `/sessions/${sid}/statements`)).body.statements[0].state, 'available');
      await h.waitState(sid, 'idle');
      assert.equal((await h.json('GET', '/ready')).status, 503, 'not ready while changes wait');

      // A delete stops the session but can't forget it: asked again later, it is.
      assertUnavailable(await h.json('DELETE', `/sessions/${other}`), /disk/);
      assert.equal((await h.json('GET', `/sessions/${other}`)).body.state, 'dead');

      lift();
      lift = undefined;
      await h.reconciler.tick();
      assert.equal(store.getStatement(sid, running.id)!.state, 'available', 'stored once the disk is back');
      assert.equal(store.getSession(sid)!.state, 'idle');
      assert.ok(h.logs.some((l) => /store is unavailable/.test(l)), h.logs.join('\n'));
      assert.ok(h.logs.some((l) => /takes writes again/.test(l)), h.logs.join('\n'));

      // No restart: requests write again, and ids go on without a gap.
      const next = await h.json('POST', `/sessions/${sid}/statements?wait=5`, { code: '1 + 1' });
      assert.equal(next.status, 201);
      assert.equal(next.body.id, running.id + 1);
      assert.equal((await h.json('POST', '/sessions', { kind: 'pyspark' })).status, 201);
      assert.equal((await h.json('DELETE', `/sessions/${other}`)).status, 200);
      assert.equal(store.getSession(other), undefined);
      assert.equal((await h.json('GET', '/ready')).status, 200);
    } finally {
      lift?.();
      await h.close();
    }
  });
});

/**
 * Root writes to a mode-400 file, so as root (CI) the file is made immutable instead (chattr +i,
 * on ext4 and the like), which nobody may write, root included.
 */
const root = process.getuid?.() === 0;
const readOnly = (file: string) => (root ? execFileSync('chattr', ['+i', file]) : chmodSync(file, 0o400));
const writable = (file: string) => (root ? execFileSync('chattr', ['-i', file]) : chmodSync(file, 0o600));

describe('the store on a read-only file', () => {
  test('reads work, writes are 503, and once the file is writable again the server writes without a restart', async () => {
    const file = path.join(tmp, 'ro', 'sparkport.db');
    const before = await makeHarness(() => undefined, new SqliteStore(file));
    assert.equal((await before.json('POST', '/sessions', { kind: 'pyspark' })).status, 201);
    await before.close();
    readOnly(file);
    const store = new SqliteStore(file);
    const h = await makeHarness(() => undefined, store);
    try {
      const list = await h.json('GET', '/sessions');
      assert.equal(list.status, 200);
      assert.equal(list.body.total, 1);
      assertUnavailable(await h.json('POST', '/sessions', { kind: 'pyspark' }), /read-only/);
      writable(file);
      await new Promise((r) => setTimeout(r, 1100));
      const r = await h.json('POST', '/sessions', { kind: 'pyspark' });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      assert.equal(r.body.id, 1);
    } finally {
      if (root) execFileSync('chattr', ['-i', file]);
      await h.close();
    }
  });
});
