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
import { fetchJson, logPageLines, readCapped, type AppPhase, type AppReport, type ClusterManager } from './cluster-manager.ts';

/** A property of a Hadoop *-site.xml, or undefined. */
export function hadoopProperty(xml: string, name: string): string | undefined {
  for (const m of xml.matchAll(/<property>([\s\S]*?)<\/property>/g)) {
    const n = /<name>\s*([^<]*?)\s*<\/name>/.exec(m[1]!)?.[1];
    if (n === name) return /<value>\s*([^<]*?)\s*<\/value>/.exec(m[1]!)?.[1];
  }
  return undefined;
}

export function resourceManagerUrl(cfg: Pick<Config, 'cluster'>, env: NodeJS.ProcessEnv = process.env): string {
  if (cfg.cluster.yarn.resourceManagerUrl) return cfg.cluster.yarn.resourceManagerUrl.replace(/\/$/, '');
  for (const dir of [env.YARN_CONF_DIR, env.HADOOP_CONF_DIR]) {
    const file = dir && path.join(dir, 'yarn-site.xml');
    if (!file || !existsSync(file)) continue;
    const xml = readFileSync(file, 'utf8');
    const web = hadoopProperty(xml, 'yarn.resourcemanager.webapp.address');
    if (web) return `http://${web.replace(/^0\.0\.0\.0(?=:)/, '127.0.0.1')}`;
    const host = hadoopProperty(xml, 'yarn.resourcemanager.hostname');
    if (host) return `http://${host}:8088`;
  }
  throw new Error('YARN\'s ResourceManager address is unknown: set cluster.yarn.resourceManagerUrl, or HADOOP_CONF_DIR to a directory with yarn-site.xml');
}

const APP_ID = /\bapplication_\d+_\d+\b/;

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
  const rm = () => resourceManagerUrl(cfg);
  // Without Kerberos the ResourceManager takes the caller's name from user.name (pseudo authentication).
  const user = encodeURIComponent(process.env.HADOOP_USER_NAME ?? os.userInfo().username);
  return {
    name: 'YARN',
    submissionIn: (line) => (/Submitted application|Application report for/.test(line) ? APP_ID.exec(line)?.[0] : undefined),
    async report(id) {
      const { status, body } = await fetchJson(`${rm()}/ws/v1/cluster/apps/${id}?user.name=${user}`);
      if (status === 404) return { phase: 'gone', state: 'NOT FOUND', appId: id };
      const app = (body as { app?: YarnApp } | null)?.app;
      if (status !== 200 || !app) throw new Error(`the ResourceManager answered ${status}`);
      return yarnReport(id, app);
    },
    async kill(id) {
      const { status, body } = await fetchJson(`${rm()}/ws/v1/cluster/apps/${id}/state?user.name=${user}`, {
        method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ state: 'KILLED' }),
      });
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
