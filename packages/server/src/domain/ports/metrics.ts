/**
 * The metrics port: what the domain counts as it happens. The Prometheus adapter
 * (metrics/server-metrics.ts) implements it; the domain never imports prom-client, and runs with
 * `noMetrics` when nothing is injected (the unit tests). Gauges of what is (sessions by state,
 * queued statements) are not here: the adapter reads those from the managers at scrape time.
 */

/** How a statement ended: its output's status, or cancelled. */
export type StatementOutcome = 'ok' | 'error' | 'cancelled';

/** Why a driver went away without being asked: before it was ready, or after. */
export type DriverFailurePhase = 'starting' | 'running';

export interface DomainMetrics {
  /** A driver process was launched for a session. */
  driverStarted(): void;
  driverFailed(phase: DriverFailurePhase): void;
  /** A driver whose connection had dropped (or whose server restarted) called back and resumed. */
  driverReconnected(): void;
  /** `seconds`: from the driver taking it to its end; null for one that never ran (cancelled while waiting). */
  statementFinished(kind: string, outcome: StatementOutcome, seconds: number | null): void;
}

export const noMetrics: DomainMetrics = {
  driverStarted: () => undefined,
  driverFailed: () => undefined,
  driverReconnected: () => undefined,
  statementFinished: () => undefined,
};
