/**
 * Many clients, one session: what one caches, another queries a moment later.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { run, sharedSession, text } from './helpers.ts';

describe('sharing a session between clients', () => {
  let s: number;
  before(async () => { s = await sharedSession(); });

  test('a DataFrame cached by one client is queried by others, in Python and SQL', async () => {
    await run(s, 'people = spark.createDataFrame([("ann", 31), ("bob", 42)], ["name", "age"]).cache()\npeople.count()\npeople.createOrReplaceTempView("people")');
    const [py, sql] = await Promise.all([
      run(s, 'people.filter("age > 40").collect()[0].name'),
      run(s, 'SELECT name FROM people WHERE age < 40', 'sql'),
    ]);
    assert.equal(text(py), "'bob'");
    assert.deepEqual(sql.output.data['application/json'].data, [['ann']]);
    assert.equal(text(await run(s, 'people.is_cached')), 'True');
  });

  test('concurrent writers each get their own statement, in arrival order', async () => {
    await run(s, 'counter = []');
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => run(s, `counter.append(${i})\nlen(counter)`)));
    const lens = results.map((r) => Number(text(r))).sort((a, b) => a - b);
    assert.deepEqual(lens, [1, 2, 3, 4, 5, 6, 7, 8]);
    const ids = results.map((r) => r.id);
    assert.equal(new Set(ids).size, 8);
  });
});
