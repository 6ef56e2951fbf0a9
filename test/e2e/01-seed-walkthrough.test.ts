/**
 * The story our first users told (shared/seed/README.md), step by step, with curl's requests:
 * a server on a port, sessions by id, a shared context, a ShareableRdd read over REST, %json.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SHAREABLE_RDD_CLASS } from '../fixtures/shareable-rdd.ts';
import { api, run, text, waitForState } from './helpers.ts';

const SHAREABLE_RDD = `${SHAREABLE_RDD_CLASS}

srdd = ShareableRdd()
srdd.set('ak', 'Alaska')
srdd.set('ca', 'California')
srdd.get('ak')`;

describe('seed walkthrough', () => {
  test('a fresh server: session 0 runs 1 + 1 and shares a ShareableRdd with every client', async () => {
    const created = await api('POST', '/sessions', { kind: 'pyspark', name: 'e2e' });
    assert.equal(created.status, 201);
    assert.equal(created.body.id, 0, 'the first session of a fresh server is 0, as in the walkthrough');
    await waitForState(0, ['idle']);

    // Step 2: client 1 posts 1 + 1 exactly as curl does, then reads the statement back.
    const post = await api('POST', '/sessions/0/statements', '{"code":"1 + 1"}');
    assert.equal(post.status, 201);
    assert.ok('id' in post.body && 'state' in post.body && 'output' in post.body);
    const got = await api('GET', `/sessions/0/statements/${post.body.id}?wait=60`);
    assert.equal(got.body.state, 'available');
    assert.equal(got.body.output.data['text/plain'], '2');

    // Step 4: one user defines the ShareableRdd; the last line's value is echoed.
    const def = await run(0, SHAREABLE_RDD);
    assert.equal(text(def), "[['ak', 'Alaska']]");

    // Everyone else reads it over REST, polling as the walkthrough's curl user does.
    const q = await api('POST', '/sessions/0/statements', { code: 'srdd.get("ak")' });
    assert.equal(q.status, 201);
    let st = q.body;
    while (st.state === 'waiting' || st.state === 'running') {
      await new Promise((r) => setTimeout(r, 100));
      st = (await api('GET', `/sessions/0/statements/${q.body.id}`)).body;
    }
    assert.deepEqual(st.output, { status: 'ok', execution_count: q.body.id, data: { 'text/plain': "[['ak', 'Alaska']]" } });

    // Step 5: %json of a name, and (unlike Livy) of any expression.
    const byName = await run(0, 'data = srdd.get("ak")\n%json data');
    assert.deepEqual(byName.output.data, { 'application/json': [['ak', 'Alaska']] });
    const byExpr = await run(0, '%json srdd.get("ak")');
    assert.deepEqual(byExpr.output.data, { 'application/json': [['ak', 'Alaska']] });

    // Step 3: three clients at once on the same session see the same context and RDD.
    const clients = await Promise.all(['ak', 'ca', 'ak'].map((k) => run(0, `srdd.get("${k}")`)));
    assert.deepEqual(clients.map(text), ["[['ak', 'Alaska']]", "[['ca', 'California']]", "[['ak', 'Alaska']]"]);
    const set = await run(0, "srdd.set('hi', 'Hawaii')");
    assert.equal(set.output.status, 'ok');
    assert.equal(text(await run(0, 'srdd.get("hi")')), "[['hi', 'Hawaii']]");
  });
});
