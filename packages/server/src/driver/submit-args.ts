/**
 * Session request → spark-submit arguments. Pure, so the mapping of Livy's fields to Spark's
 * settings is unit-tested without launching anything.
 */
import path from 'node:path';
import type { Config } from '../config.ts';
import { isLocalMaster, placementOf, type Placement } from '../domain/placement.ts';
import type { SessionSpec } from '../domain/records.ts';
import { clusterPython, clusterSubmit } from './cluster/cluster-conf.ts';

export { isLocalMaster } from '../domain/placement.ts';

/**
 * In local mode everything stays on loopback. On a cluster the executors must reach the driver,
 * so Spark picks the machine's address unless one is configured (driver.advertiseHost). A
 * cluster-mode driver runs in the cluster, where the cluster manager says where it is.
 */
function driverAddressConf(p: Placement, cfg: Config): Record<string, string> {
  if (p.deployMode === 'cluster') return {};
  if (isLocalMaster(p.master)) return { 'spark.driver.host': '127.0.0.1', 'spark.driver.bindAddress': '127.0.0.1' };
  return cfg.driver.advertiseHost ? { 'spark.driver.host': cfg.driver.advertiseHost } : {};
}

/**
 * Directories on the server's disk: only a driver on this machine can use them. In the cluster,
 * scratch space is the cluster manager's and the warehouse is relative to the driver's container.
 */
function localDirsConf(p: Placement, workDir: string): Record<string, string> {
  if (p.deployMode === 'cluster') return {};
  return { 'spark.local.dir': path.join(workDir, 'tmp'), 'spark.sql.warehouse.dir': path.join(workDir, 'spark-warehouse') };
}

/**
 * On a cluster, the Python workers (and a cluster-mode Python driver) run the cluster's Python
 * (cluster.python); a client-mode driver keeps the server's.
 */
function pythonConf(p: Placement, cfg: Config): Record<string, string> {
  if (isLocalMaster(p.master)) return {};
  const conf: Record<string, string> = { 'spark.pyspark.python': clusterPython(cfg) };
  if (p.deployMode === 'client') conf['spark.pyspark.driver.python'] = cfg.spark.python;
  return conf;
}

/** The fields sessions and batches share: what spark-submit's own flags and conf carry. */
export type SubmitSpec = Pick<SessionSpec,
  'placement' | 'name' | 'proxyUser' | 'driverMemory' | 'driverCores' | 'executorMemory' | 'executorCores' | 'numExecutors' |
  'queue' | 'conf' | 'jars' | 'pyFiles' | 'files' | 'archives'>;

/**
 * Precedence, lowest first: the operator's spark.defaultConf, the server's own keys, the request's
 * conf, the request's fields, then the operator's spark.forcedConf, so an authorization extension
 * or a resource cap the operator forces can't be switched off by a request. (Requests naming a
 * forced key are refused before this: domain/spark-conf-rules.ts; forced still wins if one got by.)
 */
export function buildSubmitArgs(spec: SubmitSpec, sessionId: number, cfg: Config, workDir: string, what: 'session' | 'batch' = 'session'): string[] {
  const forced = cfg.spark.forcedConf;
  const placement = placementOf(spec, cfg);
  const cluster = clusterSubmit(placement, cfg, what, sessionId);
  const conf: Record<string, string> = {
    ...cfg.spark.defaultConf,
    'spark.app.name': spec.name ?? `sparkport-${what}-${sessionId}`,
    ...localDirsConf(placement, workDir),
    ...driverAddressConf(placement, cfg),
    ...pythonConf(placement, cfg),
    ...spec.conf,
    ...cluster.conf,
  };
  const args = ['--master', cluster.master, '--deploy-mode', placement.deployMode];
  args.push('--driver-memory', forced['spark.driver.memory'] ?? spec.driverMemory ?? spec.conf['spark.driver.memory'] ?? cfg.spark.defaultDriverMemory);
  if (spec.driverCores) conf['spark.driver.cores'] = String(spec.driverCores);
  if (spec.executorMemory) conf['spark.executor.memory'] = spec.executorMemory;
  if (spec.executorCores) conf['spark.executor.cores'] = String(spec.executorCores);
  if (spec.numExecutors) conf['spark.executor.instances'] = String(spec.numExecutors);
  if (spec.queue) conf['spark.yarn.queue'] = spec.queue;
  if (spec.proxyUser) args.push('--proxy-user', spec.proxyUser);
  if (spec.jars.length) args.push('--jars', spec.jars.join(','));
  if (spec.pyFiles.length) args.push('--py-files', spec.pyFiles.join(','));
  if (spec.files.length) args.push('--files', spec.files.join(','));
  if (spec.archives.length) args.push('--archives', spec.archives.join(','));
  Object.assign(conf, forced);
  delete conf['spark.driver.memory'];
  for (const [k, v] of Object.entries(conf)) args.push('--conf', `${k}=${v}`);
  return args;
}
