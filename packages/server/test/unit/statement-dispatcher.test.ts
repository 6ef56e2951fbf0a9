/**
 * The statement dispatcher on a scripted driver link: one statement at a time in arrival order,
 * cancel of waiting and running statements, failures, and output and progress for late readers.
 * On a real driver connection: statement-dispatcher-connection.test.ts; through the session
 * manager: statement-round-trip.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { StatementOutput } from '@sparkport/protocol';
import type { StatementRecord } from '../../src/domain/records.ts';
import { ok, world } from '../support/dispatcher-world.ts';
import { ScriptedLink, settle, type ScriptedRequest } from '../support/fake-link.ts';

const executes = (link: ScriptedLink) => link.open('execute');
const only = (reqs: ScriptedRequest[]) => {
  assert.equal(reqs.length, 1, `one request expected, got ${reqs.length}`);
  return reqs[0]!;
};

describe('StatementDispatcher', () => {
  test('statements wait until a driver is attached, then run one at a time in arrival order', async () => {
    const w = world();
    const [a, b, c] = ['a', 'b', 'c'].map((code) => w.disp.submit(code, 'pyspark')) as [StatementRecord, StatementRecord, StatementRecord];
    assert.deepEqual([a.id, b.id, c.id], [0, 1, 2]);
    assert.deepEqual([a.state, b.state, c.state], ['waiting', 'waiting', 'waiting']);
    const link = new ScriptedLink();
    w.disp.attach(link);
    for (const [s, code] of [[a, 'a'], [b, 'b'], [c, 'c']] as const) {
      const req = only(executes(link));
      assert.deepEqual(req.msg, { type: 'execute', statement_id: s.id, kind: 'pyspark', code });
      assert.equal(s.state, 'running');
      assert.equal(s.started, w.clock.now());
      req.reply({ output: ok(s.id, code.toUpperCase()), cancelled: false });
      await settle();
      assert.equal(s.state, 'available');
      assert.deepEqual(s.output, ok(s.id, code.toUpperCase()));
      assert.equal(s.progress, 1);
      assert.equal(w.disp.find(s.id), undefined, 'a finished statement is the store\'s');
    }
    assert.deepEqual(w.heard, ['busy 0', 'settled', 'busy 1', 'settled', 'busy 2', 'settled', 'idle']);
    assert.deepEqual(w.writes, [
      'insert 0 waiting', 'insert 1 waiting', 'insert 2 waiting',
      'update 0 running', 'update 0 available', 'update 1 running', 'update 1 available', 'update 2 running', 'update 2 available',
    ]);
  });

  test('a reply whose output is not one Livy clients can read ends its statement with an error saying so, and the queue goes on', async () => {
    const w = world();
    const link = new ScriptedLink();
    w.disp.attach(link);
    const bad = [
      {},
      { output: 'text', cancelled: false },
      { output: { status: 'ok', execution_count: 0 }, cancelled: false },
      { output: { status: 'error', execution_count: 0, ename: { toString: 1 }, evalue: 'x', traceback: [] }, cancelled: false },
      { output: { status: 'ok', execution_count: 0, data: { 'text/plain': 'x' } }, cancelled: 'no' },
    ];
    const stmts = bad.map((_, i) => w.disp.submit(`s${i}`, 'pyspark'));
    const good = w.disp.submit('fine', 'pyspark');
    for (const [i, result] of bad.entries()) {
      only(executes(link)).reply(result);
      await settle();
      const s = stmts[i]!;
      assert.equal(s.state, 'available', JSON.stringify(result));
      const out = s.output as Extract<StatementOutput, { status: 'error' }>;
      assert.equal(out.status, 'error');
      assert.equal(out.ename, 'Internal Error: DriverCallError');
      assert.match(out.evalue, /the driver's reply was malformed \(\/.*\)/, JSON.stringify(result));
    }
    only(executes(link)).reply({ output: ok(good.id, 'FINE'), cancelled: false });
    await settle();
    assert.deepEqual(good.output, ok(good.id, 'FINE'));
  });

  test('a waiting statement is cancelled at once and never reaches the driver', async () => {
    const w = world();
    const link = new ScriptedLink();
    w.disp.attach(link);
    const a = w.disp.submit('a', 'pyspark');
    const b = w.disp.submit('b', 'pyspark');
    const c = w.disp.submit('c', 'sql');
    const bEvents = w.events(b.id);
    await w.disp.cancel(b.id);
    assert.equal(b.state, 'cancelled');
    assert.equal(b.output, null);
    assert.deepEqual(bEvents.map((e) => e.event), ['state', 'done']);
    only(executes(link)).reply({ output: ok(a.id, 'A'), cancelled: false });
    await settle();
    const sent = link.requests.map((r) => (r.msg as { statement_id?: number }).statement_id);
    assert.deepEqual(sent, [a.id, c.id], 'c runs after a; b never went out');
  });

  test('a running statement goes to cancelling, the driver is asked to cancel its request, and its reply settles it', async () => {
    const w = world();
    const link = new ScriptedLink();
    w.disp.attach(link);
    const a = w.disp.submit('sleep', 'pyspark');
    const b = w.disp.submit('next', 'pyspark');
    const exec = only(executes(link));
    const cancelling = w.disp.cancel(a.id);
    assert.equal(a.state, 'cancelling');
    const cancel = only(link.open('cancel'));
    assert.deepEqual(cancel.msg, { type: 'cancel', target: exec.id });
    assert.equal(cancel.opts.timeoutMs, 10_000);
    cancel.reply({ running: true });
    await cancelling;
    assert.equal(a.state, 'cancelling', 'the cancel reply alone does not finish it');
    const interrupted: StatementOutput = { status: 'error', execution_count: a.id, ename: 'KeyboardInterrupt', evalue: '', traceback: [] };
    exec.reply({ output: interrupted, cancelled: true });
    await settle();
    assert.equal(a.state, 'cancelled');
    assert.deepEqual(a.output, interrupted);
    assert.equal(b.state, 'running', 'the next statement runs');
  });

  test('a statement that finishes while its cancel is on the way ends cancelled; a cancel the driver fails is harmless', async () => {
    const w = world();
    const link = new ScriptedLink();
    w.disp.attach(link);
    const a = w.disp.submit('a', 'pyspark');
    const exec = only(executes(link));
    const cancelling = w.disp.cancel(a.id);
    exec.reply({ output: ok(a.id, 'done anyway'), cancelled: false });
    only(link.open('cancel')).fail('UNKNOWN_TARGET');
    await cancelling;
    await settle();
    assert.equal(a.state, 'cancelled');
    await w.disp.cancel(a.id);
    assert.equal(link.requests.filter((r) => r.msg.type === 'cancel').length, 1, 'a finished statement is not cancelled again');
  });

  test('a failed execute gives an error output; a lost driver is left to failOpen, which finishes everything open', async () => {
    const w = world();
    const link = new ScriptedLink();
    w.disp.attach(link);
    const a = w.disp.submit('a', 'pyspark');
    only(executes(link)).fail('INTERNAL', 'executor thread died');
    await settle();
    assert.equal(a.state, 'available');
    assert.deepEqual(a.output, { status: 'error', execution_count: a.id, ename: 'Internal Error: DriverCallError', evalue: 'executor thread died', traceback: [] });
    const b = w.disp.submit('b', 'pyspark');
    const c = w.disp.submit('c', 'pyspark');
    link.close();
    await settle();
    assert.equal(b.state, 'running', 'DRIVER_LOST alone changes nothing');
    w.disp.failOpen('Error', 'Interpreter died');
    assert.deepEqual([b.state, c.state], ['available', 'available']);
    assert.equal(b.output?.status === 'error' && b.output.evalue, 'Interpreter died');
    assert.equal(w.disp.find(b.id), undefined);
    w.disp.submit('d', 'pyspark');
    assert.equal(executes(link).length, 0, 'nothing goes to a lost driver');
  });

  test('output and progress are kept for late readers and announced; progress is live while running', async () => {
    const w = world();
    const link = new ScriptedLink();
    w.disp.attach(link);
    const a = w.disp.submit('print', 'pyspark');
    const seen = w.events(a.id);
    const exec = only(executes(link));
    exec.event({ type: 'stream', name: 'stdout', text: 'one\n' });
    exec.event({ type: 'progress', progress: 0.25 });
    exec.event({ type: 'stream', name: 'stderr', text: 'warn\n' });
    assert.deepEqual(w.disp.streamedSoFar(a.id), [{ stream: 'stdout', text: 'one\n' }, { stream: 'stderr', text: 'warn\n' }]);
    assert.equal(w.disp.progressOf(a), 0.25);
    assert.deepEqual(seen, [
      { event: 'output', data: { stream: 'stdout', text: 'one\n' } },
      { event: 'progress', data: { progress: 0.25 } },
      { event: 'output', data: { stream: 'stderr', text: 'warn\n' } },
    ]);
    exec.reply({ output: ok(a.id, 'one'), cancelled: false });
    await settle();
    assert.equal(w.disp.progressOf(a), 1);
    assert.deepEqual(w.disp.streamedSoFar(a.id), []);
  });
});
