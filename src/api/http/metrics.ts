// GET /metrics in Prometheus text format (prom-client): requests, latencies, work in flight, shed requests, appends
// and their sizes, and each projection's lag. One registry per app, so that tests and several apps do not share.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  requests: Counter<'method' | 'route' | 'status'>;
  duration: Histogram<'method' | 'route'>;
  shed: Counter<'reason'>;
  appendEvents: Histogram<'route'>;
  appendSeconds: Histogram<'route'>;
  flushEvents: Histogram;
  flushRequests: Histogram;
  flushSeconds: Histogram;
}

export interface MetricsSources {
  inFlight(): { requests: number; events: number };
  projections(): Promise<{ name: string; eventsProcessed: bigint; lagSeconds: number; failing: boolean }[]>;
}

export const createMetrics = (sources: MetricsSources): Metrics => {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'threadline_' });
  // Read when scraped, not kept up to date on every request; the projections' progress once per scrape.
  let progress: { at: number; value: ReturnType<MetricsSources['projections']> } | null = null;
  const progressOfScrape = () => {
    if (!progress || Date.now() - progress.at > 500) progress = { at: Date.now(), value: sources.projections() };
    return progress.value;
  };
  const perProjection = (name: string, help: string, value: (p: Awaited<ReturnType<MetricsSources['projections']>>[number]) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['projection'],
      registers: [registry],
      async collect() {
        try {
          for (const p of await progressOfScrape()) this.set({ projection: p.name }, value(p));
        } catch {
          // scrape_ok says so
        }
      },
    });
  new Gauge({
    name: 'threadline_in_flight',
    help: 'Work being done now: requests behind a scope, and events of batches being appended',
    labelNames: ['kind'],
    registers: [registry],
    collect() {
      const now = sources.inFlight();
      this.set({ kind: 'requests' }, now.requests);
      this.set({ kind: 'events' }, now.events);
    },
  });
  perProjection('threadline_projection_lag_seconds', 'Age of the oldest event a projection has not applied yet (0 when caught up)', (p) => p.lagSeconds);
  perProjection('threadline_projection_events_processed', 'Events a projection has passed since it was last rebuilt', (p) => Number(p.eventsProcessed));
  perProjection('threadline_projection_failing', "1 while a projection's batches fail (see /healthz for why)", (p) => (p.failing ? 1 : 0));
  new Gauge({
    name: 'threadline_scrape_ok',
    help: "Whether this scrape could read the projections' progress",
    registers: [registry],
    async collect() {
      this.set(await progressOfScrape().then(() => 1, () => 0));
    },
  });
  return {
    registry,
    requests: new Counter({ name: 'threadline_http_requests_total', help: 'Requests answered, by route as declared and status', labelNames: ['method', 'route', 'status'], registers: [registry] }),
    duration: new Histogram({
      name: 'threadline_http_request_duration_seconds',
      help: 'Time from a request\'s arrival to the end of its answer',
      labelNames: ['method', 'route'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    shed: new Counter({ name: 'threadline_shed_requests_total', help: 'Requests answered 503 or 429 without being worked on, by why', labelNames: ['reason'], registers: [registry] }),
    appendEvents: new Histogram({ name: 'threadline_append_events', help: 'Events per request appended (its wait for a flush included in the duration)', labelNames: ['route'], buckets: [1, 2, 5, 10, 50, 100, 500, 1000], registers: [registry] }),
    flushEvents: new Histogram({ name: 'threadline_flush_events', help: 'Events per group-commit flush (one atomic append)', buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000], registers: [registry] }),
    flushRequests: new Histogram({ name: 'threadline_flush_requests', help: 'Requests per group-commit flush', buckets: [1, 2, 4, 8, 16, 32, 64, 128], registers: [registry] }),
    flushSeconds: new Histogram({ name: 'threadline_flush_duration_seconds', help: 'Time a group-commit flush takes, decide and durable append', buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1], registers: [registry] }),
    appendSeconds: new Histogram({ name: 'threadline_append_duration_seconds', help: 'Time an append to the event store takes (until durable)', labelNames: ['route'], buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1], registers: [registry] }),
  };
};
