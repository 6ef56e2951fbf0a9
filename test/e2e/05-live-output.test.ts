/**
 * Live output: what a statement prints reaches an SSE client line by line while it runs,
 * not at the end; the session stream pushes state changes.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { BASE, api, run, sharedSession } from './helpers.ts';
import { readSse, type SseEvent } from './sse-client.ts';

describe('live output over SSE', () => {
  let s: number;
  before(async () => { s = await sharedSession(); });

  test('printed lines arrive as they are printed, then the final statement', async () => {
    const p = await api('POST', `/sessions/${s}/statements`, {
      code: 'import time\nfor i in range(3):\n    print("line", i, flush=True)\n    time.sleep(0.7)\n"end"',
    });
    const events: SseEvent[] = [];
    for await (const ev of readSse(`${BASE}/sessions/${s}/statements/${p.body.id}/events`)) events.push(ev);
    const outputs = events.filter((e) => e.event === 'output');
    // The last expression's value is printed as in a REPL, so the stream matches text/plain.
    assert.deepEqual(outputs.map((e) => e.data.text), ['line 0\n', 'line 1\n', 'line 2\n', "'end'\n"]);
    assert.ok(outputs.every((e) => e.data.stream === 'stdout'));
    const done = events.at(-1)!;
    assert.equal(done.event, 'done');
    assert.equal(done.data.state, 'available');
    assert.equal(done.data.output.data['text/plain'], "line 0\nline 1\nline 2\n'end'");
    // Line 0 is printed about 2 s before the statement ends: it must not wait for the end.
    assert.ok(done.at - outputs[0]!.at > 1000, `first line arrived only ${done.at - outputs[0]!.at} ms before the end`);
  });

  test('a finished statement\'s stream gives the statement and done at once', async () => {
    const st = await run(s, '40 + 2');
    const events: SseEvent[] = [];
    for await (const ev of readSse(`${BASE}/sessions/${s}/statements/${st.id}/events`)) events.push(ev);
    assert.deepEqual(events.map((e) => e.event), ['statement', 'done']);
    assert.equal(events[1]!.data.output.data['text/plain'], '42');
  });

  test('the session stream pushes busy and idle', async () => {
    const ac = new AbortController();
    const seen: string[] = [];
    const reading = (async () => {
      try {
        for await (const ev of readSse(`${BASE}/sessions/${s}/events`, ac.signal)) {
          if (ev.event === 'session') seen.push(ev.data.state);
          if (seen.includes('busy') && seen.at(-1) === 'idle') break;
        }
      } catch (e) {
        if ((e as Error).name !== 'AbortError') throw e;
      }
    })();
    await new Promise((r) => setTimeout(r, 200));
    await run(s, 'import time\ntime.sleep(0.3)');
    const timer = setTimeout(() => ac.abort(), 10_000);
    await reading;
    clearTimeout(timer);
    assert.equal(seen[0], 'idle');
    assert.ok(seen.includes('busy'), JSON.stringify(seen));
    assert.equal(seen.at(-1), 'idle');
  });
});
