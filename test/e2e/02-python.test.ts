/**
 * PySpark statements on real Spark: Livy's output semantics, magics, errors that never break
 * the session, and results cut at the limit with the cut marked.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { api, run, sharedSession, text } from './helpers.ts';

describe('pyspark statements', () => {
  let s: number;
  before(async () => { s = await sharedSession(); });

  test('spark, sc and sqlContext are bound; RDD jobs run', async () => {
    assert.match(text(await run(s, 'spark')), /pyspark\.sql\.session\.SparkSession/);
    assert.match(text(await run(s, 'sc.version')), /^'4\./);
    assert.equal(text(await run(s, 'sc.parallelize(range(100)).map(lambda x: x * 2).reduce(lambda a, b: a + b)')), '9900');
    assert.equal(text(await run(s, 'sqlContext is not None')), 'True');
  });

  test('state persists; prints and the last value come back in order; stderr after stdout', async () => {
    assert.equal(text(await run(s, 'x = 21')), '');
    assert.equal(text(await run(s, 'print("a")\nimport sys\nsys.stderr.write("e\\n")\nprint("b")\nx * 2')), 'a\nb\n42\ne');
    assert.equal(text(await run(s, 'def f():\n    return 1\nf()\nf() + 1')), '2');
    assert.equal(text(await run(s, 'print(1)\r\nprint(1)')), '1\n1');
    assert.equal(text(await run(s, 'import os')), '');
  });

  test('exceptions and syntax errors are error output; the session stays usable', async () => {
    const ne = await run(s, 'abcde');
    assert.equal(ne.state, 'available');
    assert.equal(ne.output.status, 'error');
    assert.equal(ne.output.ename, 'NameError');
    assert.equal(ne.output.evalue, "name 'abcde' is not defined");
    assert.equal(ne.output.execution_count, ne.id);
    assert.ok(Array.isArray(ne.output.traceback) && ne.output.traceback.length > 0);
    const ke = await run(s, "raise KeyError('foo')");
    assert.equal(ke.output.ename, 'KeyError');
    assert.equal(ke.output.evalue, "'foo'");
    const se = await run(s, 'def broken(:\n  pass');
    assert.equal(se.output.ename, 'SyntaxError');
    const spark = await run(s, 'spark.sql("select * from no_such_table").collect()');
    assert.equal(spark.output.status, 'error');
    assert.match(spark.output.evalue, /no_such_table|TABLE_OR_VIEW_NOT_FOUND/);
    assert.equal(text(await run(s, 'x')), '21');
  });

  test('%table gives Livy\'s table shape with its type names', async () => {
    const t = await run(s, 'from pyspark.sql import Row\nrows = [Row(id=1, name="a", score=1.5), Row(id=2, name="b", score=2.5)]\n%table rows');
    assert.deepEqual(t.output.data['application/vnd.livy.table.v1+json'], {
      headers: [{ name: 'id', type: 'INT_TYPE' }, { name: 'name', type: 'STRING_TYPE' }, { name: 'score', type: 'DOUBLE_TYPE' }],
      data: [[1, 'a', 1.5], [2, 'b', 2.5]],
    });
    const df = await run(s, '%table spark.createDataFrame([(1, "x")], ["n", "s"])');
    const table = df.output.data['application/vnd.livy.table.v1+json'];
    assert.deepEqual(table.headers.map((h: { name: string }) => h.name), ['n', 's']);
    assert.deepEqual(table.data, [[1, 'x']]);
    const mixed = await run(s, '%table [[1], ["a"]]');
    assert.equal(mixed.output.status, 'error');
    assert.match(mixed.output.evalue, /different types/);
  });

  test('%json of a DataFrame gives its rows; bad values and missing names are errors, not crashes', async () => {
    const j = await run(s, '%json spark.range(3).toDF("n")');
    assert.deepEqual(j.output.data['application/json'], [{ n: 0 }, { n: 1 }, { n: 2 }]);
    const missing = await run(s, '%json nothing_here');
    assert.equal(missing.output.status, 'error');
    assert.equal(missing.output.ename, 'NameError');
    const bad = await run(s, '%json object()');
    assert.equal(bad.output.status, 'error');
    const unknown = await run(s, '%nope x');
    assert.equal(unknown.output.ename, 'UnknownMagic');
    assert.equal(text(await run(s, '1 + 1')), '2', 'the session survived every bad magic');
  });

  test('%matplot returns a PNG', async () => {
    const p = await run(s, 'import matplotlib\nmatplotlib.use("Agg")\nimport matplotlib.pyplot as plt\nplt.plot([1, 2, 3])\n%matplot plt');
    assert.equal(p.output.status, 'ok', JSON.stringify(p.output));
    const png = Buffer.from(p.output.data['image/png'], 'base64');
    assert.equal(png.subarray(1, 4).toString(), 'PNG');
  });

  test('large results are cut at the limit and say so', async () => {
    const rows = await run(s, '%json spark.range(5000)');
    assert.equal(rows.output.data['application/json'].length, 1000);
    assert.equal(rows.output.truncated, true);
    const big = await run(s, 'print("x" * (2 * 1024 * 1024))');
    assert.equal(big.output.truncated, true);
    assert.ok(big.output.data['text/plain'].length <= 1024 * 1024);
    const small = await run(s, '%json spark.range(3)');
    assert.equal(small.output.truncated, undefined);
  });

  test('completion answers candidates for Python', async () => {
    const r = await api('POST', `/sessions/${s}/completion`, { code: 'spark.rea', kind: 'pyspark', cursor: 9 });
    assert.equal(r.status, 200);
    assert.ok(r.body.candidates.includes('read'), JSON.stringify(r.body));
  });
});
