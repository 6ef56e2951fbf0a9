/**
 * Shared maps from Scala statements (`shared("states")("ak")`): the same maps Python code and
 * REST use, reached from the JVM through a py4j callback into the Python driver. Values cross as
 * JSON both ways; missing keys and refused values are statement errors, never a broken session;
 * REST keeps answering while a Scala statement is writing (the maps stay in Python).
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { api, run, sharedSession, text } from './helpers.ts';

const scala = (s: number, code: string) => run(s, code, 'spark');

function error(stmt: any): { ename: string; evalue: string } {
  assert.equal(stmt.output?.status, 'error', JSON.stringify(stmt.output));
  return stmt.output;
}

async function waitRunning(s: number, id: number): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if ((await api('GET', `/sessions/${s}/statements/${id}`)).body.state === 'running') return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`statement ${id} never started`);
}

describe('shared maps from Scala', () => {
  let s: number;
  before(async () => {
    s = await sharedSession();
    for (const name of ['sc_states', 'sc_live', 'sc_nothing']) await api('DELETE', `/sessions/${s}/shared/${name}`);
  });

  test('a value PUT over REST is read in Scala, converted from JSON', async () => {
    await api('PUT', `/sessions/${s}/shared/sc_states/ak`, '"Alaska"');
    await api('PUT', `/sessions/${s}/shared/sc_states/ca`, { name: 'California', pop: 39, codes: ['CA'], big: 12345678901234 });
    assert.match(text(await scala(s, 'shared("sc_states")("ak")')), /^res\d+: Any = Alaska\n$/);
    const typed = text(await scala(s, [
      'val ca = shared("sc_states")("ca").asInstanceOf[Map[String, Any]]',
      'ca("pop").asInstanceOf[Long] + 1',
      'ca("big").asInstanceOf[Long]',
      'ca("codes").asInstanceOf[Seq[String]].head',
    ].join('\n')));
    assert.match(typed, /: Long = 40\n.*: Long = 12345678901234\n.*: String = CA\n$/s);
    assert.match(text(await scala(s, 'shared("sc_states").keys.mkString(",") + " " + shared("sc_states").size')), /= ak,ca 2\n$/);
  });

  test('values set in Scala are read over REST and from Python; Seq, Map and case classes become JSON', async () => {
    const out = await scala(s, [
      'case class City(name: String, pop: Long)',
      'shared("sc_states")("hi") = "Hawaii"',
      'shared("sc_states")("list") = Seq(1, 2.5, null, true, "x")',
      'shared("sc_states")("nested") = Map("a" -> Seq(1, 2), "b" -> Map("c" -> None))',
      'shared("sc_states")("city") = City("Juneau", 32000L)',
      'shared("sc_states") ++= Map("wa" -> "Washington", "tx" -> "Texas")',
    ].join('\n'));
    assert.equal(out.output.status, 'ok', JSON.stringify(out.output));
    const got = await api('POST', `/sessions/${s}/shared/sc_states/get`, { keys: ['hi', 'list', 'nested', 'city', 'wa', 'tx'] });
    assert.deepEqual(got.body, {
      values: {
        hi: 'Hawaii',
        list: [1, 2.5, null, true, 'x'],
        nested: { a: [1, 2], b: { c: null } },
        city: { name: 'Juneau', pop: 32000 },
        wa: 'Washington',
        tx: 'Texas',
      },
      missing: [],
    });
    assert.equal(text(await run(s, 'shared["sc_states"]["nested"]["a"], shared["sc_states"]["city"]["pop"]', 'pyspark')), '([1, 2], 32000)');
    // What Scala wrote reaches SQL too: the map's view is rebuilt before the next statement.
    const sql = await run(s, "SELECT value FROM sc_states WHERE key = 'hi'", 'sql');
    assert.deepEqual(sql.output.data['application/json'].data, [['"Hawaii"']]);
  });

  test('arrays and objects round-trip: REST → Scala → REST keeps them equal', async () => {
    const value = { xs: [1, [2, 3], { y: 'z' }], t: true, n: null, f: 1.5, s: 'é\n"q"' };
    await api('PUT', `/sessions/${s}/shared/sc_states/orig`, value);
    assert.equal((await scala(s, 'shared("sc_states")("copy") = shared("sc_states")("orig")')).output.status, 'ok');
    assert.deepEqual((await api('GET', `/sessions/${s}/shared/sc_states/copy`)).body.value, value);
    assert.match(text(await scala(s, 'shared("sc_states")("orig")')), /VectorMap\(xs -> Vector\(1, Vector\(2, 3\), VectorMap\(y -> z\)\), t -> true, n -> null, f -> 1\.5/);
  });

  test('a missing key is an error output, or None with get; remove, names and refused values', async () => {
    const missing = error(await scala(s, 'shared("sc_states")("nope")'));
    assert.equal(missing.ename, 'java.util.NoSuchElementException');
    assert.match(missing.evalue, /key not found: nope \(shared map 'sc_states'\)/);
    assert.match(text(await scala(s, 'shared("sc_states").get("nope")')), /: Option\[Any\] = None\n$/);
    assert.match(text(await scala(s, 'shared("sc_states").get("hi")')), /: Option\[Any\] = Some\(Hawaii\)\n$/);
    assert.match(text(await scala(s, 'shared("sc_states").getOrElse("nope", 0)')), /: Any = 0\n$/);
    // Reading a map that does not exist finds nothing and creates nothing.
    assert.match(text(await scala(s, 'shared("sc_nothing").get("k").isEmpty && shared("sc_nothing").size == 0')), /= true\n$/);
    assert.equal((await api('GET', `/sessions/${s}/shared/sc_nothing`)).status, 404);
    assert.match(text(await scala(s, 'shared("sc_states").remove("tx") -> shared("sc_states").remove("tx")')), /= \(true,false\)\n$/);
    assert.equal((await api('GET', `/sessions/${s}/shared/sc_states/tx`)).status, 404);
    assert.match(text(await scala(s, 'shared.names.contains("sc_states")')), /= true\n$/);

    const badName = error(await scala(s, 'shared("1bad")("k") = 1'));
    assert.equal(badName.ename, 'sparkport.SharedDataException');
    assert.match(badName.evalue, /invalid shared name '1bad'/);
    const notJson = error(await scala(s, 'shared("sc_states")("df") = spark.range(3)'));
    assert.equal(notJson.ename, 'sparkport.ConversionError');
    await run(s, 'shared.publish("sc_ds", spark.range(2))', 'pyspark');
    const wrongKind = error(await scala(s, 'shared("sc_ds").size'));
    assert.match(wrongKind.evalue, /'sc_ds' is a dataset, not a map/);
    assert.match(text(await scala(s, 'shared.drop("sc_ds")')), /= true\n$/);
    // The session and the interpreter carry on.
    assert.match(text(await scala(s, 'shared("sc_states")("hi").toString.length + 1')), /: Int = 7\n$/);
  });

  test('REST answers while a Scala statement writes, and calls from other JVM threads work', async () => {
    const p = await api('POST', `/sessions/${s}/statements`, {
      kind: 'spark',
      code: 'for (i <- 1 to 30) { shared("sc_live")("n") = i; Thread.sleep(100) }\nshared("sc_live")("from_rest")',
    });
    await waitRunning(s, p.body.id);
    const seen: number[] = [];
    for (let i = 0; i < 10; i++) {
      const r = await api('GET', `/sessions/${s}/shared/sc_live/n`);
      if (r.status === 200) seen.push(r.body.value);
      if (i === 5) assert.equal((await api('PUT', `/sessions/${s}/shared/sc_live/from_rest`, '"hello"')).status, 200);
      await new Promise((r) => setTimeout(r, 150));
    }
    assert.ok(seen.length >= 5 && seen.at(-1)! > seen[0]!, `REST saw the statement's writes as they happened: ${seen}`);
    const done = await api('GET', `/sessions/${s}/statements/${p.body.id}?wait=60`);
    assert.match(text(done.body), /: Any = hello\n$/);
    // A Future's thread is not pinned to a Python thread: its calls go through py4j's callback server.
    const fut = await scala(s, [
      // The pool is passed explicitly: the shared session's interpreter may hold other implicits.
      'val fromPool = scala.concurrent.Future { shared("sc_live")("fut") = 42; shared("sc_live")("n") }(scala.concurrent.ExecutionContext.global)',
      'scala.concurrent.Await.result(fromPool, scala.concurrent.duration.Duration(30, "s"))',
    ].join('\n'));
    assert.match(text(fut), /: Any = 30\n$/);
    assert.equal((await api('GET', `/sessions/${s}/shared/sc_live/fut`)).body.value, 42);
  });

  test('cancelling a Scala statement that uses shared maps leaves them and the session working', async () => {
    const p = await api('POST', `/sessions/${s}/statements`, {
      kind: 'spark',
      code: 'while (true) { shared("sc_live")("spin") = System.nanoTime(); Thread.sleep(20) }',
    });
    await waitRunning(s, p.body.id);
    await new Promise((r) => setTimeout(r, 500));
    await api('POST', `/sessions/${s}/statements/${p.body.id}/cancel`);
    assert.equal((await api('GET', `/sessions/${s}/statements/${p.body.id}?wait=30`)).body.state, 'cancelled');
    assert.equal((await api('GET', `/sessions/${s}/shared/sc_live/from_rest`)).body.value, 'hello');
    assert.match(text(await scala(s, 'shared("sc_live")("n")')), /: Any = 30\n$/);
    assert.equal(text(await run(s, 'shared["sc_live"]["fut"]', 'pyspark')), '42');
  });
});
