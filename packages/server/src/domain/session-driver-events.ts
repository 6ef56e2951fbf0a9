/**
 * What a session does when its driver says something: launched, ready, away, back, gone. The
 * session manager builds one set per session and hands it to the session's DriverSupervisor;
 * this is the only place the driver's life moves the session's Livy state.
 */
import { sessionMachine, type SessionState } from '@sparkport/protocol';
import type { Config } from '../config.ts';
import type { DriverEvents, DriverLoss } from './driver-supervisor.ts';
import type { DriverLink } from './ports/driver-link.ts';
import type { DomainMetrics } from './ports/metrics.ts';
import { preloadShared } from './preload.ts';
import type { SessionRuntime } from './session-runtime.ts';

/** What the events need of the session manager. */
export interface SessionHost {
  config: Config;
  metrics: DomainMetrics;
  transition(rt: SessionRuntime, to: SessionState, reason: string): void;
  persist(rt: SessionRuntime): void;
  /** Something happened: the idle timeout counts from here. */
  touch(rt: SessionRuntime): void;
  /** The driver could not take the session's conf (a warm driver): a new one, or the session ends. */
  startCold(rt: SessionRuntime, why: string): void;
}

const CONFIGURE_TIMEOUT_MS = 30_000;

export function sessionDriverEvents(rt: SessionRuntime, host: SessionHost): DriverEvents {
  const orphans = new WeakSet<DriverLink>();
  // A restarted server's statements come back as orphans of the link, matched by statement id.
  const adoptOrphans = (link: DriverLink) => {
    if (orphans.has(link)) return;
    orphans.add(link);
    link.on('orphan', (m) => rt.statements.onOrphan(m));
  };
  /**
   * The session's conf is set if a warm driver still owes it (confPending), its shared data is
   * loaded, then it is idle and statements go to `link`.
   */
  const becomeIdle = (link: DriverLink, thenRun: () => void) => {
    void configured(link).then((ok) => {
      if (!ok) return;
      return preloadShared(rt, link, host.config).then(() => {
        if (rt.record.state !== 'starting') return;
        host.transition(rt, 'idle', 'driver ready');
        thenRun();
      });
    });
  };
  const configured = async (link: DriverLink): Promise<boolean> => {
    if (!rt.record.confPending) return true;
    try {
      await link.request({ type: 'configure', conf: rt.record.conf }, { timeoutMs: CONFIGURE_TIMEOUT_MS });
    } catch (e) {
      if (rt.record.confPending) host.startCold(rt, `the warm driver could not take the session's conf (${(e as Error).message})`);
      return false;
    }
    rt.record.confPending = false;
    host.persist(rt);
    return true;
  };
  return {
    launched: (pid) => {
      rt.record.driverPid = pid;
      host.metrics.driverStarted();
      host.persist(rt);
    },
    // The cluster manager's word (a cluster-mode driver's): its UI address is the one users can reach.
    appInfo: (info) => {
      rt.record.appId = info.appId ?? rt.record.appId;
      rt.record.sparkUiUrl = info.sparkUiUrl ?? rt.record.sparkUiUrl;
      rt.record.driverLogUrl = info.driverLogUrl ?? rt.record.driverLogUrl ?? null;
      if (info.sparkUiUrl) rt.clusterUi = true;
      host.persist(rt);
    },
    ready: (app, link) => {
      adoptOrphans(link);
      rt.connect = app.connect ?? undefined;
      rt.record.appId = app.appId;
      if (!rt.clusterUi) rt.record.sparkUiUrl = app.sparkUiUrl;
      host.touch(rt);
      becomeIdle(link, () => rt.statements.attach(link));
    },
    returned: (link) => adoptOrphans(link),
    // A Connect client's use is the session's: the idle timeout counts from it. Never backwards,
    // and like any touch, not written to the store by itself.
    connectUsed: (at) => {
      if (at > rt.record.lastActivity) rt.record.lastActivity = at;
    },
    resumed: (app, link, running) => {
      host.metrics.driverReconnected();
      // How a restarted server learns the Spark Connect face again (it stores none of it).
      rt.connect = app.connect ?? rt.connect;
      rt.record.appId = app.appId ?? rt.record.appId;
      if (!rt.clusterUi) rt.record.sparkUiUrl = app.sparkUiUrl ?? rt.record.sparkUiUrl;
      host.persist(rt);
      // Back from recovering: idle, and busy at once if it still runs a statement.
      if (rt.record.state === 'recovering') host.transition(rt, 'idle', 'driver reconnected');
      // Ready while no server was running: what `ready` does is still to do.
      if (rt.record.state === 'starting') becomeIdle(link, () => rt.statements.resume(link, running));
      else rt.statements.resume(link, running);
    },
    disconnected: () => {
      rt.statements.detach();
      if (rt.record.state === 'idle' || rt.record.state === 'busy') host.transition(rt, 'recovering', 'waiting for the driver to reconnect');
    },
    gone: (loss) => {
      rt.connect = undefined;
      driverLost(rt, loss, host);
    },
  };
}

/** The driver went away on its own: whatever was open fails with the reason, and so does the session. */
function driverLost(rt: SessionRuntime, loss: DriverLoss, host: SessionHost): void {
  if (!sessionMachine.is(rt.record.state, 'live')) return;
  const starting = rt.record.state === 'starting';
  host.metrics.driverFailed(starting ? 'starting' : 'running');
  rt.log.push('stderr', `session failed: ${loss.reason.split('\n')[0]}`);
  rt.statements.failOpen(
    starting ? 'SessionError' : 'Error',
    starting ? `Session ${rt.id} failed to start: ${loss.reason}` : `Interpreter died:\n${loss.reason}`,
  );
  if (loss.killed) return host.transition(rt, 'killed', loss.reason);
  host.transition(rt, 'error', loss.reason);
  host.transition(rt, 'dead', loss.reason);
}
