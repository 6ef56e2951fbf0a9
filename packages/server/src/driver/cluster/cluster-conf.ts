/**
 * What each cluster manager needs on spark-submit's command line beyond the request's own
 * settings, for client and cluster deploy mode. Pure, so the command lines for a cluster that is
 * not reachable here (Kubernetes) are unit-tested against Spark's documented settings.
 *
 * In cluster mode spark-submit only submits: the server follows the application through the
 * cluster manager (cluster-app.ts), which survives a server restart, rather than through a
 * spark-submit process kept alive for the application's whole life.
 */
import { createHash } from 'node:crypto';
import type { Config } from '../../config.ts';
import { masterKind, type Placement } from '../../domain/placement.ts';

export interface ClusterSubmit {
  /** The URL given to --master (a standalone cluster takes cluster-mode submissions on its REST port). */
  master: string;
  /** Conf the server sets after the request's, so the request can't undo it. */
  conf: Record<string, string>;
}

/**
 * The REST submission servers (spark.master.rest.enabled) of a standalone master, one for each
 * master of an HA list (spark://m1:7077,m2:7077), in its order: cluster.standalone.restUrl (a URL,
 * or a comma-separated list), else each master's host at port 6066.
 */
export function standaloneRestUrls(master: string, cfg: Pick<Config, 'cluster'>): string[] {
  const set = cfg.cluster.standalone.restUrl;
  const urls = set
    ? set.split(',').map((u) => u.trim().replace(/\/$/, '')).filter(Boolean)
    : master.replace(/^spark:\/\//, '').split(',').map((hostPort) => `http://${hostPort.trim().replace(/:\d+$/, '')}:6066`);
  return [...new Set(urls)];
}

/**
 * cluster.standalone.restUrl, checked at start: one or more http://host:port, separated by
 * commas (empty: unset). Only the host and port reach spark-submit, whose REST client speaks
 * plain http, so a scheme, path or credentials it would drop are refused rather than ignored.
 */
export function checkStandaloneRestUrl(cfg: Pick<Config, 'cluster'>): void {
  const set: unknown = cfg.cluster.standalone.restUrl;
  if (set === null || set === '') return;
  const bad = (why: string) => new Error(`Setting 'cluster.standalone.restUrl' ${why}: give the masters' REST submission servers as http://host:6066, separated by commas`);
  if (typeof set !== 'string') throw bad(`must be a string, got ${JSON.stringify(set)}`);
  const urls = set.split(',').map((u) => u.trim()).filter(Boolean);
  if (!urls.length) throw bad('names no URL');
  for (const u of urls) {
    let url: URL | undefined;
    try {
      url = new URL(u);
    } catch { /* not a URL */ }
    const plain = url && url.protocol === 'http:' && !url.username && !url.password && url.pathname === '/' && !url.search && !url.hash;
    if (!plain) throw bad(`has '${u}', which is not http://host:port`);
  }
}

/** The Python cluster-mode drivers and cluster executors run. */
export function clusterPython(cfg: Pick<Config, 'cluster' | 'spark'>): string {
  return cfg.cluster.python ?? cfg.spark.python;
}

/**
 * A Kubernetes object name for the driver pod: DNS-1123, unique per server (its data directory)
 * and launch, so two servers on one namespace don't collide.
 */
export function kubernetesDriverPodName(cfg: Pick<Config, 'dataDir'>, what: 'session' | 'batch', id: number): string {
  const server = createHash('sha256').update(cfg.dataDir).digest('hex').slice(0, 8);
  return `sparkport-${server}-${what}-${id}-driver`;
}

export function clusterSubmit(p: Placement, cfg: Pick<Config, 'cluster' | 'spark' | 'dataDir' | 'driver'>, what: 'session' | 'batch', id: number): ClusterSubmit {
  const cluster = p.deployMode === 'cluster';
  const conf: Record<string, string> = {};
  switch (masterKind(p.master)) {
    case 'yarn':
      if (cluster) conf['spark.yarn.submit.waitAppCompletion'] = 'false';
      // A second attempt of a session's driver would present the spent one-time token and fail
      // anyway, a minute later: the session fails at once, with the first attempt's reason.
      if (cluster && what === 'session') conf['spark.yarn.maxAppAttempts'] = '1';
      return { master: 'yarn', conf };
    case 'standalone':
      if (!cluster) return { master: p.master, conf };
      conf['spark.master.rest.enabled'] = 'true';
      // spark-submit's REST client tries each in turn, as it does the masters of an HA list.
      return { master: `spark://${standaloneRestUrls(p.master, cfg).map((u) => u.replace(/^https?:\/\//, '')).join(',')}`, conf };
    case 'kubernetes': {
      const k = cfg.cluster.kubernetes;
      conf['spark.kubernetes.namespace'] = k.namespace;
      if (k.image) conf['spark.kubernetes.container.image'] = k.image;
      if (k.serviceAccount) conf['spark.kubernetes.authenticate.driver.serviceAccountName'] = k.serviceAccount;
      if (cluster) {
        conf['spark.kubernetes.driver.pod.name'] = kubernetesDriverPodName(cfg, what, id);
        conf['spark.kubernetes.submission.waitAppCompletion'] = 'false';
      } else if (cfg.driver.advertiseHost) {
        // Client mode: executor pods call the driver on this machine.
        conf['spark.driver.host'] = cfg.driver.advertiseHost;
      }
      return { master: p.master, conf };
    }
    default:
      return { master: p.master, conf };
  }
}

/**
 * The submission id known before spark-submit runs, where the server names the application
 * itself (a Kubernetes driver pod: namespace:pod); null where the cluster manager names it.
 */
export function presetSubmissionId(p: Placement, cfg: Pick<Config, 'cluster' | 'dataDir'>, what: 'session' | 'batch', id: number): string | null {
  if (p.deployMode !== 'cluster' || masterKind(p.master) !== 'kubernetes') return null;
  return `${cfg.cluster.kubernetes.namespace}:${kubernetesDriverPodName(cfg, what, id)}`;
}

/**
 * How a cluster-mode driver gets environment variables: each cluster manager has its own conf
 * prefix (Spark standalone runs no Python driver in cluster mode, and a jar's driver needs none).
 */
export function driverEnvConf(p: Placement, env: Record<string, string>): Record<string, string> {
  const prefix = masterKind(p.master) === 'yarn' ? 'spark.yarn.appMasterEnv.'
    : masterKind(p.master) === 'kubernetes' ? 'spark.kubernetes.driverEnv.'
      : 'spark.driverEnv.';
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [`${prefix}${k}`, v]));
}
