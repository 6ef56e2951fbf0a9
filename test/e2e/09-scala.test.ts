/**
 * kind spark: Scala in the same SparkContext and SparkSession as Python and SQL, Livy's echo and
 * error outputs, closures and case classes on executors, magics, completion and cancel. The
 * interpreter starts inside the driver only when the first Scala statement arrives.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { BASE, api, run, text, waitForState } from './helpers.ts';
import { readSse, type SseEvent } from './sse-client.ts';

const NAME = 'e2e-scala';

async function driverLog(s: number): Promise<string> {
  return (await api('GET', `/sessions/${s}/log?size=-1`)).body.log.join('\n');
}

/** The driver's log once it shows `line`: the server reads the log file as it grows, a moment behind. */
async function driverLogWith(s: number, line: RegExp): Promise<string> {
  let log = '';
  for (let i = 0; i < 50 && !line.test(log); i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, 100));
    log = await driverLog(s);
  }
  return log;
}

async function waitRunning(s: number, id: number): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if ((await api('GET', `/sessions/${s}/statements/${id}`)).body.state === 'running') return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`statement ${id} never started`);
}

function error(stmt: any): { ename: string; evalue: string; traceback: string[] } {
  assert.equal(stmt.output?.status, 'error', JSON.stringify(stmt.output));
  return stmt.output;
}

describe('scala statements', () => {
  let s: number;
  before(async () => {
    const old = await api('GET', `/sessions/${NAME}`);
    if (old.status === 200) await api('DELETE', `/sessions/${old.body.id}`);
    const r = await api('POST', '/sessions', { kind: 'spark', name: NAME });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.kind, 'spark');
    s = r.body.id;
    await waitForState(s, ['idle']);
  });
  after(async () => {
    if (s !== undefined) await api('DELETE', `/sessions/${s}`);
  });

  test('the interpreter starts with the first Scala statement, not before; 1+1 echoes as in Livy', async () => {
    assert.equal(text(await run(s, 'spark.range(3).createOrReplaceTempView("py_view")', 'pyspark')), '');
    assert.doesNotMatch(await driverLog(s), /Scala interpreter/, 'Python statements alone never start it');
    const first = await run(s, '1+1'); // the session's kind is the default statement kind
    assert.deepEqual(first.output, { status: 'ok', execution_count: first.id, data: { 'text/plain': 'res0: Int = 2\n' } });
    assert.match(await driverLogWith(s, /Scala interpreter started/), /Scala interpreter started in [\d.]+ s/);
  });

  test('println and definitions come back as text/plain', async () => {
    // Statement by statement, as in Livy: each echo follows its own statement's output.
    const out = text(await run(s, 'val x = 40\nprintln("hello from scala")\nx + 2', 'scala'));
    assert.match(out, /^x: Int = 40\nhello from scala\nres\d+: Int = 42\n$/);
    assert.equal(text(await run(s, '// only a comment')), '');
    assert.equal(text(await run(s, 'import scala.util.Try\n// trailing comment')), 'import scala.util.Try\n');
  });

  test('printed lines stream while the statement runs', async () => {
    const p = await api('POST', `/sessions/${s}/statements`, {
      code: 'for (i <- 0 until 3) { println(s"line $i"); Thread.sleep(700) }\n"end"',
    });
    const events: SseEvent[] = [];
    for await (const ev of readSse(`${BASE}/sessions/${s}/statements/${p.body.id}/events`)) events.push(ev);
    const outputs = events.filter((e) => e.event === 'output');
    const done = events.at(-1)!;
    assert.equal(done.event, 'done');
    assert.equal(outputs.map((e) => e.data.text).join(''), done.data.output.data['text/plain']);
    assert.match(done.data.output.data['text/plain'], /^line 0\nline 1\nline 2\nres\d+: String = end\n$/);
    assert.ok(done.at - outputs[0]!.at > 1000, `first line arrived only ${done.at - outputs[0]!.at} ms before the end`);
  });

  test('closures and case classes run on executors', async () => {
    assert.match(text(await run(s, 'sc.parallelize(1 to 10).map(_ * 2).sum')), /: Double = 110\.0\n$/);
    assert.match(text(await run(s, 'val factor = 3\nsc.parallelize(1 to 4, 2).map(_ * factor).collect()')), /Array\(3, 6, 9, 12\)/);
    const ds = text(await run(s, 'case class P(name: String, age: Int)\nval people = Seq(P("a", 1), P("b", 2), P("c", 3)).toDS()\npeople.filter(_.age > 1).count()'));
    assert.match(ds, /: Long = 2\n$/);
  });

  test('a compile error and a thrown exception are error outputs; the session goes on', async () => {
    const notFound = error(await run(s, 'abcde'));
    assert.equal(notFound.ename, 'Error');
    assert.match(notFound.evalue, /^<console>:\d+: error: not found: value abcde$/);
    assert.ok(notFound.traceback.some((l) => l.includes('^')), JSON.stringify(notFound.traceback));
    const thrown = error(await run(s, 'throw new IllegalStateException("boom")'));
    assert.equal(thrown.ename, 'java.lang.IllegalStateException');
    assert.match(thrown.evalue, /java\.lang\.IllegalStateException: boom/);
    const incomplete = error(await run(s, 'if (true) {'));
    assert.equal(incomplete.evalue, 'incomplete statement');
    const later = error(await run(s, 'val fine = 1\nval broken: Int = "no"', 'spark'));
    assert.match(later.evalue, /^<console>:2: error: type mismatch/);
    assert.match(text(await run(s, 'fine + x')), /^res\d+: Int = 41\n$/, 'what ran before the failing statement stays defined');
  });

  test('one SparkSession: views made in Python, Scala and SQL are seen by the others', async () => {
    assert.match(text(await run(s, 'spark.table("py_view").count()')), /: Long = 3\n$/);
    await run(s, 'Seq(("a", 1), ("b", 2)).toDF("k", "v").createOrReplaceTempView("scala_view")');
    const sql = await run(s, 'SELECT sum(v) AS total FROM scala_view', 'sql');
    assert.deepEqual(sql.output.data['application/json'].data, [[3]]);
    assert.equal(text(await run(s, 'spark.table("scala_view").count()', 'pyspark')), '2');
    assert.equal(text(await run(s, 'spark.sparkContext.applicationId == spark._jsparkSession.sparkContext().applicationId()', 'pyspark')), 'True');
    assert.match(text(await run(s, 'sql("SELECT count(*) FROM py_view").first().getLong(0)')), /= 3\n$/);
  });

  test('%json and %table of Scala values', async () => {
    const json = await run(s, 'val ps = Seq(P("a", 1), P("b", 2))\n%json ps');
    assert.deepEqual(json.output.data['application/json'], [{ name: 'a', age: 1 }, { name: 'b', age: 2 }]);
    assert.equal(json.output.data['text/plain'], 'ps: Seq[P] = List(P(a,1), P(b,2))\n');
    assert.deepEqual((await run(s, '%json Map("n" -> 1.5, "xs" -> Seq(1, 2))')).output.data, { 'application/json': { n: 1.5, xs: [1, 2] } });
    const table = (await run(s, '%table ps')).output.data['application/vnd.livy.table.v1+json'];
    assert.deepEqual(table, {
      headers: [{ name: 'age', type: 'BIGINT_TYPE' }, { name: 'name', type: 'STRING_TYPE' }],
      data: [[1, 'a'], [2, 'b']],
    });
    const df = (await run(s, '%table spark.range(2).selectExpr("id", "id * 0.5d AS half", "cast(id AS string) AS s")')).output.data['application/vnd.livy.table.v1+json'];
    assert.deepEqual(df.headers.map((h: any) => h.type), ['BIGINT_TYPE', 'DOUBLE_TYPE', 'STRING_TYPE']);
    assert.deepEqual(df.data, [[0, 0, '0'], [1, 0.5, '1']]);
    const many = await run(s, '%json spark.range(2500)');
    assert.equal(many.output.data['application/json'].length, 1000);
    assert.equal(many.output.truncated, true);
    const conflict = error(await run(s, '%table Seq(Seq(1, 2), Seq(1, "x"))'));
    assert.equal(conflict.ename, 'TypeError');
    assert.equal(error(await run(s, '%json new Object')).ename, 'ValueError');
    assert.equal(error(await run(s, '%plot ps')).ename, 'UnknownMagic');
  });

  test('completion for Scala', async () => {
    await run(s, 'val str = "x"');
    const r = await api('POST', `/sessions/${s}/completion`, { code: 'str.', kind: 'spark', cursor: 4 });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    for (const c of ['compare', 'contains']) assert.ok(r.body.candidates.includes(c), `${c} in ${r.body.candidates}`);
    const lit = await api('POST', `/sessions/${s}/completion`, { code: '"abc".toUpp', kind: 'scala', cursor: 11 });
    assert.deepEqual(lit.body.candidates, ['toUpperCase']);
    const none = await api('POST', `/sessions/${s}/completion`, { code: 'nothingHere.', kind: 'spark', cursor: 12 });
    assert.deepEqual(none.body.candidates, []);
  });

  test('cancel stops a Scala Spark job and a sleeping Scala statement; the session keeps its state', async () => {
    const job = await api('POST', `/sessions/${s}/statements`, { code: 'sc.parallelize(1 to 40, 40).map { x => Thread.sleep(500); x }.count()' });
    await waitRunning(s, job.body.id);
    let progress = 0;
    for (let i = 0; i < 100 && progress === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      progress = (await api('GET', `/sessions/${s}/statements/${job.body.id}`)).body.progress;
    }
    assert.ok(progress > 0 && progress < 1, `progress ${progress} moves: the job runs in the statement's job group`);
    const t0 = Date.now();
    assert.deepEqual((await api('POST', `/sessions/${s}/statements/${job.body.id}/cancel`)).body, { msg: 'canceled' });
    const done = await api('GET', `/sessions/${s}/statements/${job.body.id}?wait=30`);
    assert.equal(done.body.state, 'cancelled');
    assert.ok(Date.now() - t0 < 10_000, 'the job stopped long before its 20 s of work');

    const sleeper = await api('POST', `/sessions/${s}/statements`, { code: 'Thread.sleep(120000)' });
    await waitRunning(s, sleeper.body.id);
    await api('POST', `/sessions/${s}/statements/${sleeper.body.id}/cancel`);
    assert.equal((await api('GET', `/sessions/${s}/statements/${sleeper.body.id}?wait=30`)).body.state, 'cancelled');

    assert.match(text(await run(s, 'x + sc.parallelize(1 to 3).count()')), /: Long = 43\n$/);
  });
});
