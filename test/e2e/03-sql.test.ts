/**
 * kind: sql statements share the session's SparkSession with Python, in Livy's output shape.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { run, sharedSession } from './helpers.ts';

describe('sql statements', () => {
  let s: number;
  before(async () => { s = await sharedSession(); });

  test('a view made in Python is queried in SQL; schema and rows come back as Livy does', async () => {
    await run(s, 'spark.createDataFrame([(1, "ak", "Alaska"), (2, "ca", "California")], ["id", "code", "name"]).createOrReplaceTempView("states")');
    const r = await run(s, 'SELECT id, code, name, DATE\'2024-01-02\' AS d FROM states ORDER BY id', 'sql');
    const json = r.output.data['application/json'];
    assert.deepEqual(json.schema.fields.map((f: { name: string }) => f.name), ['id', 'code', 'name', 'd']);
    assert.equal(json.schema.type, 'struct');
    assert.deepEqual(json.data, [[1, 'ak', 'Alaska', '2024-01-02'], [2, 'ca', 'California', '2024-01-02']]);
    assert.equal(r.output.truncated, undefined);
  });

  test('more rows than the limit are cut at 1000 and marked', async () => {
    const r = await run(s, 'SELECT * FROM range(2500)', 'sql');
    assert.equal(r.output.data['application/json'].data.length, 1000);
    assert.equal(r.output.truncated, true);
  });

  test('bad SQL is an error output', async () => {
    const r = await run(s, 'SELEC nonsense', 'sql');
    assert.equal(r.state, 'available');
    assert.equal(r.output.status, 'error');
    assert.match(r.output.evalue, /syntax|PARSE/i);
  });
});
