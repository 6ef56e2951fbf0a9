/**
 * Kubernetes, through spark-submit's own `--status` and `--kill` (namespace:driver-pod), which
 * use the same credentials as the submission. No cluster is reachable from the test machine: the
 * command lines and the parsing of --status's output are unit-tested.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import type { Config } from '../../config.ts';
import { sparkHomeOf } from '../spark-home.ts';
import type { AppPhase, AppReport, ClusterManager } from './cluster-manager.ts';

/** The submission id is namespace:pod-name, as spark-submit --status and --kill take it. */
const POD_LINE = /pod name: (\S+)/;
const NAMESPACE_LINE = /namespace: (\S+)/;

function phaseOf(phase: string): AppPhase {
  switch (phase) {
    case 'Pending': return 'pending';
    case 'Running': return 'running';
    case 'Succeeded': return 'succeeded';
    case 'Failed': return 'failed';
    default: return 'gone';
  }
}

/** spark-submit --status output → report: the driver pod's phase. */
export function kubernetesReport(id: string, output: string): AppReport {
  const phase = /phase: (\w+)/.exec(output)?.[1] ?? 'Unknown';
  const appId = /spark-app-selector -> (\S+?),?\s/.exec(output)?.[1];
  return { phase: phaseOf(phase), state: phase, ...(appId ? { appId } : { appId: id }) };
}

/** The command lines --status and --kill run. */
export function kubernetesCommand(op: 'status' | 'kill', id: string, master: string, sparkSubmit: string): { command: string; args: string[] } {
  return { command: sparkSubmit, args: [`--${op}`, id, '--master', master] };
}

export function kubernetesManager(master: string, cfg: Pick<Config, 'cluster' | 'spark' | 'batches'>): ClusterManager {
  const home = sparkHomeOf(cfg);
  const sparkSubmit = home ? path.join(home, 'bin', 'spark-submit') : 'spark-submit';
  const run = (op: 'status' | 'kill', id: string) => new Promise<string>((resolve, reject) => {
    const c = kubernetesCommand(op, id, master, sparkSubmit);
    execFile(c.command, c.args, { timeout: 60_000, maxBuffer: 1024 * 1024 }, (err, stdout, stderr) => (err ? reject(err) : resolve(`${stdout}\n${stderr}`)));
  });
  let namespace = cfg.cluster.kubernetes.namespace;
  return {
    name: 'Kubernetes',
    submissionIn(line) {
      namespace = NAMESPACE_LINE.exec(line)?.[1] ?? namespace;
      const pod = POD_LINE.exec(line)?.[1];
      return pod ? `${namespace}:${pod}` : undefined;
    },
    report: async (id) => kubernetesReport(id, await run('status', id)),
    kill: async (id) => { await run('kill', id); },
    driverLogTail: async () => [],
  };
}
