/**
 * Load: C concurrent clients on S shared sessions (no kind, so each statement says its own) for
 * a fixed time, each picking a mixed operation per turn: a Python statement, a SQL statement, a
 * shared map write then read of the same key, a failing statement, and a slow statement
 * cancelled while it runs. Every statement a client posts carries a unique tag in its code and
 * must come back once, with that tag in its output (or an error for the failing kind, or
 * cancelled); per session, statements must have run one at a time in id order. Reports p50/p99
 * per operation and the server's RSS at the start and the end.
 *
 * `npm run bench` runs it for 10 minutes with 50 clients on 5 sessions; `node --import tsx
 * bench/load.ts SECONDS CLIENTS SESSIONS` for other sizes.
 */
import { readFileSync } from 'node:fs';
import { call, record, startServer, summarise } from './lib.ts';

type Op = 'python' | 'sql' | 'shared' | 'failing' | 'cancel';
const WEIGHTS: [Op, number][] = [['python', 40], ['sql', 25], ['shared', 20], ['failing', 10], ['cancel', 5]];

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;

function pick(): Op {
  let r = Math.random() * 100;
  for (const [op, w] of WEIGHTS) if ((r -= w) < 0) return op;
  return 'python';
}

interface Posted { session: number; id: number; tag: string; op: Op }

export async function load(seconds = 600, clients = 50, sessions = 5): Promise<void> {
  const server = await startServer({
    SPARKPORT_SPARK__MASTER: 'local[1]', SPARKPORT_SPARK__DEFAULT_DRIVER_MEMORY: '640m', SPARKPORT_SESSIONS__MAX: String(sessions),
    SPARKPORT_SHUTDOWN__STOP_DRIVERS: 'true',
  });
  const { url } = server;
  const lat: Record<Op, number[]> = { python: [], sql: [], shared: [], failing: [], cancel: [] };
  const posted: Posted[] = [];
  const problems: string[] = [];
  try {
    const ids: number[] = [];
    for (let i = 0; i < sessions; i++) ids.push((await call(`${url}/sessions`, 'POST', {})).id);
    for (const id of ids) {
      while ((await call(`${url}/sessions/${id}/state`, 'GET')).state !== 'idle') await new Promise((r) => setTimeout(r, 200));
    }
    const rssStart = rssMb(server.child.pid!);
    const end = Date.now() + seconds * 1000;
    // RSS and the JS heap over the run, to tell a leak (rising to the end) from a heap that grew once.
    const samples: { s: number; rss: number; heap: number }[] = [];
    const t0 = Date.now();
    const sampler = setInterval(() => {
      void fetch(`${url}/metrics`).then((r) => r.text()).catch(() => '').then((text: string) => {
        const heap = Number(/^nodejs_heap_size_used_bytes (\S+)$/m.exec(String(text))?.[1] ?? NaN) / 2 ** 20;
        samples.push({ s: Math.round((Date.now() - t0) / 1000), rss: Math.round(rssMb(server.child.pid!)), heap: Math.round(heap) });
      });
    }, Math.max(5000, (seconds * 1000) / 20));
    let n = 0;
    const client = async (c: number) => {
      const sid = ids[c % sessions]!;
      while (Date.now() < end) {
        const op = pick();
        const tag = `c${c}n${n++}`;
        const t0 = performance.now();
        try {
          if (op === 'shared') {
            await call(`${url}/sessions/${sid}/shared/load${c}/${tag}`, 'PUT', { tag });
            const got = await call(`${url}/sessions/${sid}/shared/load${c}/${tag}`, 'GET');
            if (JSON.stringify(got).indexOf(tag) < 0) problems.push(`shared ${tag} read back ${JSON.stringify(got)}`);
          } else {
            const body = op === 'sql' ? { kind: 'sql', code: `select '${tag}' as tag` }
              : op === 'failing' ? { kind: 'pyspark', code: `raise ValueError('${tag}')` }
                : op === 'cancel' ? { kind: 'pyspark', code: `import time\ntime.sleep(3)\n'${tag}'` }
                  : { kind: 'pyspark', code: `'${tag}'` };
            const wait = op === 'cancel' ? '' : '?wait=300';
            const st = await call(`${url}/sessions/${sid}/statements${wait}`, 'POST', body);
            posted.push({ session: sid, id: st.id, tag, op });
            if (op === 'cancel') {
              await call(`${url}/sessions/${sid}/statements/${st.id}/cancel`, 'POST');
              const done = await call(`${url}/sessions/${sid}/statements/${st.id}?wait=300`, 'GET');
              if (done.state !== 'cancelled' && done.state !== 'available') problems.push(`cancel ${tag} ended ${done.state}`);
            } else if (st.state !== 'available') problems.push(`${op} ${tag} still ${st.state} after ?wait`);
          }
          lat[op].push(performance.now() - t0);
        } catch (e) {
          problems.push(`${op} ${tag}: ${(e as Error).message.slice(0, 200)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: clients }, (_, c) => client(c)));
    clearInterval(sampler);
    const rssEnd = rssMb(server.child.pid!);

    // Nothing lost or doubled, each with its own output, and one at a time in id order.
    let checked = 0;
    for (const sid of ids) {
      const all = (await call(`${url}/sessions/${sid}/statements?size=100000`, 'GET')).statements as any[];
      const byId = new Map(all.map((s) => [s.id, s]));
      if (byId.size !== all.length) problems.push(`session ${sid}: a statement is listed twice`);
      for (const p of posted.filter((x) => x.session === sid)) {
        const s = byId.get(p.id);
        checked++;
        if (!s) { problems.push(`session ${sid}: statement ${p.id} (${p.tag}) lost`); continue; }
        if (!s.code.includes(p.tag)) problems.push(`statement ${p.id}: code is not ${p.tag}'s`);
        const out = JSON.stringify(s.output);
        if (p.op === 'failing' && !(s.output?.status === 'error' && out.includes(p.tag))) problems.push(`failing ${p.tag}: ${out.slice(0, 120)}`);
        if ((p.op === 'python' || p.op === 'sql') && !(s.output?.status === 'ok' && out.includes(p.tag))) problems.push(`${p.op} ${p.tag}: ${out.slice(0, 120)}`);
      }
      const ran = all.filter((s) => s.started > 0).sort((a, b) => a.id - b.id);
      for (let i = 1; i < ran.length; i++) {
        if (ran[i].started < ran[i - 1].completed) problems.push(`session ${sid}: statement ${ran[i].id} started before ${ran[i - 1].id} completed`);
      }
    }
    const by = Object.fromEntries(Object.entries(lat).map(([op, xs]) => [op, summarise(xs)]));
    record('load_mixed', {
      seconds, clients, sessions, statements_checked: checked, operations: Object.values(lat).reduce((a, x) => a + x.length, 0),
      lost_or_duplicated_or_wrong: problems.length, first_problems: problems.slice(0, 5),
      latency_ms: by, server_rss_mb: { start: Math.round(rssStart), end: Math.round(rssEnd) }, server_memory_mb_over_time: samples,
    });
  } finally {
    await server.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await load(Number(process.argv[2] ?? 600), Number(process.argv[3] ?? 50), Number(process.argv[4] ?? 5));
}
