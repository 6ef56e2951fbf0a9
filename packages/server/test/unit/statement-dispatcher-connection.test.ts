/**
 * The statement dispatcher on a real driver connection (loopback TCP): output reaching the
 * statement its request belongs to, with a completion in flight beside it and a straggler
 * arriving after the next statement has started.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, test } from 'node:test';
import type { StatementBusEvent } from '../../src/domain/event-bus.ts';
import { DriverConnection } from '../../src/driver/connection.ts';
import { ok, world } from '../support/dispatcher-world.ts';
import { Sequencer } from '../support/raw-driver.ts';

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
  const seqs = new Sequencer();
  const send = (msg: object) => sock.write(`${JSON.stringify(seqs.number(msg))}\n`);
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
