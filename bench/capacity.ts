/**
 * Capacity: how much memory an idle session takes at the default driver memory (its JVM and its
 * Python driver, resident), how many fit on this machine, and how the server's own memory and CPU
 * grow with sessions and with the statement rate. Checks the figure sessions.max's default is
 * built on (domain/capacity.ts: a driver is its heap plus half a gigabyte).
 */
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { autoMaxSessions, machineMemory } from '../packages/server/src/domain/capacity.ts';
import { jvmOf, memoryOf, pythonDriverOf } from '../test/e2e/proc-find.ts';
import { call, idleSession, record, startServer, summarise } from './lib.ts';

const MiB = 1024 * 1024;

/** CPU seconds a process has used (user + system), from /proc. */
function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

async function statementsAt(url: string, session: number, perSecond: number, seconds: number, serverPid: number) {
  const cpu0 = cpuSeconds(serverPid);
  const t0 = performance.now();
  let sent = 0;
  const inFlight: Promise<unknown>[] = [];
  const lat: number[] = [];
  while (performance.now() - t0 < seconds * 1000) {
    const due = Math.floor(((performance.now() - t0) / 1000) * perSecond);
    while (sent < due) {
      sent++;
      const s0 = performance.now();
      inFlight.push(call(`${url}/sessions/${session}/statements?wait=30`, 'POST', { code: '1 + 1' }).then(() => lat.push(performance.now() - s0)));
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  await Promise.all(inFlight);
  const wall = (performance.now() - t0) / 1000;
  return {
    rate: perSecond, statements: sent, achieved_per_s: Math.round(sent / wall),
    server_cpu_percent: Math.round(((cpuSeconds(serverPid) - cpu0) / wall) * 100),
    server_rss_mb: Math.round(memoryOf(serverPid).rss / MiB),
    latency_ms: summarise(lat),
  };
}

export async function capacity(sessions = autoMaxSessions('1g', machineMemory())): Promise<void> {
  const server = await startServer({ SPARKPORT_SESSIONS__MAX: String(sessions + 1), SPARKPORT_SPARK__MASTER: 'local[1]' });
  const pid = server.child.pid!;
  try {
    const growth: { sessions: number; server_rss_mb: number; drivers_rss_mb: number }[] = [];
    const perDriver: number[] = [];
    const ids: number[] = [];
    let driversRss = 0;
    growth.push({ sessions: 0, server_rss_mb: Math.round(memoryOf(pid).rss / MiB), drivers_rss_mb: 0 });
    for (let i = 0; i < sessions; i++) {
      const { id } = await idleSession(server.url, { kind: 'pyspark' });
      ids.push(id);
      // One small job, as an idle session that has done something has: its executors' threads and caches.
      await call(`${server.url}/sessions/${id}/statements?wait=60`, 'POST', { code: 'sc.parallelize(range(1000)).sum()' });
      const dir = path.join(server.dataDir, 'sessions', String(id));
      const rss = memoryOf(jvmOf(dir)).rss + memoryOf(pythonDriverOf(dir)).rss;
      perDriver.push(rss / MiB);
      driversRss += rss;
      growth.push({ sessions: i + 1, server_rss_mb: Math.round(memoryOf(pid).rss / MiB), drivers_rss_mb: Math.round(driversRss / MiB) });
      console.log(`${i + 1} sessions: this driver ${Math.round(rss / MiB)} MB, all drivers ${Math.round(driversRss / MiB)} MB, server ${growth.at(-1)!.server_rss_mb} MB`);
    }
    const rates = [];
    for (const r of [50, 200]) {
      rates.push(await statementsAt(server.url, ids[0]!, r, 15, pid));
      console.log('rate', JSON.stringify(rates.at(-1)));
    }
    const idleCpu0 = cpuSeconds(pid);
    await new Promise((r) => setTimeout(r, 10_000));
    const idleCpu = Math.round(((cpuSeconds(pid) - idleCpu0) / 10) * 1000) / 10;
    const mean = perDriver.reduce((a, b) => a + b, 0) / perDriver.length;
    record('capacity', {
      driver_memory: '1g',
      sessions,
      driver_rss_mb: { ...summarise(perDriver), mean: Math.round(mean) },
      // What domain/capacity.ts assumes a 1g driver takes: its heap plus 512 MiB.
      assumed_per_driver_mb: 1024 + 512,
      fits_by_measured_rss: Math.floor((machineMemory() - 1024 * MiB) / (mean * MiB)),
      server_growth: growth,
      server_idle_cpu_percent_with_all_sessions: idleCpu,
      statement_rates: rates,
    });
    for (const id of ids) await call(`${server.url}/sessions/${id}`, 'DELETE');
  } finally {
    await server.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await capacity(process.argv[2] ? Number(process.argv[2]) : undefined);
