/**
 * The session launcher the server uses: by each session's placement, a driver on this machine
 * (client mode, local-launcher.ts) or one in the cluster (cluster mode,
 * cluster-session-launcher.ts). Every master goes through one of these two.
 */
import type { Config } from '../config.ts';
import type { DriverProcess, SessionLaunch, SessionLauncher } from '../domain/ports/launcher.ts';
import { placementOf } from '../domain/placement.ts';
import type { SessionRecord } from '../domain/records.ts';
import { ClusterSessionLauncher } from './cluster-session-launcher.ts';
import { LocalLauncher } from './local-launcher.ts';

export class SessionLaunchers implements SessionLauncher {
  private readonly client: LocalLauncher;
  private readonly cluster: ClusterSessionLauncher;

  constructor(private readonly cfg: Config) {
    this.client = new LocalLauncher(cfg);
    this.cluster = new ClusterSessionLauncher(cfg);
  }

  private of(session: SessionRecord): SessionLauncher {
    return placementOf(session, this.cfg).deployMode === 'cluster' ? this.cluster : this.client;
  }

  launch(spec: SessionLaunch): DriverProcess {
    return this.of(spec.session).launch(spec);
  }

  adopt(session: SessionRecord, workDir: string, connect: string): DriverProcess | null {
    return this.of(session).adopt!(session, workDir, connect);
  }

  /** Warm drivers run on this machine only (a cluster's pool size is 0 unless set): the local launcher's to reap. */
  reap(keep: Set<number>): void {
    this.client.reap(keep);
  }
}
