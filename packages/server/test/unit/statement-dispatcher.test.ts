/**
 * The statement dispatcher: one statement at a time in arrival order, cancel of waiting and
 * running statements, failures, output reaching the statement its request belongs to (on a
 * real driver connection, with a completion in flight beside it), and a statement's round trip
 * through the session manager without a single store read.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, test } from 'node:test';
import type { StatementOutput } from '@sparkport/protocol';
import { FakeClock } from '../../src/clock.ts';
import { defaultConfig } from '../../src/config.ts';
import { EventBus, type StatementBusEvent } from '../../src/domain/event-bus.ts';
import type { Store } from '../../src/domain/ports/store.ts';
import type { StatementRecord } from '../../src/domain/records.ts';
import { SessionManager } from '../../src/domain/session-manager.ts';
import { StatementDispatcher } from '../../src/domain/statement-dispatcher.ts';
import { DriverConnection } from '../../src/driver/connection.ts';
import { DriverListener } from '../../src/driver/listener.ts';
import { MemoryStore } from '../../src/store/memory-store.ts';
import { FakeLauncher } from '../support/fake-driver.ts';
import { ScriptedLink, settle, type ScriptedRequest } from '../support/fake-link.ts';

const ok = (id: number, text: string): StatementOutput => ({ status: 'ok', execution_count: id, data: { 'text/plain': text } });

function world() {
  const clock = new FakeClock();
  const bus = new EventBus();
  const writes: string[] = [];
  const heard: string[] = [];
  const disp = new StatementDispatcher({
    sessionId: 1, clock, bus, nextId: 0,
    store: { insertStatement: (s) => writes.push(`insert ${s.id} ${s.state}`), updateStatement: (s) => writes.push(`update ${s.id} ${s.state}`) },
    hooks: { busy: (s) => heard.push(`busy ${s.id}`), idle: () => heard.push('idle'), settled: () => heard.push('settled') },
  });
  const events = (stmtId: number) => {
    const seen: StatementBusEvent[] = [];
    bus.onStatement(1, stmtId, (ev) => seen.push(ev));
    return seen;
  };
  return { clock, bus, disp, writes, heard, events };
}

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

/** Both ends of a loopback TCP connection: the server's DriverConnection, and the driver's socket. */
async function connectionPair() {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const accepted = new Promise<net.Socket>((r) => server.once('connection', r));
  const sock = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  const inbox: Record<string, unknown>[] = [];
  let buf = '';
  sock.setEncoding('utf8');
  sock.on('data', (chunk: string) => {
    buf += chunk;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      inbox.push(JSON.parse(buf.slice(0, nl)));
      buf = buf.slice(nl + 1);
    }
  });
  const conn = new DriverConnection(await accepted, 1);
  server.close();
  const next = async (type: string) => {
    for (let i = 0; i < 400; i++) {
      const at = inbox.findIndex((m) => m.type === type);
      if (at >= 0) return inbox.splice(at, 1)[0] as Record<string, unknown> & { id: number };
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error(`no ${type} request arrived`);
  };
  const send = (msg: object) => sock.write(`${JSON.stringify(msg)}\n`);
  return { conn, next, send, close: () => { sock.destroy(); conn.close(); } };
}

describe('StatementDispatcher on a real driver connection', () => {
  test('output goes to the statement its request belongs to, with a completion in flight and after the next statement starts', async () => {
    const w = world();
    const p = await connectionPair();
    try {
      w.disp.attach(p.conn);
      const a = w.disp.submit('first', 'pyspark');
      const b = w.disp.submit('second', 'pyspark');
      const aEvents = w.events(a.id);
      const bEvents = w.events(b.id);
      const ea = await p.next('execute');
      const completion = p.conn.request<{ candidates: string[] }>({ type: 'complete', kind: 'pyspark', code: 'sp', cursor: 2 }, { timeoutMs: 5000 });
      const cq = await p.next('complete');
      p.send({ type: 'stream', re: ea.id, name: 'stdout', text: 'a1\n' });
      p.send({ type: 'stream', re: cq.id, name: 'stdout', text: 'completion noise\n' });
      p.send({ type: 'progress', re: cq.id, progress: 0.9 });
      p.send({ type: 'reply', re: cq.id, ok: true, result: { candidates: ['spark'] } });
      p.send({ type: 'progress', re: ea.id, progress: 0.5 });
      p.send({ type: 'reply', re: ea.id, ok: true, result: { output: ok(a.id, 'A'), cancelled: false } });
      assert.deepEqual(await completion, { candidates: ['spark'] });
      const eb = await p.next('execute');
      assert.equal(eb.statement_id, b.id);
      // A straggler of the first request, after the second has started, must not land on it.
      p.send({ type: 'stream', re: ea.id, name: 'stdout', text: 'a-late\n' });
      p.send({ type: 'stream', re: eb.id, name: 'stdout', text: 'b1\n' });
      p.send({ type: 'reply', re: eb.id, ok: true, result: { output: ok(b.id, 'B'), cancelled: false } });
      for (let i = 0; i < 400 && b.state !== 'available'; i++) await new Promise((r) => setTimeout(r, 5));
      const texts = (evs: StatementBusEvent[]) => evs.flatMap((e): (string | number)[] => (e.event === 'output' ? [e.data.text] : e.event === 'progress' ? [e.data.progress] : []));
      assert.deepEqual(texts(aEvents), ['a1\n', 0.5]);
      assert.deepEqual(texts(bEvents), ['b1\n']);
      assert.deepEqual([a.state, b.state], ['available', 'available']);
    } finally {
      p.close();
    }
  });
});

/** Counts every store call by method name. */
function countingStore(inner: Store) {
  const calls: string[] = [];
  const store = new Proxy(inner, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        calls.push(String(prop));
        return v.apply(target, args);
      };
    },
  });
  return { store, calls };
}

describe('a statement through the session manager', () => {
  test('submit, run and ?wait for the result write the store but never read it', async () => {
    const config = defaultConfig();
    config.dataDir = '/tmp/sparkport-unit-dispatch';
    const counted = countingStore(new MemoryStore());
    const listener = new DriverListener({ rows: 10, text_bytes: 4096 });
    const addr = await listener.listen('127.0.0.1', 0);
    const sessions = new SessionManager({
      store: counted.store, clock: new FakeClock(), config, launcher: new FakeLauncher(), listener, bus: new EventBus(),
      driverAddress: `127.0.0.1:${addr.port}`,
    });
    try {
      const rt = sessions.resolve(sessions.create({ kind: 'pyspark' }).id);
      for (let i = 0; i < 400 && rt.record.state !== 'idle'; i++) await new Promise((r) => setTimeout(r, 5));
      assert.equal(rt.record.state, 'idle');
      counted.calls.length = 0;
      const s = sessions.submit(rt, '1 + 1', undefined);
      const done = await sessions.waitForStatement(rt, s.id, 5000);
      assert.equal(done.state, 'available');
      assert.deepEqual(done.output, ok(s.id, 'fake:1 + 1'));
      assert.deepEqual(counted.calls, ['insertStatement', 'updateStatement', 'updateSession', 'updateStatement', 'updateSession']);
      assert.equal(sessions.getStatement(rt, s.id).state, 'available');
      assert.deepEqual(counted.calls.slice(5), ['getStatement'], 'a finished statement is read from the store');
    } finally {
      await sessions.stopAll('test over');
      await listener.close();
    }
  });
});
