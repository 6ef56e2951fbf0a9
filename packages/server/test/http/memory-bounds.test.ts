/**
 * What one client can make the server hold is bounded: an event stream whose client does not
 * read has its output events dropped past limits.eventStreamBufferBytes (and is told how many
 * once it reads again), and a statement list is cut into pages by limits.statementListBytes.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, test } from 'node:test';
import { harnessPerTest, type Harness } from '../support/harness.ts';


/** The events of an SSE text, in order. */
function events(text: string): { event: string; data: unknown }[] {
  const body = text.slice(text.indexOf('\r\n\r\n') + 4);
  return body.split('\n\n').flatMap((block) => {
    const ev = /^event: (.*)$/m.exec(block)?.[1];
    const data = /^data: (.*)$/m.exec(block)?.[1];
    return ev && data !== undefined ? [{ event: ev, data: JSON.parse(data) as unknown }] : [];
  });
}

describe('memory bounds', () => {
  const { harness, idleSession } = harnessPerTest();

  test('an event stream that is not read drops output past limits.eventStreamBufferBytes, then says how much it missed', async () => {
    const LIMIT = 64 * 1024;
    const hh = await harness((c) => { c.limits.eventStreamBufferBytes = LIMIT; });
    await hh.app.listen({ port: 0, host: '127.0.0.1' });
    const serverSockets: net.Socket[] = [];
    hh.app.server.on('connection', (s: net.Socket) => serverSockets.push(s));
    const port = (hh.app.server.address() as net.AddressInfo).port;
    const id = await idleSession(hh);
    const sid = (await hh.json('POST', `/sessions/${id}/statements`, { code: 'sleep:60000' })).body.id as number;

    const client = net.connect(port, '127.0.0.1');
    let text = '';
    client.setEncoding('utf8');
    client.on('data', (c: string) => { text += c; });
    client.write(`GET /sessions/${id}/statements/${sid}/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    await hh.waitFor(() => text.includes('event: statement'), 'the first event');
    client.pause();

    // What a statement printing 32 MB would put on the bus, while its client reads nothing.
    const line = `${'x'.repeat(16 * 1024)}\n`;
    const N = 2000;
    let worst = 0;
    for (let i = 0; i < N; i++) {
      hh.bus.emitStatement(id, sid, { event: 'output', data: { stream: 'stdout', text: line } });
      worst = Math.max(worst, ...serverSockets.map((s) => s.writableLength));
      if (i % 50 === 0) await new Promise((r) => setImmediate(r));
    }
    assert.ok(worst < LIMIT + 2 * line.length + 1024, `the server held at most ${worst} unread bytes for the client`);
    const m = await hh.app.inject({ method: 'GET', url: '/metrics' });
    const dropped = Number(/^sparkport_event_stream_dropped_events_total (\d+)$/m.exec(m.body)?.[1]);
    assert.ok(dropped > N / 2, `${dropped} events dropped`);

    client.resume();
    await hh.waitFor(() => text.includes('event: dropped'), 'the dropped event', 10_000);
    hh.bus.emitStatement(id, sid, { event: 'output', data: { stream: 'stdout', text: 'after\n' } });
    await hh.json('POST', `/sessions/${id}/statements/${sid}/cancel`);
    await hh.waitFor(() => text.includes('event: done'), 'done');
    client.destroy();

    const evs = events(text);
    const outputs = evs.filter((e) => e.event === 'output');
    // One marker each time the client had caught up after a gap (the kernel's buffers took some in between).
    const markers = evs.filter((e) => e.event === 'dropped').map((e) => e.data as { events: number; bytes: number });
    const missed = markers.reduce((n, m) => n + m.events, 0);
    assert.equal(missed, dropped);
    assert.ok(markers.reduce((n, m) => n + m.bytes, 0) >= dropped * line.length);
    assert.equal(outputs.length + missed, N + 1, 'every event was either sent or counted as dropped');
    assert.deepEqual(outputs.at(-1)!.data, { stream: 'stdout', text: 'after\n' }, 'the stream goes on after the marker');
    assert.ok(evs.findIndex((e) => e.event === 'dropped') < evs.findIndex((e) => (e.data as { text?: string }).text === 'after\n'));
    assert.equal(evs.at(-1)!.event, 'done');
  });

  test('a statement list is paged by limits.statementListBytes: `next` continues it, and every statement comes exactly once', async () => {
    const hh = await harness((c) => { c.limits.statementListBytes = 50_000; });
    const id = await idleSession(hh);
    for (let i = 0; i < 5; i++) {
      const r = await hh.json('POST', `/sessions/${id}/statements?wait=5`, { code: `print:${String(i).repeat(20_000)}` });
      assert.equal(r.body.state, 'available');
    }
    for (const order of ['asc', 'desc']) {
      const seen: number[] = [];
      let from: number | undefined = 0;
      let pages = 0;
      while (from !== undefined) {
        const r = await hh.json('GET', `/sessions/${id}/statements?from=${from}&order=${order}`);
        assert.equal(r.status, 200);
        assert.equal(r.body.total_statements, 5);
        assert.ok(r.body.statements.length >= 1);
        seen.push(...r.body.statements.map((s: { id: number }) => s.id));
        from = r.body.next;
        pages++;
      }
      assert.ok(pages > 1, `${pages} pages`);
      assert.deepEqual(seen, order === 'asc' ? [0, 1, 2, 3, 4] : [4, 3, 2, 1, 0]);
    }
    const sized = await hh.json('GET', `/sessions/${id}/statements?from=1&size=1`);
    assert.deepEqual([sized.body.statements.map((s: { id: number }) => s.id), sized.body.next], [[1], undefined], 'one asked, one given, no next');
  });

  test('a history within limits.statementListBytes comes whole, as in Livy, with no `next`', async () => {
    const hh = await harness(() => undefined);
    const id = await idleSession(hh);
    for (let i = 0; i < 4; i++) await hh.json('POST', `/sessions/${id}/statements?wait=5`, { code: `${i}` });
    const r = await hh.json('GET', `/sessions/${id}/statements`);
    assert.deepEqual(Object.keys(r.body).sort(), ['statements', 'total_statements']);
    assert.equal(r.body.statements.length, 4);
  });
});
