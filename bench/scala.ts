/**
 * What Scala costs, on cold sessions one after another: time to idle (the same with or without
 * Scala: the interpreter starts lazily), time to the first Scala result (the interpreter's
 * start-up), and later Scala statements, a trivial one and one that runs a Spark job with a
 * closure. The Python `1 + 1` on the same session is there for comparison.
 */
import { call, idleSession, record, startServer, summarise } from './lib.ts';

async function statement(url: string, id: number, code: string, kind: string): Promise<{ ms: number; text: string }> {
  const t0 = performance.now();
  const st = await call(`${url}/sessions/${id}/statements?wait=120`, 'POST', { code, kind });
  const ms = performance.now() - t0;
  if (st.output?.status !== 'ok') throw new Error(`${code}: ${JSON.stringify(st.output)}`);
  return { ms, text: st.output.data['text/plain'] };
}

export async function scalaBench(sessions = 3, n = 50): Promise<void> {
  const server = await startServer();
  try {
    const idle: number[] = [];
    const firstScala: number[] = [];
    const toFirstScala: number[] = [];
    const later: number[] = [];
    const laterJob: number[] = [];
    const python: number[] = [];
    for (let i = 0; i < sessions; i++) {
      const { id, ms } = await idleSession(server.url, { kind: 'spark' });
      idle.push(ms / 1000);
      const first = await statement(server.url, id, '1 + 1', 'spark');
      if (first.text !== 'res0: Int = 2\n') throw new Error(`unexpected first result ${JSON.stringify(first.text)}`);
      firstScala.push(first.ms / 1000);
      toFirstScala.push((ms + first.ms) / 1000);
      if (i === sessions - 1) {
        for (let j = 0; j < 5; j++) await statement(server.url, id, '1 + 1', 'spark');
        for (let j = 0; j < n; j++) later.push((await statement(server.url, id, '1 + 1', 'spark')).ms);
        for (let j = 0; j < 10; j++) laterJob.push((await statement(server.url, id, 'sc.parallelize(1 to 100, 2).map(_ * 2).sum()', 'spark')).ms);
        for (let j = 0; j < n; j++) python.push((await statement(server.url, id, '1 + 1', 'pyspark')).ms);
      }
      await call(`${server.url}/sessions/${id}`, 'DELETE');
    }
    record('scala_session_idle_s', { ...summarise(idle), note: 'kind spark, no Scala run yet: the interpreter is not started' });
    record('scala_first_statement_s', { ...summarise(firstScala), note: 'first `1 + 1` of a session: interpreter start-up included' });
    record('scala_session_to_first_result_s', summarise(toFirstScala));
    record('scala_later_1plus1_ms', summarise(later));
    record('scala_later_spark_job_ms', { ...summarise(laterJob), code: 'sc.parallelize(1 to 100, 2).map(_ * 2).sum()' });
    record('scala_session_python_1plus1_ms', { ...summarise(python), note: 'Python on the same session, interpreter loaded' });
  } finally {
    await server.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await scalaBench(Number(process.argv[2] ?? 3), Number(process.argv[3] ?? 50));
