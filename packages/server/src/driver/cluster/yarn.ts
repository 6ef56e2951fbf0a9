/**
 * YARN's ResourceManager REST API (`/ws/v1/cluster/apps/{id}`): application reports, kills
 * (PUT …/state KILLED) and, through the application master's container log page, the driver's
 * stderr. Its address is cluster.yarn.resourceManagerUrl, or yarn-site.xml's
 * yarn.resourcemanager.webapp.address in HADOOP_CONF_DIR or YARN_CONF_DIR, where spark-submit
 * itself looks.
 */
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Config } from '../../config.ts';
import { failover, fetchJson, logPageLines, readCapped, type AppPhase, type AppReport, type ClusterManager } from './cluster-manager.ts';

/** A property of a Hadoop *-site.xml, its ${other.property} references filled in from the same file; undefined when absent. */
export function hadoopProperty(xml: string, name: string, depth = 0): string | undefined {
  for (const m of xml.matchAll(/<property>([\s\S]*?)<\/property>/g)) {
    const n = /<name>\s*([^<]*?)\s*<\/name>/.exec(m[1]!)?.[1];
    if (n !== name) continue;
    const v = /<value>\s*([^<]*?)\s*<\/value>/.exec(m[1]!)?.[1];
    if (v === undefined || depth > 8) return v;
    let unresolved = false;
    const out = v.replace(/\$\{([^}]+)\}/g, (_, ref: string) => {
      const r = hadoopProperty(xml, ref, depth + 1);
      if (r === undefined) unresolved = true;
      return r ?? '';
    });
    return unresolved ? undefined : out;
  }
  return undefined;
}

/**
 * The ResourceManagers' web addresses, in the order to try them: the setting, or yarn-site.xml's,
 * every one of an HA pair (yarn.resourcemanager.ha.rm-ids), https where the HTTP policy says so.
 */
export function resourceManagerUrls(cfg: Pick<Config, 'cluster'>, env: NodeJS.ProcessEnv = process.env): string[] {
  if (cfg.cluster.yarn.resourceManagerUrl) return [cfg.cluster.yarn.resourceManagerUrl.replace(/\/$/, '')];
  for (const dir of [env.YARN_CONF_DIR, env.HADOOP_CONF_DIR]) {
    const file = dir && path.join(dir, 'yarn-site.xml');
    if (!file || !existsSync(file)) continue;
    const xml = readFileSync(file, 'utf8');
    const https = hadoopProperty(xml, 'yarn.http.policy') === 'HTTPS_ONLY';
    const ha = hadoopProperty(xml, 'yarn.resourcemanager.ha.enabled') === 'true';
    const ids = ha ? (hadoopProperty(xml, 'yarn.resourcemanager.ha.rm-ids') ?? '').split(',').map((x) => x.trim()).filter(Boolean) : [];
    const urls: string[] = [];
    for (const suffix of ids.length ? ids.map((id) => `.${id}`) : ['']) {
      const web = hadoopProperty(xml, `yarn.resourcemanager.webapp${https ? '.https' : ''}.address${suffix}`);
      const host = hadoopProperty(xml, `yarn.resourcemanager.hostname${suffix}`);
      const addr = web ?? (host ? `${host}:${https ? 8090 : 8088}` : undefined);
      if (addr) urls.push(`${https ? 'https' : 'http'}://${addr.replace(/^0\.0\.0\.0(?=:)/, '127.0.0.1')}`);
    }
    if (urls.length) return urls;
  }
  throw new Error('YARN\'s ResourceManager address is unknown: set cluster.yarn.resourceManagerUrl, or HADOOP_CONF_DIR to a directory with yarn-site.xml');
}

/** The first of resourceManagerUrls. */
export function resourceManagerUrl(cfg: Pick<Config, 'cluster'>, env: NodeJS.ProcessEnv = process.env): string {
  return resourceManagerUrls(cfg, env)[0]!;
}

/**
 * spark-submit's own log lines naming the application (log4j's console pattern: date, level,
 * class), the whole line: output of the request's making (a conf key spark-submit echoes, a file
 * name) can't pass for one. "Submitting" comes first, so a kill right after it finds the id.
 */
const SUBMITTED = /^(?:\d{2}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2} )?INFO (?:Client|YarnClientImpl): Submitt(?:ing|ed) application (application_\d+_\d+)(?: to ResourceManager)?$/;

function phaseOf(state: string, finalStatus: string): AppPhase {
  switch (state) {
    case 'RUNNING': return 'running';
    case 'FINISHED': return finalStatus === 'FAILED' ? 'failed' : finalStatus === 'KILLED' ? 'killed' : 'succeeded';
    case 'FAILED': return 'failed';
    case 'KILLED': return 'killed';
    default: return 'pending'; // NEW, NEW_SAVING, SUBMITTED, ACCEPTED
  }
}

interface YarnApp {
  state?: string;
  finalStatus?: string;
  trackingUrl?: string;
  amContainerLogs?: string;
  diagnostics?: string;
}

export function yarnReport(id: string, app: YarnApp): AppReport {
  const state = String(app.state ?? 'UNKNOWN');
  const finalStatus = String(app.finalStatus ?? 'UNDEFINED');
  return {
    phase: phaseOf(state, finalStatus),
    state: state === 'FINISHED' ? `${state}/${finalStatus}` : state,
    appId: id,
    ...(app.trackingUrl ? { sparkUiUrl: app.trackingUrl.replace(/\/$/, '') } : {}),
    ...(app.amContainerLogs ? { driverLogUrl: app.amContainerLogs } : {}),
    ...(app.diagnostics ? { diagnostics: app.diagnostics.trim() } : {}),
  };
}

export function yarnManager(cfg: Pick<Config, 'cluster'>): ClusterManager {
  // Without Kerberos the ResourceManager takes the caller's name from user.name (pseudo authentication).
  const user = encodeURIComponent(process.env.HADOOP_USER_NAME ?? os.userInfo().username);
  const rm = (path: string, init?: RequestInit) => {
    const urls = resourceManagerUrls(cfg);
    // Of an HA pair, a standby's redirect says it is the standby: the other is asked, and
    // remembered. One address (the setting: one ResourceManager, or a balancer before both)
    // follows the redirect to the active one.
    const redirect = urls.length > 1 ? 'manual' : 'follow';
    return failover(urls, async (base) => {
      const r = await fetchJson(`${base}${path}`, { ...init, redirect });
      if (r.status === 307 || r.status === 503) throw new Error(`not the active ResourceManager (${r.status})`);
      return r;
    });
  };
  return {
    name: 'YARN',
    submissionIn: (line) => SUBMITTED.exec(line)?.[1],
    async report(id) {
      const { status, body } = await rm(`/ws/v1/cluster/apps/${id}?user.name=${user}`);
      if (status === 404) return { phase: 'gone', state: 'NOT FOUND', appId: id };
      const app = (body as { app?: YarnApp } | null)?.app;
      if (status !== 200 || !app) throw new Error(`the ResourceManager answered ${status}`);
      return yarnReport(id, app);
    },
    async kill(id) {
      const { status, body } = await rm(`/ws/v1/cluster/apps/${id}/state?user.name=${user}`, {
        method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ state: 'KILLED' }),
      });
      if (status === 401 || status === 403) throw new Error(`the ResourceManager refused the kill (${status}): the server's user may not kill this application (a Kerberized ResourceManager, or ACLs that leave proxyUser's applications to their owner)`);
      if (status !== 200 && status !== 202) throw new Error(`the ResourceManager refused the kill (${status}): ${JSON.stringify(body).slice(0, 300)}`);
    },
    async driverLogTail(_id, report) {
      if (!report.driverLogUrl) return [];
      // The AM's own log, then the driver's: Spark's PythonRunner sends the Python driver's
      // stderr to the container's stdout, so the driver's last words end the list.
      const page = async (file: string) => {
        try {
          const res = await fetch(`${report.driverLogUrl}/${file}/?start=-8192`, { signal: AbortSignal.timeout(5000) });
          return res.ok ? logPageLines(await readCapped(res, 256 * 1024)) : [];
        } catch {
          return [];
        }
      };
      return [...await page('stderr'), ...await page('stdout')];
    },
  };
}
