/**
 * Structured Streaming in an interactive session: a query started by one statement keeps
 * running in the driver while later statements, from any client, read its progress and its
 * in-memory sink. No server code is streaming-specific; this checks that nothing (statement
 * dispatch, interrupts, output capture) gets in a long-running query's way.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SparkportClient } from '../../packages/client/src/index.ts';
import { BASE, run, sharedSession, text } from './helpers.ts';

const SINK = 'e2e_rate_sink';
const Q = 'e2e_stream_q';

describe('a streaming query in a session', () => {
  let s: number;
  /** A second client, as another user's notebook would be: the query isn't tied to who started it. */
  const other = new SparkportClient(BASE);
  const otherText = async (code: string) => {
    const st = await other.run(s, code, undefined, 120_000);
    assert.equal(st.output?.status, 'ok', JSON.stringify(st.output));
    return (st.output as { data: Record<string, string> }).data['text/plain']!;
  };

  before(async () => { s = await sharedSession(); });
  after(async () => {
    // Never leave a query running in the shared session, whatever happened above.
    if (s !== undefined) await run(s, `for _q in spark.streams.active:\n    if _q.name == "${SINK}":\n        _q.stop()`);
  });

  test('started by one statement, it runs on while later statements read progress, status and the sink', async () => {
    const start = await run(s, [
      `for _q in spark.streams.active:`,
      `    if _q.name == "${SINK}":`,
      `        _q.stop()`,
      `${Q} = (spark.readStream.format("rate").option("rowsPerSecond", 20).load()`,
      `    .writeStream.format("memory").queryName("${SINK}").outputMode("append")`,
      `    .trigger(processingTime="500 milliseconds").start())`,
      `${Q}.isActive`,
    ].join('\n'));
    assert.equal(text(start), 'True');

    // Progress, read by the other client while the query runs.
    let batchId = -1;
    const end = Date.now() + 90_000;
    while (batchId < 2) {
      assert.ok(Date.now() < end, `the query made no progress: last batchId ${batchId}`);
      const p = JSON.parse(await otherText(`import json\n_p = ${Q}.lastProgress\nprint(json.dumps({"batchId": _p["batchId"] if _p else -1, "rows": _p["numInputRows"] if _p else 0, "name": _p["name"] if _p else None}))`));
      batchId = p.batchId;
      if (batchId >= 0) assert.equal(p.name, SINK);
      if (batchId < 2) await new Promise((r) => setTimeout(r, 500));
    }

    const status = JSON.parse(text(await run(s, `import json\nprint(json.dumps(${Q}.status))`)));
    assert.equal(typeof status.message, 'string');
    assert.equal(typeof status.isTriggerActive, 'boolean');
    assert.equal(text(await run(s, `${Q}.isActive and any(x.name == "${SINK}" for x in spark.streams.active)`)), 'True');

    // The sink keeps filling between statements: the query is not paused while none runs.
    const count = async (c: (code: string) => Promise<string>) => Number(await c(`spark.sql("select count(*) from ${SINK}").collect()[0][0]`));
    const first = await count(async (code) => text(await run(s, code)));
    assert.ok(first > 0, `the sink has rows (${first})`);
    await new Promise((r) => setTimeout(r, 2500));
    const second = await count(otherText);
    assert.ok(second > first, `the sink grew between statements: ${first} → ${second}`);

    // Ordinary statements run meanwhile, in between micro-batches.
    assert.equal(text(await run(s, 'sum(range(10))')), '45');
    assert.equal(text(await run(s, `spark.sql("select max(value) >= 0 from ${SINK}").collect()[0][0]`)), 'True');

    const stopped = await run(s, `${Q}.stop()\n${Q}.isActive`);
    assert.equal(text(stopped), 'False');
    assert.equal(text(await run(s, `any(x.name == "${SINK}" for x in spark.streams.active)`)), 'False');
    // The memory sink stays readable after the query stopped.
    assert.ok(Number(text(await run(s, `spark.sql("select count(*) from ${SINK}").collect()[0][0]`))) >= second);
  });
});
