/**
 * A Spark standalone master's REST submission server (spark.master.rest.enabled, port 6066 by
 * default): where cluster-mode submissions go, and where their drivers' state is asked
 * (`/v1/submissions/status/{id}`) and killed (`/v1/submissions/kill/{id}`). With masters in HA
 * (ZooKeeper recovery), only the active one answers: each is asked in turn, the one that last
 * answered first.
 */
import type { Config } from '../../config.ts';
import { standaloneRestUrls } from './cluster-conf.ts';
import { failover, fetchJson, type AppPhase, type AppReport, type ClusterManager } from './cluster-manager.ts';

/** RestSubmissionClient's own log line (log4j's console pattern), the whole line's start: see yarn.ts's SUBMITTED. */
const SUBMITTED = /^(?:\d{2}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2} )?INFO RestSubmissionClient: Submission successfully created as (driver-\d{14}-\d{4,})\. /;

/** What a master that is not the active one (a standby, one recovering) says when asked for a driver. */
const NOT_ACTIVE = /ALIVE state|not alive/i;

function phaseOf(driverState: string): AppPhase {
  switch (driverState) {
    case 'SUBMITTED': return 'pending';
    case 'RUNNING': case 'RELAUNCHING': return 'running';
    case 'FINISHED': return 'succeeded';
    case 'KILLED': return 'killed';
    case 'FAILED': case 'ERROR': return 'failed';
    default: return 'gone'; // UNKNOWN: the master doesn't know it (it restarted, or forgot)
  }
}

interface StatusResponse {
  success?: boolean;
  driverState?: string;
  message?: string;
  workerHostPort?: string;
}

export function standaloneReport(id: string, r: StatusResponse): AppReport {
  // A master that is not ALIVE (recovering, a standby) says so in `message`: ask again later.
  if (r.success === false && r.driverState === undefined && r.message) throw new Error(`the master can't tell just now: ${r.message.split('\n')[0]}`);
  const state = String(r.driverState ?? 'UNKNOWN');
  return {
    phase: phaseOf(state),
    state,
    // A cluster-mode driver is known to the master by its driver id; that is what its UI lists and kills.
    appId: id,
    ...(r.message ? { diagnostics: r.message.trim().split('\n').slice(0, 3).join(' ').slice(0, 500) } : {}),
  };
}

export function standaloneManager(master: string, cfg: Pick<Config, 'cluster'>): ClusterManager {
  const rests = standaloneRestUrls(master, cfg);
  return {
    name: 'the standalone master',
    submissionIn: (line) => SUBMITTED.exec(line)?.[1],
    report: (id) => failover(rests, async (rest) => {
      const { status, body } = await fetchJson(`${rest}/v1/submissions/status/${id}`);
      const r = body as StatusResponse | null;
      if (status !== 200 || !r || typeof r !== 'object') throw new Error(`the master's REST server answered ${status}`);
      return standaloneReport(id, r);
    }),
    async kill(id) {
      const refused = await failover(rests, async (rest) => {
        const { status, body } = await fetchJson(`${rest}/v1/submissions/kill/${id}`, { method: 'POST' });
        const r = body as { success?: boolean; message?: string } | null;
        if (status === 200 && r?.success !== false) return undefined;
        const why = `the master refused the kill (${status}): ${JSON.stringify(body).slice(0, 300)}`;
        // A standby passes to the next master; the active one's refusal (a driver that has ended) is the answer.
        if (status !== 200 || NOT_ACTIVE.test(r?.message ?? '')) throw new Error(why);
        return why;
      });
      if (refused) throw new Error(refused);
    },
    driverLogTail: async () => [],
  };
}
