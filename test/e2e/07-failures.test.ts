/**
 * Failures stay contained: a driver that can't start ends its own session (error, then dead,
 * with the reason in the log) and nothing else; a shared session demands a kind per statement.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { api, run, sharedSession, text, waitForState } from './helpers.ts';

describe('failures and shared sessions', () => {
  test('too little driver memory: the session ends dead with the reason, its waiting statement errors', async () => {
    const r = await api('POST', '/sessions', { kind: 'pyspark', driverMemory: '16m' });
    assert.equal(r.status, 201);
    const st = await api('POST', `/sessions/${r.body.id}/statements`, { code: '1 + 1' });
    assert.equal(st.status, 201, 'statements are accepted while the session starts');
    const seen = new Set<string>();
    const end = Date.now() + 120_000;
    let sess;
    do {
      sess = (await api('GET', `/sessions/${r.body.id}`)).body;
      seen.add(sess.state);
      await new Promise((res) => setTimeout(res, 50));
    } while (sess.state !== 'dead' && Date.now() < end);
    assert.equal(sess.state, 'dead');
    const log = (await api('GET', `/sessions/${r.body.id}/log?size=-1`)).body.log.join('\n');
    assert.match(log, /memory|heap/i);
    const stmt = (await api('GET', `/sessions/${r.body.id}/statements/${st.body.id}`)).body;
    assert.equal(stmt.state, 'available');
    assert.equal(stmt.output.status, 'error');
    assert.match(stmt.output.evalue, /failed to start/);
    const list = await api('GET', `/sessions/${r.body.id}/statements`);
    assert.equal(list.status, 200, 'listing statements of a session that never started answers at once');
    const late = await api('POST', `/sessions/${r.body.id}/statements`, { code: '1' });
    assert.equal(late.status, 409);
    assert.match(late.body.msg, /dead/);
    // The shared e2e session is unaffected.
    assert.equal(text(await run(await sharedSession(), '3 * 3')), '9');
    assert.equal((await api('DELETE', `/sessions/${r.body.id}`)).status, 200);
  });

  test('a shared session (no kind) runs pyspark and sql statements by their kind, and refuses none', async () => {
    const r = await api('POST', '/sessions', {});
    assert.equal(r.body.kind, 'shared');
    const noKind = await api('POST', `/sessions/${r.body.id}/statements`, { code: '1 + 1' });
    assert.equal(noKind.status, 400);
    assert.match(noKind.body.msg, /kind/);
    await waitForState(r.body.id, ['idle']);
    assert.equal(text(await run(r.body.id, 'spark.range(5).createOrReplaceTempView("five")\n5', 'pyspark')), '5');
    const sql = await run(r.body.id, 'SELECT count(*) AS n FROM five', 'sql');
    assert.deepEqual(sql.output.data['application/json'].data, [[5]]);
    const del = await api('DELETE', `/sessions/${r.body.id}`);
    assert.deepEqual(del.body, { msg: 'deleted' });
    assert.equal((await api('GET', `/sessions/${r.body.id}`)).status, 404);
  });

  test('a statement whose code makes the driver send an output nested 100,000 deep fails; the server and session carry on', async () => {
    // Statements run inside the driver, so they can rewrite what it sends: this one swaps its own
    // reply's output for 100,000 nested arrays (and puts the driver back as it was). Parsing that
    // is fine; storing it overflowed the stack and took the whole server down.
    const session = await sharedSession();
    const stmt = await run(session, [
      'import sparkport_driver.protocol as p',
      '_plain = p.execute_result',
      'def _deep(output, cancelled):',
      '    p.execute_result = _plain',
      '    r = _plain(output, cancelled)',
      "    r['output']['data'] = {'application/json': p.RawJson('[' * 100000 + ']' * 100000)}",
      '    return r',
      'p.execute_result = _deep',
    ].join('\n'));
    assert.equal(stmt.output.status, 'error', JSON.stringify(stmt.output).slice(0, 300));
    assert.match(stmt.output.evalue, /nested more than 512 levels deep/);
    assert.equal((await api('GET', '/version')).status, 200);
    const again = await api('GET', `/sessions/${session}/statements/${stmt.id}`);
    assert.equal(again.body.output.status, 'error');
    assert.equal(text(await run(session, '6 * 7')), '42');
  });
});
