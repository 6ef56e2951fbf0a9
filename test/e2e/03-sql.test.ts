/**
 * kind: sql statements share the session's SparkSession with Python, in Livy's output shape.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { api, run, sharedSession } from './helpers.ts';

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

  test('typed and nested values: maps keep their order, decimals and times as Python writes them', async () => {
    const r = await run(s, [
      "SELECT map('z',1,'a',2,'m',3,'b',4,'y',5,'c',6) AS m, named_struct('x', 1, 'y', array(1.5D, double('NaN'))) AS st,",
      "CAST(1.10 AS DECIMAL(10,2)) AS dec, CAST(3 AS DECIMAL(10,2)) AS whole, TIMESTAMP_NTZ'2024-01-01 10:00:00.5' AS ts,",
      "X'0102ff' AS bin, CAST(NULL AS INT) AS n",
    ].join(' '), 'sql');
    const [row] = r.output.data['application/json'].data;
    assert.deepEqual(row, [
      { z: 1, a: 2, m: 3, b: 4, y: 5, c: 6 }, { x: 1, y: [1.5, 'NaN'] }, 1.1, 3, '2024-01-01T10:00:00.500000', 'AQL/', null,
    ]);
    assert.deepEqual(Object.keys(row[0] as object), ['z', 'a', 'm', 'b', 'y', 'c'], 'the map\'s entries in Spark\'s order');
  });

  test('a SQL statement is a query in the Spark UI\'s SQL tab, as collect() would be', async () => {
    const session = (await api('GET', `/sessions/${s}`)).body;
    const sqlTab = `${session.appInfo.sparkUiUrl}/api/v1/applications/${session.appId}/sql`;
    const before = (await (await fetch(sqlTab)).json()) as { id: number }[];
    await run(s, 'SELECT id % 7 AS k, count(*) AS c FROM range(1000) GROUP BY id % 7 ORDER BY k', 'sql');
    // Spark's UI learns of the query's end from its listener bus, a moment after the answer.
    let after: { id: number; status: string }[] = [];
    for (let i = 0; i < 50; i++) {
      after = (await (await fetch(sqlTab)).json()) as { id: number; status: string }[];
      if (after.length > before.length && after.at(-1)!.status !== 'RUNNING') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(after.length > before.length, `the SQL tab lists ${after.length} queries, as before`);
    assert.equal(after.at(-1)!.status, 'COMPLETED');
  });

  test('bad SQL is an error output', async () => {
    const r = await run(s, 'SELEC nonsense', 'sql');
    assert.equal(r.state, 'available');
    assert.equal(r.output.status, 'error');
    assert.match(r.output.evalue, /syntax|PARSE/i);
  });
});
