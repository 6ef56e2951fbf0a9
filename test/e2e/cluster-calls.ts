/**
 * The calls the cluster tests (26-standalone, 27-yarn) make of a server of their own: statements
 * run to their output, batches waited for, the application id a batch gets, and how many tasks
 * each executor of a session's application has run (Spark's REST API, at the session's UI).
 */
import assert from 'node:assert/strict';
import { api } from './helpers.ts';

export function clusterCalls(base: () => string) {
  const call = (method: string, p: string, body?: unknown) => api(method, p, body, base());

  /** Runs `code` in the session and returns its output's data; the statement must succeed. */
  const runIn = async (session: number, code: string, kind: string): Promise<any> => {
    const r = await call('POST', `/sessions/${session}/statements?wait=180`, { code, kind });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const s = r.body.state === 'available' ? r.body : (await call('GET', `/sessions/${session}/statements/${r.body.id}?wait=180`)).body;
    assert.equal(s.state, 'available', JSON.stringify(s));
    assert.equal(s.output.status, 'ok', JSON.stringify(s.output));
    return s.output.data;
  };

  const waitBatch = async (id: number, states: string[], ms = 300_000): Promise<any> => {
    const end = Date.now() + ms;
    for (;;) {
      const b = (await call('GET', `/batches/${id}`)).body;
      if (states.includes(b.state)) return b;
      if (Date.now() > end) throw new Error(`batch ${id} still ${b.state}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  };

  /** The batch's appId once it has one. */
  const waitAppId = async (id: number, ms = 120_000): Promise<string> => {
    const end = Date.now() + ms;
    for (;;) {
      const appId = (await call('GET', `/batches/${id}`)).body.appId;
      if (appId) return appId;
      if (Date.now() > end) throw new Error(`batch ${id} has no application id after ${ms} ms`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };

  /** Tasks run so far by each executor of the session's application ('driver' included). */
  const executorTasks = async (session: number): Promise<Map<string, number>> => {
    const s = (await call('GET', `/sessions/${session}`)).body;
    const r = await fetch(`${s.appInfo.sparkUiUrl}/api/v1/applications/${s.appId}/allexecutors`);
    assert.equal(r.status, 200);
    return new Map(((await r.json()) as { id: string; totalTasks: number }[]).map((e) => [e.id, e.totalTasks]));
  };

  /** A SQL statement's tasks ran on executors, none on the driver: the counts before and after it. */
  const sqlRanOnExecutors = async (session: number): Promise<void> => {
    const before = await executorTasks(session);
    const out = await runIn(session, 'SELECT count(*) AS n FROM range(0, 100000, 1, 4)', 'sql');
    assert.deepEqual(out['application/json'].data, [[100000]]);
    const now = await executorTasks(session);
    const ran = [...now].filter(([id, n]) => id !== 'driver' && n > (before.get(id) ?? 0));
    assert.ok(ran.length >= 1, `executors ran the query's tasks: ${JSON.stringify([...now])}`);
    assert.equal(now.get('driver') ?? 0, before.get('driver') ?? 0, 'none ran on the driver');
  };

  return { call, runIn, waitBatch, waitAppId, executorTasks, sqlRanOnExecutors };
}
