/**
 * Session start to `idle` where Spark runs: local mode (the anchor, in the same run), a Spark
 * standalone cluster (client mode; Spark standalone runs no Python driver in cluster mode) and
 * YARN in client and cluster mode, each p50 over n sessions started one after another on an
 * otherwise idle server, each deleted before the next. The clusters are the tests' own, started
 * here on this machine (test/clusters): the numbers include the cluster manager's scheduling, not
 * network distance.
 */
import { freePort } from '../test/e2e/own-server.ts';
import { standaloneServerEnv, yarnServerEnv } from '../test/clusters/server-env.ts';
import { startStandalone } from '../test/clusters/standalone.ts';
import { startYarn } from '../test/clusters/yarn.ts';
import { call, idleSession, record, startServer, summarise } from './lib.ts';

const LEAN = { kind: 'pyspark', driverMemory: '512m', executorMemory: '512m', executorCores: 1, numExecutors: 1 };

async function starts(env: Record<string, string>, body: Record<string, unknown>, n: number) {
  const server = await startServer({ SPARKPORT_SPARK__DEFAULT_DRIVER_MEMORY: '512m', ...env });
  try {
    const samples: number[] = [];
    for (let i = 0; i < n; i++) {
      const { id, ms } = await idleSession(server.url, body);
      samples.push(ms / 1000);
      await call(`${server.url}/sessions/${id}`, 'DELETE');
    }
    return summarise(samples);
  } finally {
    await server.stop();
  }
}

export async function clusterStart(n = 5): Promise<void> {
  const result: Record<string, unknown> = { unit: 's', n };
  result.local_client = await starts({ SPARKPORT_SPARK__MASTER: 'local[1]' }, LEAN, n);
  console.log('local client', result.local_client);
  const standalone = await startStandalone({ workers: 2, workerCores: 2 });
  try {
    result.standalone_client = await starts(standaloneServerEnv(standalone), { ...LEAN, conf: { 'spark.cores.max': '1' } }, n);
    console.log('standalone client', result.standalone_client);
  } finally {
    await standalone.stop();
  }
  const yarn = await startYarn();
  try {
    const env = yarnServerEnv(yarn, await freePort());
    result.yarn_client = await starts(env, LEAN, n);
    console.log('yarn client', result.yarn_client);
    result.yarn_cluster = await starts(env, { ...LEAN, conf: { 'spark.submit.deployMode': 'cluster' } }, n);
    console.log('yarn cluster', result.yarn_cluster);
  } finally {
    await yarn.stop();
  }
  record('cluster_session_start_s', result);
}

if (import.meta.url === `file://${process.argv[1]}`) await clusterStart(Number(process.argv[2] ?? 5));
