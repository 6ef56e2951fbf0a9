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

const PHASES: Record<string, AppPhase> = { Pending: 'pending', Running: 'running', Succeeded: 'succeeded', Failed: 'failed' };

/**
 * spark-submit --status output → report: the driver pod's phase. `Unknown` (its node is out of
 * touch) is asked again, not taken for an end; a pod that is no longer there is gone.
 */
export function kubernetesReport(id: string, output: string): AppReport {
  const phase = /phase: (\w+)/.exec(output)?.[1];
  if (!phase) {
    if (/not found|No such|does not exist/i.test(output)) return { phase: 'gone', state: 'NOT FOUND', appId: id };
    throw new Error(`spark-submit --status said nothing of the driver pod's phase: ${output.trim().split('\n').slice(-1)[0] ?? ''}`);
  }
  const known = PHASES[phase];
  if (!known) throw new Error(`the driver pod's phase is ${phase}`);
  const appId = /spark-app-selector -> (\S+?),?\s/.exec(output)?.[1];
  return { phase: known, state: phase, ...(appId ? { appId } : { appId: id }) };
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
  return {
    name: 'Kubernetes',
    // The id is the driver pod's name, which the server chooses (cluster-conf.ts): never read from output.
    submissionIn: () => undefined,
    // Each poll is a JVM (spark-submit --status): not every couple of seconds.
    minPollMs: 15_000,
    report: async (id) => kubernetesReport(id, await run('status', id)),
    kill: async (id) => { await run('kill', id); },
    driverLogTail: async () => [],
  };
}
