/**
 * Cancel stops Spark jobs and pure Python alike, and the session keeps its variables;
 * progress comes from the statement's own Spark tasks.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { api, run, sharedSession, text } from './helpers.ts';

async function waitRunning(s: number, id: number): Promise<any> {
  for (let i = 0; i < 200; i++) {
    const st = (await api('GET', `/sessions/${s}/statements/${id}`)).body;
    if (st.state === 'running') return st;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('statement never started');
}

describe('cancel and progress', () => {
  let s: number;
  before(async () => {
    s = await sharedSession();
    await run(s, 'keep_me = "still here"');
  });

  test('cancel stops pure Python (while True: pass)', async () => {
    const p = await api('POST', `/sessions/${s}/statements`, { code: 'while True:\n    pass' });
    await waitRunning(s, p.body.id);
    const c = await api('POST', `/sessions/${s}/statements/${p.body.id}/cancel`);
    assert.equal(c.status, 200);
    assert.deepEqual(c.body, { msg: 'canceled' });
    const done = await api('GET', `/sessions/${s}/statements/${p.body.id}?wait=30`);
    assert.equal(done.body.state, 'cancelled');
    assert.equal(text(await run(s, 'keep_me')), "'still here'");
  });

  test('cancel stops a running Spark job, and progress moves while it runs', async () => {
    const p = await api('POST', `/sessions/${s}/statements`, {
      code: 'import time\nsc.parallelize(range(40), 40).map(lambda x: time.sleep(0.5) or x).count()',
    });
    await waitRunning(s, p.body.id);
    let progress = 0;
    for (let i = 0; i < 100 && progress === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      progress = (await api('GET', `/sessions/${s}/statements/${p.body.id}`)).body.progress;
    }
    assert.ok(progress > 0 && progress < 1, `progress ${progress} should be between 0 and 1 mid-job`);
    await api('POST', `/sessions/${s}/statements/${p.body.id}/cancel`);
    const done = await api('GET', `/sessions/${s}/statements/${p.body.id}?wait=30`);
    assert.equal(done.body.state, 'cancelled');
    assert.equal(done.body.progress, 1);
    assert.equal(text(await run(s, 'sc.parallelize(range(10)).count()')), '10');
    assert.equal(text(await run(s, 'keep_me')), "'still here'");
  });

  test('a waiting statement is cancelled before it runs', async () => {
    const a = await api('POST', `/sessions/${s}/statements`, { code: 'import time\ntime.sleep(2)' });
    const b = await api('POST', `/sessions/${s}/statements`, { code: 'ran_b = True' });
    assert.equal(b.body.state, 'waiting');
    await api('POST', `/sessions/${s}/statements/${b.body.id}/cancel`);
    await api('GET', `/sessions/${s}/statements/${a.body.id}?wait=30`);
    const bb = (await api('GET', `/sessions/${s}/statements/${b.body.id}`)).body;
    assert.equal(bb.state, 'cancelled');
    assert.equal(text(await run(s, "'ran_b' in globals()")), 'False');
  });
});
