/**
 * Batch states: the batch state machine's table, and what a server restart does to running
 * batches (through HTTP on a fake spark-submit, two servers on one store).
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { batchMachine } from '@sparkport/protocol';
import { LOG_FLUSH_MS } from '../../src/domain/batch-manager.ts';
import { checkTransition } from '../../src/domain/state-machine.ts';
import { MemoryStore } from '../../src/store/memory-store.ts';
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
  test('running batches come back dead ("server restarted") and their process is reaped; ended ones are kept; ids go on', async () => {
    const store = new MemoryStore();
    const first = await makeHarness(() => undefined, store);
    const f = path.join(first.config.batches.allowedDirs[0]!, 'job.py');
    const done = (await first.json('POST', '/batches', { file: f })).body;
    first.batchLauncher.last().print('finished fine');
    first.batchLauncher.last().exit(0);
    const live = (await first.json('POST', '/batches', { file: f, name: 'live' })).body;
    first.batchLauncher.last().print('half way');
    first.clock.advance(LOG_FLUSH_MS);
    first.batchLauncher.last().print('never stored: the server died first');
    const livePid = first.batchLauncher.last().pid;
    const gone = (await first.json('POST', '/batches', { file: f })).body;
    assert.equal((await first.json('DELETE', `/batches/${gone.id}`)).status, 200);

    // A second server on the same store, as after a crash: the first never shut down.
    const second = await makeHarness((c) => { c.dataDir = first.config.dataDir; c.batches.allowedDirs = first.config.batches.allowedDirs; }, store);
    try {
      const l = (await second.json('GET', '/batches/live')).body;
      assert.equal(l.state, 'dead');
      assert.equal(store.getBatch(live.id)!.stateReason, 'server restarted');
      assert.ok(l.log.includes('batch dead: server restarted'), JSON.stringify(l.log));
      const log = (await second.json('GET', `/batches/${live.id}/log?size=-1`)).body.log;
      assert.ok(log.includes('half way'), 'output from before the restart that was stored is kept');
      assert.ok(!log.includes('never stored: the server died first'));
      assert.deepEqual(second.batchLauncher.reaped, [{ pid: livePid, workDir: path.join(first.config.dataDir, 'batches', String(live.id)) }]);
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
});
