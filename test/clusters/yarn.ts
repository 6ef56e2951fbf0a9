/**
 * A real YARN cluster on loopback, for tests: Hadoop's MiniYARNCluster (one ResourceManager and one
 * NodeManager in one JVM, test/clusters/minicluster, built by `node scripts/setup.mjs --clusters`),
 * with the Capacity Scheduler's queues `default` and `batch` (50% each, each free to grow to the
 * whole node), 8 GB and 8 vcores on the node, containers as small as 256 MB, no HDFS
 * (fs.defaultFS is file:///: the node shares this machine's disk with the client, so Spark's
 * staging files localize where they are).
 *
 * Everything lives in one temporary directory: the JVM's log (`minicluster.log`), the Hadoop
 * client configuration (`conf/`: core-site.xml, yarn-site.xml with the real addresses; give it as
 * HADOOP_CONF_DIR), `cluster.json` (what the JVM reported), and the NodeManager's local dirs (where
 * containers run: `<local>/usercache/<user>/appcache/<app>/<container>/`) and log dirs (each
 * container's stdout, stderr, launch_container.sh: `<log>/<app>/<container>/`). Spark's staging
 * files go to `staging/` with `sparkConf`.
 *
 * Spark on it (see `env` and `sparkConf`): Spark's jars are given to YARN from the local disk
 * (spark.yarn.jars=local:<SPARK_HOME>/jars/*), so are pyspark.zip and py4j (PYSPARK_ARCHIVES_PATH
 * with local: paths), and Python in containers is the venv's (spark.pyspark.python). A submission
 * then uploads only its own files and __spark_conf__.zip.
 *
 * Nothing outlives the test: the JVM runs in a process group of its own, and stops on SIGTERM or
 * when its standard input (a pipe from this process) closes; but containers run in sessions of
 * their own (the NodeManager launches them with setsid), so stop() and the watchdog also signal
 * each group named by a container pid file (`<local>/nmPrivate/<app>/<container>/<container>.pid`).
 * stop() kills the running applications over REST first, then SIGTERMs the JVM (whose NodeManager
 * kills its containers as it stops: 0.5-2 s in all), SIGKILLs its group and every container's after
 * `stopGraceMs`, and removes the directory. A detached watchdog shell does the same if the test
 * process dies without stop(); an 'exit' handler SIGKILLs them all.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { groupAlive, killGroup, sleep, tail } from './processes.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SPARK_HOME = path.join(ROOT, '.venv/lib/python3.11/site-packages/pyspark');
export const VENV_PYTHON = path.join(ROOT, '.venv/bin/python');
const MINI = path.join(ROOT, 'test/clusters/minicluster');
const CLASSES = path.join(MINI, 'target/classes');
const CLASSPATH = path.join(MINI, 'target/classpath.txt');

/** The Capacity Scheduler's leaf queues. */
export const QUEUES = ['default', 'batch'] as const;

/** Final YARN application states. */
export const FINAL_STATES = ['FINISHED', 'FAILED', 'KILLED'];

export interface YarnOptions {
  /** Parent of the cluster's temporary directory. Default os.tmpdir(). Only the temporary directory is removed. */
  dir?: string;
  /** The JVM's -Xmx. Default '256m' (it works in 192m; its RSS is about 250-300 MB whatever the heap). */
  heap?: string;
  /** Memory the NodeManager offers, MB. Default 8192. */
  nodeMemoryMb?: number;
  /** Vcores the NodeManager offers. Default 8. */
  nodeVcores?: number;
  /** Extra Hadoop configuration, set before start (after the fixture's own), e.g. { 'yarn.scheduler.capacity.root.batch.capacity': '25', ... }. */
  conf?: Record<string, string>;
  /** How long to wait for READY. Default 120 s. */
  timeoutMs?: number;
  /** How long stop() lets the JVM stop by itself after SIGTERM before SIGKILL. Default 15 s (it takes 0.5-2 s, containers included). */
  stopGraceMs?: number;
}

export interface YarnCluster {
  /** The cluster's temporary directory. */
  dir: string;
  /** HADOOP_CONF_DIR for clients: core-site.xml and yarn-site.xml with the cluster's addresses. */
  confDir: string;
  /** http://localhost:<port>: the RM's web UI and REST API (/ws/v1/cluster/...). */
  rmWebUrl: string;
  /** localhost:<port>: yarn.resourcemanager.address (the client protocol). */
  rmAddress: string;
  /** localhost:<port>: the NodeManager's id (its container manager address). */
  nmAddress: string;
  /** http://localhost:<port>: the NodeManager's web UI and REST API (/ws/v1/node/...); an app's amContainerLogs point here. */
  nmWebUrl: string;
  /** Where containers run: `<dir>/usercache/<user>/appcache/<app-id>/<container-id>/` (a container's working directory). */
  nodeManagerLocalDirs: string[];
  /** Where containers' logs are: `<dir>/<app-id>/<container-id>/{stdout,stderr,...}`. */
  nodeManagerLogDirs: string[];
  /** The JVM's log (its stdout and stderr). */
  log: string;
  pid: number;
  sparkHome: string;
  /** Environment for spark-submit against this cluster: process.env plus SPARK_HOME, HADOOP_CONF_DIR, SPARK_LOCAL_IP and PYSPARK_ARCHIVES_PATH (local: paths). */
  env: NodeJS.ProcessEnv;
  /** Spark configuration for this cluster (spark.master, spark.yarn.jars from the local disk, the venv's Python, the staging dir), for `--conf k=v` or spark-defaults. */
  sparkConf: Record<string, string>;
  /** GET /ws/v1/cluster/apps/<id>: its `app` (state, finalStatus, queue, trackingUrl, amContainerLogs, diagnostics, ...), or undefined for an unknown id. */
  app(id: string): Promise<any | undefined>;
  /** GET /ws/v1/cluster/apps[?states=...]: the apps. */
  apps(states?: string[]): Promise<any[]>;
  /** PUT /ws/v1/cluster/apps/<id>/state {"state":"KILLED"}; resolves when YARN says KILLED (or another final state). */
  kill(id: string, timeoutMs?: number): Promise<any>;
  /** Polls app(id) until its state is one of `states`; returns the app. Throws on a timeout, or on a final state not asked for. */
  waitForApp(id: string, states: string[], timeoutMs?: number): Promise<any>;
  /** A container's log directory (stdout, stderr, ...); the AM's when no container id is given (its first attempt). */
  containerLogDir(appId: string, containerId?: string): string;
  /** The JVM's last `lines` lines, for failure messages. */
  logs(lines?: number): string;
  /** Kills the running apps, stops the JVM (its group) and every container, removes the directory. Idempotent. */
  stop(): Promise<void>;
}

/** Process groups of every running cluster of this process (the JVMs' and their containers'), for the 'exit' handler. */
const liveClusters = new Set<() => number[]>();
let exitHandler = false;





/** The pids in the NodeManagers' container pid files: each a session and process group of its own. */
function containerGroups(localDirs: string[]): number[] {
  const pids: number[] = [];
  for (const local of localDirs) {
    const priv = path.join(local, 'nmPrivate');
    let apps: string[] = [];
    try { apps = readdirSync(priv); } catch { continue; }
    for (const app of apps) {
      let containers: string[] = [];
      try { containers = readdirSync(path.join(priv, app)); } catch { continue; }
      for (const c of containers) {
        try {
          const pid = Number(readFileSync(path.join(priv, app, c, `${c}.pid`), 'utf8').trim());
          if (pid > 1) pids.push(pid);
        } catch {
          // Not launched yet, or gone.
        }
      }
    }
  }
  return pids;
}

/**
 * Waits for the test process (its pid, $1) to end, then takes down the JVM's group ($3) and every
 * container's (from the pid files under $2), and removes the directory ($2). stop() kills it first
 * when all goes well. (dash's kill takes `kill -TERM "-$g"`.)
 */
const WATCHDOG = `
parent=$1; dir=$2; jvm=$3
while kill -0 "$parent" 2>/dev/null; do sleep 1; done
groups="$jvm $(cat $(find "$dir" -path '*/nmPrivate/*' -name '*.pid' 2>/dev/null) 2>/dev/null)"
for g in $groups; do kill -TERM "-$g" 2>/dev/null; done
sleep 5
groups="$groups $(cat $(find "$dir" -path '*/nmPrivate/*' -name '*.pid' 2>/dev/null) 2>/dev/null)"
for g in $groups; do kill -KILL "-$g" 2>/dev/null; done
rm -rf "$dir"
`;

export async function startYarn(opts: YarnOptions = {}): Promise<YarnCluster> {
  if (!existsSync(CLASSPATH) || !existsSync(path.join(CLASSES, 'sparkport/MiniYarn.class'))) {
    throw new Error(`the MiniYARNCluster fixture is not built (${CLASSPATH}): run node scripts/setup.mjs --clusters`);
  }
  const parent = opts.dir ?? os.tmpdir();
  mkdirSync(parent, { recursive: true });
  const dir = mkdtempSync(path.join(parent, 'yarn-'));
  const confDir = path.join(dir, 'conf');
  const log = path.join(dir, 'minicluster.log');
  const staging = path.join(dir, 'staging');
  mkdirSync(staging);
  mkdirSync(path.join(dir, 'tmp'));
  writeFileSync(path.join(dir, 'java.args'), `-cp ${CLASSES}:${readFileSync(CLASSPATH, 'utf8').trim()}\n`);

  const hadoopConf: Record<string, string> = {
    'yarn.minicluster.yarn.nodemanager.resource.memory-mb': String(opts.nodeMemoryMb ?? 8192),
    'yarn.nodemanager.resource.memory-mb': String(opts.nodeMemoryMb ?? 8192),
    'yarn.nodemanager.resource.cpu-vcores': String(opts.nodeVcores ?? 8),
    'yarn.scheduler.maximum-allocation-mb': String(opts.nodeMemoryMb ?? 8192),
    'yarn.scheduler.maximum-allocation-vcores': String(opts.nodeVcores ?? 8),
    ...opts.conf,
  };
  // SPARK_LOCAL_IP reaches containers through yarn.nodemanager.env-whitelist (MiniYarn.java).
  const jvmEnv: NodeJS.ProcessEnv = { ...process.env, SPARK_LOCAL_IP: '127.0.0.1' };
  const fd = openSync(log, 'a');
  let child: ChildProcess;
  try {
    child = spawn('java', [
      `-Xmx${opts.heap ?? '256m'}`,
      // Guice 4 (the RM's and NM's web apps) defines classes through ClassLoader.defineClass.
      '--add-opens', 'java.base/java.lang=ALL-UNNAMED',
      '-Djava.net.preferIPv4Stack=true',
      // Jetty unpacks the web apps there: in the fixture's directory, not /tmp.
      `-Djava.io.tmpdir=${path.join(dir, 'tmp')}`,
      `@${path.join(dir, 'java.args')}`,
      'sparkport.MiniYarn', confDir,
      ...Object.entries(hadoopConf).map(([k, v]) => `${k}=${v}`),
    ], { cwd: dir, env: jvmEnv, stdio: ['pipe', 'pipe', fd], detached: true });
  } finally {
    closeSync(fd);
  }
  if (child.pid === undefined) throw new Error(`could not start java: ${tail(log, 20)}`);
  const pid = child.pid;
  let exited = false;
  child.once('exit', () => { exited = true; });
  child.once('error', () => { exited = true; });
  // The pipe to its standard input stays open as long as this process lives: when it closes (this
  // process ended however it did), the JVM stops its cluster by itself.
  child.stdin!.on('error', () => {});
  child.unref();
  (child.stdin as any).unref?.();

  const watchdog = spawn('/bin/sh', ['-c', WATCHDOG, 'yarn-watchdog', String(process.pid), dir, String(pid)], {
    detached: true,
    stdio: 'ignore',
  });
  watchdog.unref();

  let localDirs: string[] = [];
  const groups = () => [pid, ...containerGroups(localDirs)];
  liveClusters.add(groups);
  if (!exitHandler) {
    exitHandler = true;
    process.on('exit', () => {
      for (const g of liveClusters) for (const p of g()) killGroup(p, 'SIGKILL');
    });
  }

  let rmWebUrl = '';
  const rest = async (method: string, p: string, body?: unknown): Promise<{ status: number; body: any }> => {
    const r = await fetch(`${rmWebUrl}${p}`, {
      method,
      headers: { Accept: 'application/json', ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    let parsed: any = text;
    try { parsed = JSON.parse(text); } catch { /* not JSON */ }
    return { status: r.status, body: parsed };
  };
  const app = async (id: string) => {
    const r = await rest('GET', `/ws/v1/cluster/apps/${id}`);
    if (r.status === 404) return undefined;
    if (r.status !== 200) throw new Error(`GET /ws/v1/cluster/apps/${id}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.app;
  };
  const apps = async (states?: string[]) => {
    const r = await rest('GET', `/ws/v1/cluster/apps${states?.length ? `?states=${states.join(',')}` : ''}`);
    if (r.status !== 200) throw new Error(`GET /ws/v1/cluster/apps: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.apps?.app ?? [];
  };
  const waitForApp = async (id: string, states: string[], timeoutMs = 120_000) => {
    const end = Date.now() + timeoutMs;
    let last: any;
    for (;;) {
      last = await app(id);
      if (last && states.includes(last.state)) return last;
      if (last && FINAL_STATES.includes(last.state)) {
        throw new Error(`${id} ended ${last.state}/${last.finalStatus}, not ${states.join('|')}: ${last.diagnostics}`);
      }
      if (Date.now() > end) throw new Error(`${id} not ${states.join('|')} after ${timeoutMs} ms: ${JSON.stringify(last)}`);
      await sleep(250);
    }
  };
  const kill = async (id: string, timeoutMs = 60_000) => {
    const r = await rest('PUT', `/ws/v1/cluster/apps/${id}/state`, { state: 'KILLED' });
    // 202 {"state":"KILLING"} while it goes, 200 {"state":"KILLED"} once gone (or an already final state).
    if (r.status !== 200 && r.status !== 202) throw new Error(`PUT /ws/v1/cluster/apps/${id}/state: ${r.status} ${JSON.stringify(r.body)}`);
    return waitForApp(id, FINAL_STATES, timeoutMs);
  };

  let stopped: Promise<void> | null = null;
  const stop = () => {
    stopped ??= (async () => {
      // Running apps first: their containers end at once, and the NodeManager's stop is quicker.
      if (rmWebUrl && !exited) {
        try {
          const live = await apps(['NEW', 'NEW_SAVING', 'SUBMITTED', 'ACCEPTED', 'RUNNING']);
          await Promise.all(live.map((a: any) => rest('PUT', `/ws/v1/cluster/apps/${a.id}/state`, { state: 'KILLED' }).catch(() => {})));
          const end = Date.now() + 10_000;
          while (Date.now() < end && (await apps(['NEW', 'NEW_SAVING', 'SUBMITTED', 'ACCEPTED', 'RUNNING']).catch(() => [])).length) await sleep(200);
        } catch {
          // The RM is not answering: signals do it.
        }
      }
      const containers = containerGroups(localDirs);
      killGroup(pid, 'SIGTERM');
      const end = Date.now() + (opts.stopGraceMs ?? 15_000);
      while (groupAlive(pid) && Date.now() < end) await sleep(100);
      const all = [pid, ...containers, ...containerGroups(localDirs)];
      for (const g of all) killGroup(g, 'SIGKILL');
      while (all.some(groupAlive)) await sleep(50);
      liveClusters.delete(groups);
      if (watchdog.pid !== undefined) killGroup(watchdog.pid, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    })();
    return stopped;
  };

  try {
    // READY <rm-web-url> on its stdout once the node is registered and conf/ written.
    const ready = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`timed out after ${opts.timeoutMs ?? 120_000} ms`)), opts.timeoutMs ?? 120_000);
      const onExit = (code: number | null, signal: string | null) => {
        clearTimeout(timer);
        reject(new Error(`the JVM exited (code ${code}, signal ${signal})`));
      };
      child.once('exit', onExit);
      child.stdout!.on('data', (c: Buffer) => {
        appendFileSync(log, c);
        out += c.toString();
        const m = /^READY (\S+)$/m.exec(out);
        if (m) {
          clearTimeout(timer);
          child.off('exit', onExit);
          resolve(m[1]!);
        }
      });
    });
    (child.stdout as any).unref?.();
    rmWebUrl = ready;
    const info = JSON.parse(readFileSync(path.join(dir, 'cluster.json'), 'utf8'));
    localDirs = String(info.nmLocalDirs).split(',');
    const logDirs = String(info.nmLogDirs).split(',');
    const py4j = readdirSync(path.join(SPARK_HOME, 'python/lib')).find((f) => /^py4j-.*-src\.zip$/.test(f));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      SPARK_HOME,
      HADOOP_CONF_DIR: confDir,
      SPARK_LOCAL_IP: '127.0.0.1',
      // Spark ships these two to Python containers unless given as local: paths (an env var only: no conf key).
      PYSPARK_ARCHIVES_PATH: [`local:${SPARK_HOME}/python/lib/pyspark.zip`, ...(py4j ? [`local:${SPARK_HOME}/python/lib/${py4j}`] : [])].join(','),
    };
    delete env.YARN_CONF_DIR;
    const sparkConf: Record<string, string> = {
      'spark.master': 'yarn',
      'spark.yarn.jars': `local:${SPARK_HOME}/jars/*`,
      'spark.pyspark.python': VENV_PYTHON,
      'spark.yarn.stagingDir': `file://${staging}`,
    };
    const containerLogDir = (appId: string, containerId?: string) => {
      const c = containerId ?? `container_${appId.replace(/^application_/, '')}_01_000001`;
      return path.join(logDirs[0]!, appId, c);
    };
    return {
      dir,
      confDir,
      rmWebUrl,
      rmAddress: info.rmAddress,
      nmAddress: info.nmAddress,
      nmWebUrl: info.nmWebUrl,
      nodeManagerLocalDirs: localDirs,
      nodeManagerLogDirs: logDirs,
      log,
      pid,
      sparkHome: SPARK_HOME,
      env,
      sparkConf,
      app,
      apps,
      kill,
      waitForApp,
      containerLogDir,
      logs: (lines = 60) => tail(log, lines),
      stop,
    };
  } catch (e) {
    const msg = `MiniYARNCluster did not start: ${(e as Error).message}\n--- ${log} ---\n${tail(log, 80)}`;
    await stop();
    throw new Error(msg);
  }
}

/** `node --import tsx test/clusters/yarn.ts`: starts a cluster, prints it, stops it on SIGINT or SIGTERM. */
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const t0 = Date.now();
  const c = await startYarn();
  console.log(JSON.stringify({ ...c, env: undefined, startMs: Date.now() - t0 }, null, 2));
  const keep = setInterval(() => {}, 60_000);
  const done = async () => {
    clearInterval(keep);
    const s = Date.now();
    await c.stop();
    console.log(JSON.stringify({ stopMs: Date.now() - s }));
    process.exit(0);
  };
  process.once('SIGINT', done);
  process.once('SIGTERM', done);
}
