/**
 * How the server follows an application that runs in a cluster (cluster deploy mode): the
 * submission id spark-submit prints, the application's state, its kill, and the driver's log
 * where the cluster manager serves it. One adapter per cluster manager: YARN's ResourceManager
 * REST API (yarn.ts), the standalone master's REST submission server (standalone.ts), and
 * spark-submit's own --status and --kill for Kubernetes (kubernetes.ts).
 */
import type { Config } from '../../config.ts';
import { masterKind, type Placement } from '../../domain/placement.ts';
import { kubernetesManager } from './kubernetes.ts';
import { standaloneManager } from './standalone.ts';
import { yarnManager } from './yarn.ts';

/** Where an application is in its life, in words common to every cluster manager. */
export type AppPhase = 'pending' | 'running' | 'succeeded' | 'failed' | 'killed' | 'gone';

export const isFinalPhase = (p: AppPhase) => p !== 'pending' && p !== 'running';

export interface AppReport {
  phase: AppPhase;
  /** The cluster manager's own word for the state, as its UI shows it (RUNNING, FINISHED/SUCCEEDED, …). */
  state: string;
  appId?: string;
  sparkUiUrl?: string;
  driverLogUrl?: string;
  /** The cluster manager's explanation, for a failed or killed application. */
  diagnostics?: string;
}

export interface ClusterManager {
  /** How the manager is called in messages: "YARN", "the standalone master", "Kubernetes". */
  readonly name: string;
  /** The submission id in a line of spark-submit's output, if this line (all of it) is spark-submit saying so. */
  submissionIn(line: string): string | undefined;
  /** The shortest time between two reports worth asking for (a report may cost a JVM). */
  readonly minPollMs?: number;
  /** Throws when the manager can't be reached or doesn't answer sensibly. */
  report(id: string): Promise<AppReport>;
  kill(id: string): Promise<void>;
  /** The last lines of the driver's stderr, where the manager serves them; [] otherwise. */
  driverLogTail(id: string, report: AppReport): Promise<string[]>;
}

/** The adapter that follows applications submitted to this placement, for cluster deploy mode. */
export function clusterManagerFor(p: Placement, cfg: Config): ClusterManager {
  switch (masterKind(p.master)) {
    case 'yarn': return yarnManager(cfg);
    case 'standalone': return standaloneManager(p.master, cfg);
    case 'kubernetes': return kubernetesManager(p.master, cfg);
    default: throw new Error(`'${p.master}' has no cluster deploy mode`);
  }
}

/** A response's text, at most `max` bytes of it: a cluster manager's answer is small, and a huge one is not read whole. */
export async function readCapped(res: Response, max: number): Promise<string> {
  if (!res.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    chunks.push(chunk);
    size += chunk.byteLength;
    if (size >= max) break;
  }
  return Buffer.concat(chunks).subarray(0, max).toString('utf8');
}

/** Per list of servers, the index of the one that answered last: shared by every application on them. */
const lastAnswered = new Map<string, number>();

/**
 * A call on whichever of several servers answers it (standalone masters or ResourceManagers in
 * HA, where only the active one does): the one that answered last first, for any application
 * on the same servers, then the others in order. The call throws for a server that is down or
 * not the active one. When none answers, the error says what each did.
 */
export async function failover<T>(urls: string[], call: (url: string) => Promise<T>): Promise<T> {
  if (urls.length === 0) throw new Error('no server to ask');
  const key = urls.join(',');
  // Read once: calls in flight at the same time (a kill beside a poll) each keep their own order.
  const first = (lastAnswered.get(key) ?? 0) % urls.length;
  const failures: string[] = [];
  for (let i = 0; i < urls.length; i++) {
    const url = urls[(first + i) % urls.length]!;
    try {
      const answer = await call(url);
      lastAnswered.set(key, (first + i) % urls.length);
      return answer;
    } catch (e) {
      if (urls.length === 1) throw e;
      failures.push(`${url}: ${(e as Error).message}`);
    }
  }
  throw new Error(failures.join('; '));
}

/** fetch with a deadline, for a cluster manager's REST API: a hung manager must not hang a poll. */
export async function fetchJson(url: string, init: RequestInit = {}, ms = 10_000): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(ms) });
  const text = await readCapped(res, 1024 * 1024);
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = text;
  }
  return { status: res.status, body };
}

/** The text of an HTML log page (YARN's and Spark's workers wrap logs in <pre>), as lines. */
export function logPageLines(html: string, max = 40): string[] {
  const pre = [...html.matchAll(/<pre[^>]*>([\s\S]*?)<\/pre>/gi)].map((m) => m[1]).join('\n') || html;
  const text = pre.replace(/<[^>]+>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
  return text.split('\n').map((l) => l.trimEnd()).filter(Boolean).slice(-max);
}
