/**
 * A real Spark standalone cluster on loopback, for tests: one Master (with its REST submission
 * server on) and N Workers, each a `bin/spark-class` JVM of the venv's pyspark on ports of its
 * own, host 127.0.0.1. Everything lives in one temporary directory: the daemons' logs
 * (`logs/master.log`, `logs/worker-<i>.log`), their properties files, and each worker's work dir
 * (`worker-<i>/work`), where executors run in `<app-id>/<executor-id>/` and cluster-mode drivers in
 * `driver-<...>/` (each with its stdout and stderr files), and its executors' scratch space
 * (`worker-<i>/local`, SPARK_LOCAL_DIRS).
 *
 * Ready means the master's /json lists every worker ALIVE. A start that fails throws with the
 * daemons' last log lines, after stopping what it started.
 *
 * Nothing outlives the test: each daemon runs in a process group of its own (its executors and
 * cluster-mode drivers are its children, in the same group), which stop() signals (SIGTERM, then
 * SIGKILL); a process 'exit' handler SIGKILLs what is left; and a detached watchdog shell, which
 * polls the test process, takes the groups down and removes the directory if the test process
 * dies without either (SIGKILL, a runner's timeout).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { groupAlive, killGroup, sleep, tail } from './processes.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SPARK_HOME = path.join(ROOT, '.venv/lib/python3.11/site-packages/pyspark');

export interface StandaloneOptions {
  /** Default 2. */
  workers?: number;
  /** Memory each worker offers to executors and drivers (its --memory). Default '2g'. */
  workerMemory?: string;
  /** Cores each worker offers (its --cores). Default 1. */
  workerCores?: number;
  /** Parent of the cluster's temporary directory. Default os.tmpdir(). Only the temporary directory is removed. */
  dir?: string;
  /** Heap of each daemon JVM (SPARK_DAEMON_MEMORY). Default '256m'. */
  daemonMemory?: string;
  /** JVM options of each daemon (SPARK_DAEMON_JAVA_OPTS), e.g. '-XX:+UseSerialGC'. Default none. */
  daemonJavaOpts?: string;
  /** Extra properties for the master's properties file, e.g. { 'spark.deploy.spreadOut': 'false' }. */
  masterConf?: Record<string, string>;
  /** Extra properties for each worker's properties file. */
  workerConf?: Record<string, string>;
  /** How long to wait for every worker to be ALIVE. Default 120 s. */
  timeoutMs?: number;
}

export interface StandaloneWorker {
  /**
   * http://127.0.0.1:<port>, its web UI. A cluster-mode driver's output: `${webUrl}/logPage/?driverId=<id>&logType=stdout`
   * (HTML), `${webUrl}/log/?driverId=<id>&logType=stdout&offset=0&byteLength=<n>` (text after a `==== Bytes ...` line);
   * an executor's: `?appId=<app-id>&executorId=<n>&logType=stderr`.
   */
  webUrl: string;
  /** Its --work-dir: `<app-id>/<executor-id>/` per executor, `<driver-id>/` per cluster-mode driver. */
  workDir: string;
  /** Its RPC port; 127.0.0.1:<port> is its hostPort (the master's workerHostPort). */
  port: number;
  /** The id the master gave it (worker-<yyyyMMddHHmmss>-127.0.0.1-<port>). */
  id: string;
  pid: number;
  log: string;
}

export interface StandaloneCluster {
  /** spark://127.0.0.1:<port>: for client-mode applications (spark-submit --master, SparkContext). */
  masterUrl: string;
  /** http://127.0.0.1:<restport>: the REST submission server (/v1/submissions/create|status|kill). */
  restUrl: string;
  /** spark://127.0.0.1:<restport>: for `spark-submit --deploy-mode cluster --conf spark.master.rest.enabled=true`. */
  restMasterUrl: string;
  /** http://127.0.0.1:<port>: the master's web UI, `${webUrl}/json/` its state (workers, activeapps, completedapps, activedrivers, completeddrivers). */
  webUrl: string;
  workers: StandaloneWorker[];
  /** The cluster's temporary directory. */
  dir: string;
  sparkHome: string;
  masterPid: number;
  masterLog: string;
  /** Environment for spark-submit or pyspark against this cluster: process.env plus SPARK_HOME and SPARK_LOCAL_IP. */
  env: NodeJS.ProcessEnv;
  /** The master's /json. */
  state(): Promise<any>;
  /** The daemons' logs, each file's last `lines` lines, for failure messages. */
  logs(lines?: number): string;
  /** Kills every daemon (and so their executors and drivers) and removes the directory. Idempotent. */
  stop(): Promise<void>;
}

interface Daemon {
  name: string;
  child: ChildProcess;
  pid: number;
  log: string;
  exited: boolean;
}

/** Groups of every running cluster of this process, for the 'exit' handler. */
const liveGroups = new Set<number>();
let exitHandler = false;




/** n distinct free ports, all held open at once so that none comes twice. */
async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: n }, () => new Promise<net.Server>((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => resolve(s));
  })));
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}


function properties(file: string, conf: Record<string, string>): void {
  writeFileSync(file, Object.entries(conf).map(([k, v]) => `${k} ${v}\n`).join(''));
}

/**
 * Waits for the test process (its pid, $1) to end, then takes down every group listed in the
 * pgids file ($2/pgids) and removes the directory ($2). stop() kills it first when all goes well.
 * (/bin/sh is dash, whose kill takes `kill -TERM "-$g"` but fails on `kill -TERM -- "-$g"`.)
 */
const WATCHDOG = `
parent=$1; dir=$2
while kill -0 "$parent" 2>/dev/null; do sleep 1; done
groups=$(cat "$dir/pgids" 2>/dev/null)
for g in $groups; do kill -TERM "-$g" 2>/dev/null; done
sleep 3
for g in $groups; do kill -KILL "-$g" 2>/dev/null; done
rm -rf "$dir"
`;

export async function startStandalone(opts: StandaloneOptions = {}): Promise<StandaloneCluster> {
  const nWorkers = opts.workers ?? 2;
  const parent = opts.dir ?? os.tmpdir();
  mkdirSync(parent, { recursive: true });
  const dir = mkdtempSync(path.join(parent, 'spark-standalone-'));
  const logDir = path.join(dir, 'logs');
  const confDir = path.join(dir, 'conf');
  mkdirSync(logDir);
  mkdirSync(confDir);
  const pgidFile = path.join(dir, 'pgids');
  writeFileSync(pgidFile, '');

  const watchdog = spawn('/bin/sh', ['-c', WATCHDOG, 'spark-standalone-watchdog', String(process.pid), dir], {
    detached: true,
    stdio: 'ignore',
  });
  watchdog.unref();

  if (!exitHandler) {
    exitHandler = true;
    process.on('exit', () => {
      for (const g of liveGroups) killGroup(g, 'SIGKILL');
    });
  }

  const [masterPort, masterWebPort, restPort, ...workerPorts] = await freePorts(3 + 2 * nWorkers) as [number, number, number, ...number[]];
  const env: NodeJS.ProcessEnv = { ...process.env, SPARK_HOME, SPARK_LOCAL_IP: '127.0.0.1' };
  // Daemons read no spark-env.sh nor spark-defaults.conf but their own properties file.
  const daemonEnv: NodeJS.ProcessEnv = {
    ...env,
    SPARK_CONF_DIR: confDir,
    SPARK_DAEMON_MEMORY: opts.daemonMemory ?? '256m',
    SPARK_PUBLIC_DNS: '127.0.0.1',
  };
  delete daemonEnv.SPARK_MASTER_OPTS;
  delete daemonEnv.SPARK_WORKER_OPTS;
  delete daemonEnv.SPARK_DAEMON_JAVA_OPTS;
  if (opts.daemonJavaOpts) daemonEnv.SPARK_DAEMON_JAVA_OPTS = opts.daemonJavaOpts;

  const daemons: Daemon[] = [];
  const launch = (name: string, cls: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}): Daemon => {
    const log = path.join(logDir, `${name}.log`);
    const fd = openSync(log, 'a');
    let child: ChildProcess;
    try {
      // spark-class execs java: the pid is the JVM's, and the group's.
      child = spawn(path.join(SPARK_HOME, 'bin/spark-class'), [cls, ...args], {
        cwd: dir,
        env: { ...daemonEnv, ...extraEnv },
        stdio: ['ignore', fd, fd],
        detached: true,
      });
    } finally {
      closeSync(fd);
    }
    child.unref();
    if (child.pid === undefined) throw new Error(`could not start ${name}: ${tail(log, 20)}`);
    const d: Daemon = { name, child, pid: child.pid, log, exited: false };
    child.once('exit', () => { d.exited = true; });
    liveGroups.add(d.pid);
    appendFileSync(pgidFile, `${d.pid}\n`);
    daemons.push(d);
    return d;
  };

  let stopped: Promise<void> | null = null;
  const stop = () => {
    stopped ??= (async () => {
      for (const d of daemons) killGroup(d.pid, 'SIGTERM');
      const end = Date.now() + 15_000;
      while (daemons.some((d) => groupAlive(d.pid)) && Date.now() < end) await sleep(100);
      for (const d of daemons) killGroup(d.pid, 'SIGKILL');
      while (daemons.some((d) => groupAlive(d.pid))) await sleep(50);
      for (const d of daemons) liveGroups.delete(d.pid);
      if (watchdog.pid !== undefined) killGroup(watchdog.pid, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    })();
    return stopped;
  };

  const logs = (lines = 40) => daemons.map((d) => `--- ${d.name} (${d.log}) ---\n${tail(d.log, lines)}`).join('\n');
  const webUrl = `http://127.0.0.1:${masterWebPort}`;
  const state = async () => {
    // /json answers 302 to /json/.
    const r = await fetch(`${webUrl}/json/`);
    if (!r.ok) throw new Error(`GET ${webUrl}/json/: ${r.status}`);
    return r.json();
  };

  const fail = async (why: string): Promise<never> => {
    const msg = `Spark standalone cluster did not start: ${why}\n${logs(60)}`;
    await stop();
    throw new Error(msg);
  };

  const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
  const waitFor = async <T>(what: string, probe: () => Promise<T | undefined>): Promise<T> => {
    for (;;) {
      const dead = daemons.find((d) => d.exited);
      if (dead) return fail(`${dead.name} exited (code ${dead.child.exitCode}, signal ${dead.child.signalCode})`);
      try {
        const v = await probe();
        if (v !== undefined) return v;
      } catch {
        // Not up yet.
      }
      if (Date.now() > deadline) return fail(`timed out waiting for ${what}`);
      await sleep(200);
    }
  };

  try {
    const masterProps = path.join(confDir, 'master.properties');
    properties(masterProps, {
      'spark.master.rest.enabled': 'true',
      'spark.master.rest.host': '127.0.0.1',
      'spark.master.rest.port': String(restPort),
      'spark.ui.showConsoleProgress': 'false',
      ...opts.masterConf,
    });
    const master = launch('master', 'org.apache.spark.deploy.master.Master', [
      '--host', '127.0.0.1', '--port', String(masterPort), '--webui-port', String(masterWebPort), '--properties-file', masterProps,
    ]);
    // The workers register at once with a master that answers; one that does not yet would cost a retry (5-15 s).
    await waitFor('the master', async () => ((await state()).status === 'ALIVE' ? true : undefined));

    const workerProps = path.join(confDir, 'worker.properties');
    properties(workerProps, { ...opts.workerConf });
    const masterUrl = `spark://127.0.0.1:${masterPort}`;
    const pending = Array.from({ length: nWorkers }, (_, i) => {
      const port = workerPorts[2 * i]!;
      const webPort = workerPorts[2 * i + 1]!;
      const workDir = path.join(dir, `worker-${i}`, 'work');
      const localDir = path.join(dir, `worker-${i}`, 'local');
      mkdirSync(workDir, { recursive: true });
      mkdirSync(localDir, { recursive: true });
      const d = launch(`worker-${i}`, 'org.apache.spark.deploy.worker.Worker', [
        '--host', '127.0.0.1', '--port', String(port), '--webui-port', String(webPort),
        '--cores', String(opts.workerCores ?? 1), '--memory', opts.workerMemory ?? '2g',
        '--work-dir', workDir, '--properties-file', workerProps, masterUrl,
      // Executors' scratch space (block manager, shuffle) in the fixture's directory too, not /tmp/spark-*.
      ], { SPARK_LOCAL_DIRS: localDir });
      return { port, webUrl: `http://127.0.0.1:${webPort}`, workDir, pid: d.pid, log: d.log };
    });

    const alive = await waitFor('every worker ALIVE', async () => {
      const s = await state();
      const ws = (s.workers ?? []).filter((w: any) => w.state === 'ALIVE');
      return ws.length >= nWorkers ? ws : undefined;
    });
    const workers: StandaloneWorker[] = pending.map((w) => {
      const m = alive.find((a: any) => a.port === w.port);
      if (!m) throw new Error(`worker on port ${w.port} not in the master's /json: ${JSON.stringify(alive)}`);
      return { ...w, id: m.id };
    });
    // Its own web UI answers too (logs are read there).
    await waitFor('the workers\' web UIs', async () => {
      for (const w of workers) if (!(await fetch(`${w.webUrl}/json/`)).ok) return undefined;
      return true;
    });

    return {
      masterUrl,
      restUrl: `http://127.0.0.1:${restPort}`,
      restMasterUrl: `spark://127.0.0.1:${restPort}`,
      webUrl,
      workers,
      dir,
      sparkHome: SPARK_HOME,
      masterPid: master.pid,
      masterLog: master.log,
      env,
      state,
      logs,
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** `node --import tsx test/clusters/standalone.ts [workers]`: starts a cluster, prints it, stops it on SIGINT or SIGTERM. */
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const t0 = Date.now();
  const c = await startStandalone({ workers: process.argv[2] ? Number(process.argv[2]) : undefined });
  console.log(JSON.stringify({ ...c, env: undefined, startMs: Date.now() - t0 }, null, 2));
  const keep = setInterval(() => {}, 60_000);
  const done = async () => {
    clearInterval(keep);
    await c.stop();
    process.exit(0);
  };
  process.once('SIGINT', done);
  process.once('SIGTERM', done);
}
