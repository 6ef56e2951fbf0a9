/**
 * The Prometheus side of the metrics port, and what GET /metrics serves. Counters are counted as
 * things happen (the domain through the DomainMetrics port, HTTP through a hook); gauges of what
 * is are read from the managers when Prometheus scrapes, so nothing has to keep them in step.
 * Each app has its own registry: the tests build many apps in one process, and one server's
 * numbers must not leak into another's. No label carries a user, a session id or a path with
 * ids in it: routes are their declared patterns, so the number of series stays fixed.
 */
import { BATCH_STATES, SESSION_STATES } from '@sparkport/protocol';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { DomainMetrics, DriverFailurePhase, StatementOutcome } from '../domain/ports/metrics.ts';
import { REFUSAL_REASONS, type RefusalReason } from '../http/connection-limit.ts';

/** What the gauges read at scrape time. */
export interface Observed {
  sessions: {
    list(): Iterable<{ record: { state: string }; statements: { waiting: number } }>;
    warmDrivers(): { ready: number; starting: number };
  };
  batches: { list(): Iterable<{ record: { state: string } }> };
  /** Requests held open: `?wait` long polls and event streams. */
  held: { longPolls: number; eventStreams: number };
}

const PREFIX = 'sparkport_';

export class ServerMetrics implements DomainMetrics {
  readonly registry = new Registry();
  private readonly statements: Counter<'kind' | 'outcome'>;
  private readonly statementSeconds: Histogram<'kind'>;
  private readonly driverStarts: Counter;
  private readonly driverFailures: Counter<'phase'>;
  private readonly driverReconnects: Counter;
  private readonly httpRequests: Counter<'route' | 'method' | 'status'>;
  private readonly droppedEvents: Counter;
  private readonly refusedConnections: Counter;

  constructor() {
    const registers = [this.registry];
    // Process and runtime: memory, CPU, handles, and the event loop's lag (nodejs_eventloop_lag_*).
    collectDefaultMetrics({ register: this.registry });
    this.statements = new Counter({
      name: `${PREFIX}statements_total`, help: 'Statements finished, by kind and outcome (ok, error, cancelled)',
      labelNames: ['kind', 'outcome'], registers,
    });
    this.statementSeconds = new Histogram({
      name: `${PREFIX}statement_duration_seconds`, help: 'From the driver taking a statement to its end, by kind',
      labelNames: ['kind'], buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 1800], registers,
    });
    this.driverStarts = new Counter({ name: `${PREFIX}driver_starts_total`, help: 'Session drivers launched', registers });
    this.driverFailures = new Counter({
      name: `${PREFIX}driver_failures_total`, help: 'Session drivers gone without being asked, before they were ready (starting) or after (running)',
      labelNames: ['phase'], registers,
    });
    this.driverReconnects = new Counter({
      name: `${PREFIX}driver_reconnects_total`, help: 'Session drivers that called back after their connection dropped or the server restarted', registers,
    });
    this.httpRequests = new Counter({
      name: `${PREFIX}http_requests_total`, help: 'HTTP requests answered, by route pattern, method and status',
      labelNames: ['route', 'method', 'status'], registers,
    });
    this.droppedEvents = new Counter({
      name: `${PREFIX}event_stream_dropped_events_total`, help: 'Output, progress and statement events not sent to an event stream client that read too slowly', registers,
    });
    this.refusedConnections = new Counter({
      name: `${PREFIX}http_connections_refused_total`, help: 'Client connections closed as they arrived, by the cap they met: max_connections (http.maxConnections) or per_address (http.maxConnectionsPerAddress)',
      labelNames: ['reason'], registers,
    });
    // Each series from 0, so that the first refusal is an increase and not a series appearing.
    for (const reason of REFUSAL_REASONS) this.refusedConnections.inc({ reason }, 0);
  }

  /** Registers the gauges that read the managers; once, when they exist. */
  observe(o: Observed): void {
    const registers = [this.registry];
    const byState = (items: Iterable<{ record: { state: string } }>, states: readonly string[]) => {
      const n = new Map(states.map((s) => [s, 0]));
      for (const it of items) n.set(it.record.state, (n.get(it.record.state) ?? 0) + 1);
      return n;
    };
    new Gauge({
      name: `${PREFIX}sessions`, help: 'Sessions by state (deleted ones are gone)', labelNames: ['state'], registers,
      collect() { for (const [state, n] of byState(o.sessions.list(), SESSION_STATES)) this.set({ state }, n); },
    });
    new Gauge({
      name: `${PREFIX}batches`, help: 'Batches by state (deleted ones are gone)', labelNames: ['state'], registers,
      collect() { for (const [state, n] of byState(o.batches.list(), BATCH_STATES)) this.set({ state }, n); },
    });
    new Gauge({
      name: `${PREFIX}statements_waiting`, help: 'Statements queued for a driver, over all sessions', registers,
      collect() {
        let n = 0;
        for (const rt of o.sessions.list()) n += rt.statements.waiting;
        this.set(n);
      },
    });
    new Gauge({
      name: `${PREFIX}warm_drivers`, help: 'Warm drivers not yet taken by a session (sessions.warmDrivers), ready or starting', labelNames: ['state'], registers,
      collect() {
        const w = o.sessions.warmDrivers();
        this.set({ state: 'ready' }, w.ready);
        this.set({ state: 'starting' }, w.starting);
      },
    });
    new Gauge({ name: `${PREFIX}long_polls`, help: 'Requests held open by ?wait', registers, collect() { this.set(o.held.longPolls); } });
    new Gauge({ name: `${PREFIX}event_streams`, help: 'Event streams (SSE) open', registers, collect() { this.set(o.held.eventStreams); } });
  }

  driverStarted(): void { this.driverStarts.inc(); }
  driverFailed(phase: DriverFailurePhase): void { this.driverFailures.inc({ phase }); }
  driverReconnected(): void { this.driverReconnects.inc(); }

  statementFinished(kind: string, outcome: StatementOutcome, seconds: number | null): void {
    this.statements.inc({ kind, outcome });
    if (seconds !== null) this.statementSeconds.observe({ kind }, seconds);
  }

  /** `route`: the declared pattern (`/sessions/:id`), or `none` for what matched no route. */
  httpRequest(route: string, method: string, status: number): void {
    this.httpRequests.inc({ route, method, status: String(status) });
  }

  eventsDropped(n: number): void { this.droppedEvents.inc(n); }
  connectionRefused(reason: RefusalReason): void { this.refusedConnections.inc({ reason }); }

  get contentType(): string { return this.registry.contentType; }

  text(): Promise<string> { return this.registry.metrics(); }
}
