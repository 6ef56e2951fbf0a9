/**
 * Batch states: the batch state machine's table, and what a server restart does to running
 * batches: followed again if their process is still there, dead if not (through HTTP on a fake
 * spark-submit, two servers on one store).
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { batchMachine } from '@sparkport/protocol';
import { LOG_FLUSH_MS } from '../../src/domain/batch-manager.ts';
import { checkTransition } from '../../src/domain/state-machine.ts';
import { MemoryStore } from '../../src/store/memory-store.ts';
import { FakeBatchLauncher, FakeBatchProcess } from '../support/fake-batch-launcher.ts';
import { makeHarness } from '../support/harness.ts';

describe('batch state machine', () => {
  test('only the table\'s moves are allowed: ended batches never move again', () => {
    assert.doesNotThrow(() => checkTransition(batchMachine, 'b', 'starting', 'running'));
    for (const to of ['success', 'dead', 'killed'] as const) assert.doesNotThrow(() => checkTransition(batchMachine, 'b', 'running', to));
    for (const from of ['success', 'dead', 'killed'] as const) {
      for (const to of ['starting', 'running', 'success', 'dead', 'killed', 'recovering'] as const) {
        assert.throws(() => checkTransition(batchMachine, 'b', from, to), /cannot go from/);
      }
    }
    assert.throws(() => checkTransition(batchMachine, 'b', 'running', 'starting'));
    assert.throws(() => checkTransition(batchMachine, 'b', 'starting', 'success'), /cannot go from 'starting' to 'success'/);
  });
});

describe('batches across a server restart', () => {
  test('a batch whose process is gone comes back dead, with what was stored of its log; ended ones are kept; ids go on', async () => {
    const store = new MemoryStore();
    const first = await makeHarness(() => undefined, store);
    const f = path.join(first.config.batches.allowedDirs[0]!, 'job.py');
    const done = (await first.json('POST', '/batches', { file: f })).body;
    first.batchLauncher.last().print('finished fine');
    first.batchLauncher.last().exit(0);
    const live = (await first.json('POST', '/batches', { file: f, name: 'live' })).body;
    first.batchLauncher.last().print('half way');
    first.clock.advance(LOG_FLUSH_MS);
    assert.equal(first.batchLauncher.last().logStoredCalls, 1, 'the launcher hears where the stored log ends');
    first.batchLauncher.last().print('never stored: the server died first');
    const gone = (await first.json('POST', '/batches', { file: f })).body;
    assert.equal((await first.json('DELETE', `/batches/${gone.id}`)).status, 200);

    // A second server on the same store, as after a crash: the first never shut down.
    const second = await makeHarness((c) => { c.dataDir = first.config.dataDir; c.batches.allowedDirs = first.config.batches.allowedDirs; }, store);
    try {
      const l = (await second.json('GET', '/batches/live')).body;
      assert.equal(l.state, 'dead');
      const why = 'server restarted; the batch ended while no server watched it';
      assert.equal(store.getBatch(live.id)!.stateReason, why);
      assert.ok(l.log.includes(`batch dead: ${why}`), JSON.stringify(l.log));
      const log = (await second.json('GET', `/batches/${live.id}/log?size=-1`)).body.log;
      assert.ok(log.includes('half way'), 'output from before the restart that was stored is kept');
      assert.ok(!log.includes('never stored: the server died first'));
      assert.deepEqual(second.batchLauncher.adopted, [{ batchId: live.id, workDir: path.join(first.config.dataDir, 'batches', String(live.id)) }]);
      assert.equal((await second.json('GET', `/batches/${done.id}/state`)).body.state, 'success');
      assert.ok((await second.json('GET', `/batches/${done.id}/log`)).body.log.includes('finished fine'));
      assert.equal((await second.json('GET', `/batches/${gone.id}`)).status, 404);
      const next = (await second.json('POST', '/batches', { file: f })).body;
      assert.equal(next.id, gone.id + 1);
    } finally {
      await second.close();
      await first.close();
    }
  });

  test('a batch whose process outlived the server is followed again: still running, its log goes on, its end and a kill count', async () => {
    const store = new MemoryStore();
    const first = await makeHarness(() => undefined, store);
    const f = path.join(first.config.batches.allowedDirs[0]!, 'job.py');
    const workDir = (id: number) => path.join(first.config.dataDir, 'batches', String(id));
    const runs = (await first.json('POST', '/batches', { file: f, name: 'runs' })).body;
    first.batchLauncher.last().print('before the restart');
    first.clock.advance(LOG_FLUSH_MS);
    const stopped = (await first.json('POST', '/batches', { file: f, name: 'stopped' })).body;
    const ended = (await first.json('POST', '/batches', { file: f, name: 'ended' })).body;

    // What the next server's launcher finds: two still running, one that ended with code 2 meanwhile.
    const survivor = (id: number) => {
      const p = new FakeBatchProcess({ ...first.batchLauncher.launched.find((x) => x.batchId === id)! });
      FakeBatchLauncher.survivors.set(workDir(id), p);
      return p;
    };
    const [a, b, c] = [survivor(runs.id), survivor(stopped.id), survivor(ended.id)];
    c.exit(2);
    const second = await makeHarness((cfg) => { cfg.dataDir = first.config.dataDir; cfg.batches.allowedDirs = first.config.batches.allowedDirs; }, store);
    try {
      const r = (await second.json('GET', `/batches/${runs.id}`)).body;
      assert.equal(r.state, 'running');
      assert.ok(r.log.includes('before the restart'));
      a.print('after the restart');
      a.appInfo({ appId: 'local-123' });
      assert.equal((await second.json('GET', `/batches/${runs.id}`)).body.appId, 'local-123');
      a.exit(0);
      const fin = (await second.json('GET', `/batches/${runs.id}`)).body;
      assert.equal(fin.state, 'success');
      assert.deepEqual(fin.log.slice(-3), ['after the restart', 'batch success: spark-submit exited with code 0', '\nstderr: ']);

      assert.equal((await second.json('GET', `/batches/${stopped.id}/state`)).body.state, 'running');
      assert.equal((await second.json('POST', `/batches/${stopped.id}/stop`)).status, 200);
      assert.deepEqual(b.signals, ['SIGTERM']);
      assert.equal((await second.json('GET', `/batches/${stopped.id}/state`)).body.state, 'killed');

      const e = (await second.json('GET', `/batches/${ended.id}`)).body;
      assert.equal(e.state, 'dead');
      assert.ok(e.log.includes('batch dead: spark-submit exited with code 2'), JSON.stringify(e.log));
    } finally {
      FakeBatchLauncher.survivors.clear();
      await second.close();
      await first.close();
    }
  });
});
