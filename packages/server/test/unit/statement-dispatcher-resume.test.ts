/**
 * The statement dispatcher when its driver comes back (PROTOCOL.md §3a): after a dropped
 * connection on the same link, and after a server restart on a new one, where the statements it
 * had open come from the store and the driver's replies arrive as orphans, by statement id.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { StatementRecord } from '../../src/domain/records.ts';
import { ok, world } from '../support/dispatcher-world.ts';
import { ScriptedLink, settle } from '../support/fake-link.ts';

const stored = (id: number, state: StatementRecord['state']): StatementRecord => ({
  sessionId: 1, id, code: `c${id}`, kind: 'pyspark', state, output: null, progress: 0.5, started: 1, completed: 0,
});

describe('StatementDispatcher after a reconnect', () => {
  test('a dropped connection: the running statement finishes by its replayed reply; the queue waits, then runs in order', async () => {
    const w = world();
    const link = new ScriptedLink();
    w.disp.attach(link);
    const a = w.disp.submit('a', 'pyspark');
    const req = link.open('execute')[0]!;
    link.drop();
    w.disp.detach();
    const b = w.disp.submit('b', 'pyspark');
    assert.equal(b.state, 'waiting', 'nothing is sent while the driver is away');
    link.isOpen = true;
    req.reply({ output: ok(a.id, 'A'), cancelled: false });
    await settle();
    w.disp.resume(link, null);
    assert.equal(a.state, 'available');
    assert.equal(b.state, 'running');
    assert.equal(link.open('execute')[0]!.msg.type, 'execute');
  });

  test('a running statement the driver no longer has fails saying so, and the next one runs', async () => {
    const w = world();
    const link = new ScriptedLink();
    w.disp.attach(link);
    const a = w.disp.submit('a', 'pyspark');
    const b = w.disp.submit('b', 'pyspark');
    link.drop();
    w.disp.detach();
    link.isOpen = true;
    w.disp.resume(link, null);
    assert.equal(a.state, 'available');
    assert.equal(a.output?.status, 'error');
    assert.match(String(a.output?.status === 'error' && a.output.evalue), /lost this statement/);
    assert.equal(b.state, 'running');
  });

  test('after a server restart: a replayed reply finishes its statement by id, output events reach readers, the rest run in order', async () => {
    const w = world();
    const running = stored(4, 'running');
    const waiting = stored(5, 'waiting');
    w.disp.adopt([running, waiting]);
    const output = w.events(4);
    const link = new ScriptedLink();
    w.disp.onOrphan({ type: 'stream', re: 30, name: 'stdout', text: 'hi\n', seq: 2, statement_id: 4 });
    w.disp.onOrphan({ type: 'reply', re: 30, ok: true, seq: 3, statement_id: 4, result: { output: ok(4, 'FOUR'), cancelled: false } });
    w.disp.onOrphan({ type: 'reply', re: 31, ok: true, seq: 4, statement_id: 5, result: { output: ok(5, 'no'), cancelled: false } });
    assert.equal(running.state, 'available');
    assert.deepEqual(running.output, ok(4, 'FOUR'));
    assert.deepEqual(output.filter((e) => e.event === 'output').map((e) => e.data), [{ stream: 'stdout', text: 'hi\n' }]);
    assert.equal(waiting.state, 'waiting', 'a reply for a statement never sent is not believed');
    w.disp.resume(link, null);
    const [exec] = link.open('execute');
    assert.equal(exec!.msg.type === 'execute' && exec!.msg.statement_id, 5);
  });

  test('after a server restart: the statement the driver still runs is awaited, and a cancel asked meanwhile is sent to its request', async () => {
    const w = world();
    const running = stored(7, 'cancelling');
    const queued = stored(8, 'waiting');
    const lost = stored(6, 'running');
    w.disp.adopt([lost, running, queued]);
    const link = new ScriptedLink();
    w.disp.resume(link, { statement_id: 7, request_id: 55 });
    assert.equal(lost.state, 'available', 'a statement the driver does not have fails');
    assert.equal(lost.output?.status, 'error');
    const [cancel] = link.open('cancel');
    assert.deepEqual(cancel!.msg, { type: 'cancel', target: 55 });
    assert.equal(link.open('execute').length, 0, 'the next waits for the running one');
    w.disp.onOrphan({ type: 'reply', re: 55, ok: true, seq: 9, statement_id: 7, result: { output: ok(7, 'x'), cancelled: true } });
    await settle();
    assert.equal(running.state, 'cancelled');
    assert.equal(queued.state, 'running');
  });
});
