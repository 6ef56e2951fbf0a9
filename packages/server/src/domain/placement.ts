/**
 * Where a session's driver or a batch runs: the master (local, a standalone cluster, YARN,
 * Kubernetes) and the deploy mode (client: the driver on the server's machine; cluster: inside
 * the cluster). The server's settings choose it (spark.master, spark.deployMode); a request may
 * name another with Spark's own conf keys, spark.master and spark.submit.deployMode, only where
 * the operator lists it (spark.allowedMasters, spark.allowedDeployModes). Decided once, when the
 * request is checked, and stored with it, so a restarted server follows it where it went even
 * if its settings changed meanwhile.
 */
import type { Config } from '../config.ts';
import { invalid } from './errors.ts';

export type DeployMode = 'client' | 'cluster';
export const DEPLOY_MODES: readonly DeployMode[] = ['client', 'cluster'];

export interface Placement {
  master: string;
  deployMode: DeployMode;
}

export type MasterKind = 'local' | 'standalone' | 'yarn' | 'kubernetes';

/** Which cluster manager a master URL names; undefined for one Spark itself would refuse. */
export function masterKind(master: string): MasterKind | undefined {
  if (/^local(\[(\d+|\*)(,\d+)?\])?$/.test(master)) return 'local';
  if (/^spark:\/\/[^\s/]+(,[^\s/]+)*$/.test(master)) return 'standalone';
  if (master === 'yarn') return 'yarn';
  if (/^k8s:\/\/\S+$/.test(master)) return 'kubernetes';
  return undefined;
}

export const isLocalMaster = (master: string) => masterKind(master) === 'local';

/** The conf keys a request names its placement with; they never reach spark-submit's --conf. */
export const PLACEMENT_KEYS = { master: 'spark.master', deployMode: 'spark.submit.deployMode' } as const;

/** The settings' own placement: what requests get unless they ask (and may ask) for another. */
export function defaultPlacement(cfg: Config): Placement {
  return { master: cfg.spark.master, deployMode: cfg.spark.deployMode };
}

/** A stored record's placement; records from before placements were stored ran client mode on the configured master. */
export function placementOf(rec: { placement?: Placement }, cfg: Pick<Config, 'spark'>): Placement {
  return rec.placement ?? { master: cfg.spark.master, deployMode: 'client' };
}

/**
 * Why a placement can't run `what`, or undefined when it can. `pythonApp`: the application's
 * main program is Python (every interactive session's driver is).
 */
export function placementProblem(p: Placement, pythonApp: boolean): string | undefined {
  const kind = masterKind(p.master);
  if (!kind) return `'${p.master}' is not a Spark master URL: use local[N], spark://host:port, yarn or k8s://https://host:port`;
  if (!DEPLOY_MODES.includes(p.deployMode)) return `deploy mode '${p.deployMode}' is neither client nor cluster`;
  if (p.deployMode === 'cluster' && kind === 'local') return `a local master (${p.master}) has no cluster deploy mode: use client`;
  if (p.deployMode === 'cluster' && kind === 'standalone' && pythonApp) {
    return 'Spark standalone does not run Python applications in cluster deploy mode (interactive sessions are Python applications): use client mode (spark.submit.deployMode=client)';
  }
  return undefined;
}

/**
 * Why a driver placed so can't run as a proxyUser, or undefined when it can. Spark standalone's
 * cluster deploy mode submits as the proxy user but starts the driver from a worker, as the
 * worker's user: the name would be shown and not honoured.
 */
export function proxyUserProblem(p: Placement): string | undefined {
  if (p.deployMode === 'cluster' && masterKind(p.master) === 'standalone') {
    return 'Spark standalone\'s cluster deploy mode starts the driver as the worker\'s user, not as a proxyUser: use client mode (spark.submit.deployMode=client)';
  }
  return undefined;
}

/** Checked when the server starts: a placement no request could ever run on is a setting to fix. */
export function checkPlacementSettings(cfg: Config): void {
  const p = defaultPlacement(cfg);
  const kind = masterKind(p.master);
  if (!kind) throw new Error(`spark.master: ${placementProblem(p, false)}`);
  if (!DEPLOY_MODES.includes(p.deployMode)) throw new Error(`spark.deployMode must be client or cluster, got '${p.deployMode}'`);
  if (p.deployMode === 'cluster' && kind === 'local') throw new Error(`spark.deployMode is cluster but spark.master (${p.master}) is local: use a cluster master, or client`);
  for (const m of cfg.spark.allowedMasters) if (!masterKind(m)) throw new Error(`spark.allowedMasters: '${m}' is not a Spark master URL`);
  for (const d of cfg.spark.allowedDeployModes) if (!DEPLOY_MODES.includes(d as DeployMode)) throw new Error(`spark.allowedDeployModes: '${d}' is neither client nor cluster`);
  checkCallBackSettings(cfg);
}

/**
 * Where cluster-mode drivers can run (YARN, Kubernetes: Spark standalone runs no Python driver
 * there), they call the server back across the network: they need an address that is the
 * server's from where they are, not their own loopback, and TLS unless the operator says the
 * network is trusted.
 */
function checkCallBackSettings(cfg: Config): void {
  const cluster = cfg.spark.deployMode === 'cluster' || cfg.spark.allowedDeployModes.includes('cluster');
  const masters = [cfg.spark.master, ...cfg.spark.allowedMasters].filter((m) => ['yarn', 'kubernetes'].includes(masterKind(m) ?? ''));
  if (!cluster || !masters.length) return;
  if (!cfg.driver.advertiseHost) {
    throw new Error(`Cluster deploy mode on ${masters[0]} needs driver.advertiseHost: the address drivers in the cluster call the server back on (driver.listenHost is what it binds, ${cfg.driver.listenHost})`);
  }
  if (!cfg.driver.tls.certFile && !cfg.driver.allowPlaintext) {
    throw new Error(`Cluster deploy mode on ${masters[0]} needs driver.tls (certFile, keyFile): drivers send their token and every statement's results over that connection; set driver.allowPlaintext to run without it on a network you trust`);
  }
}

/**
 * The placement a request asks for, checked against what the operator allows, and its conf
 * without the two keys. A 400 names the setting that would allow what was refused.
 */
export function resolvePlacement(conf: Record<string, string>, cfg: Config, what: 'session' | 'batch', pythonApp: boolean): { placement: Placement; conf: Record<string, string> } {
  const rest = { ...conf };
  const askedMaster = rest[PLACEMENT_KEYS.master];
  const askedMode = rest[PLACEMENT_KEYS.deployMode];
  delete rest[PLACEMENT_KEYS.master];
  delete rest[PLACEMENT_KEYS.deployMode];
  const placement = defaultPlacement(cfg);
  if (askedMaster !== undefined && askedMaster !== cfg.spark.master) {
    if (!cfg.spark.allowedMasters.includes(askedMaster)) {
      throw invalid(`This server runs ${what}s on '${cfg.spark.master}'; '${askedMaster}' (conf spark.master) is not among the masters a request may choose (spark.allowedMasters: ${list(cfg.spark.allowedMasters)})`);
    }
    placement.master = askedMaster;
  }
  if (askedMode !== undefined) {
    if (!DEPLOY_MODES.includes(askedMode as DeployMode)) throw invalid(`Invalid spark.submit.deployMode '${askedMode}': use client or cluster`);
    if (askedMode !== cfg.spark.deployMode && !cfg.spark.allowedDeployModes.includes(askedMode)) {
      throw invalid(`This server runs ${what}s in ${cfg.spark.deployMode} deploy mode; ${askedMode} (conf spark.submit.deployMode) is not allowed (spark.allowedDeployModes: ${list(cfg.spark.allowedDeployModes)})`);
    }
    placement.deployMode = askedMode as DeployMode;
  } else if (isLocalMaster(placement.master)) {
    // A request that picked a local master runs it in client mode: nothing else exists there.
    placement.deployMode = 'client';
  }
  const problem = placementProblem(placement, pythonApp);
  if (problem) throw invalid(`This ${what} can't run as asked: ${problem}`);
  return { placement, conf: rest };
}

const list = (xs: readonly string[]) => (xs.length ? xs.join(', ') : 'none');

/**
 * Where drivers call back: those on this machine (client mode) on `local`, a Unix socket when
 * there is one; those inside the cluster (cluster mode) on `cluster`, the TCP listener's
 * advertised host:port.
 */
export interface DriverAddresses {
  local: string;
  cluster: string;
}

export function driverAddressFor(addr: string | DriverAddresses, rec: { placement?: Placement }, cfg: Pick<Config, 'spark'>): string {
  if (typeof addr === 'string') return addr;
  return placementOf(rec, cfg).deployMode === 'cluster' ? addr.cluster : addr.local;
}
