/**
 * End-to-end helpers: plain HTTP against the server `npm test` started (SPARKPORT_URL), the
 * way curl or any Livy client would talk to it.
 */
import assert from 'node:assert/strict';

export const BASE = process.env.SPARKPORT_URL ?? 'http://127.0.0.1:8998';

export interface Res<T = any> { status: number; body: T; headers: Headers }

export async function api<T = any>(method: string, path: string, body?: unknown, base = BASE): Promise<Res<T>> {
  const res = await fetch(base + path, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

export async function waitForState(id: number | string, states: string[], ms = 180_000, base = BASE): Promise<any> {
  const end = Date.now() + ms;
  for (;;) {
    const r = await api('GET', `/sessions/${id}`, undefined, base);
    if (states.includes(r.body?.state)) return r.body;
    if (Date.now() > end) throw new Error(`session ${id} did not reach ${states.join('/')} (is ${r.body?.state}): ${JSON.stringify(r.body?.log)}`);
    await new Promise((res) => setTimeout(res, 250));
  }
}

/** The session most tests share: one Spark driver for the whole suite. */
export async function sharedSession(): Promise<number> {
  const found = await api('GET', '/sessions/e2e');
  if (found.status === 200 && ['idle', 'busy', 'starting'].includes(found.body.state)) {
    await waitForState(found.body.id, ['idle', 'busy']);
    return found.body.id;
  }
  const r = await api('POST', '/sessions', { kind: 'pyspark', name: 'e2e' });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  await waitForState(r.body.id, ['idle']);
  return r.body.id;
}

/** Runs code and returns the finished statement (one request, thanks to ?wait). */
export async function run(session: number | string, code: string, kind?: string, base = BASE): Promise<any> {
  const r = await api('POST', `/sessions/${session}/statements?wait=120`, kind ? { code, kind } : { code }, base);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.ok(['available', 'cancelled'].includes(r.body.state), `statement still ${r.body.state}`);
  return r.body;
}

export function text(stmt: any): string {
  assert.equal(stmt.output?.status, 'ok', JSON.stringify(stmt.output));
  return stmt.output.data['text/plain'];
}
