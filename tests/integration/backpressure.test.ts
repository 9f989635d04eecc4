// Backpressure and metrics over real HTTP: past the work allowed in flight a request is answered 503 with
// Retry-After at once and stores nothing, every accepted one is stored; /metrics says what happened.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { riskBody, startTestApp, type TestApp } from '../helpers/test-app.ts';
import { storeTargets } from '../helpers/test-stores.ts';
import { query } from '../helpers/sql.ts';

const T = '/api/v2/tracking';

/** The value of one sample of a Prometheus text exposition, or undefined. */
const sample = (text: string, name: string, labels: Record<string, string> = {}): number | undefined => {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-z_]+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = (m[2] ?? '').split(',');
    if (want.every((w) => have.includes(w))) return Number(m[3]);
  }
  return undefined;
};

describe.each(storeTargets())('backpressure on $name', (target) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(target, { inFlight: { maxRequests: 2, maxEvents: 100 } });
  });
  afterAll(async () => app?.close());

  it('answers a burst past the requests in flight with 503 + Retry-After at once; what it accepts is stored, the rest is not', async () => {
    const answers = await Promise.all(Array.from({ length: 40 }, () => app.post(`${T}/generate-guid`, riskBody())));
    const accepted = answers.filter((a) => a.status === 201);
    const shed = answers.filter((a) => a.status === 503);
    expect(accepted.length + shed.length).toBe(40);
    expect(accepted.length).toBeGreaterThan(0);
    expect(shed.length).toBeGreaterThan(0);
    for (const a of shed) {
      expect(a.body.code).toBe('overloaded');
      expect(a.headers.get('retry-after')).toBe('1');
    }
    const stored = (await query(app.rt.store, "SELECT count(*)::int AS n FROM emt_streams WHERE stream_id LIKE 'journey-%'")).rows[0].n;
    expect(stored).toBe(accepted.length);
  });

  it('counts a batch by its events: concurrent batches past the events in flight are refused whole, the others stored whole', async () => {
    const guid = (await app.post(`${T}/generate-guid`, riskBody())).body.guid;
    const batch = (b: number) => ({ events: Array.from({ length: 60 }, (_, i) => ({ guid, event_type: 'SMS_SENT', channel: 'SMS', event_id: `b${b}-${i}` })) });
    const answers: { status: number; body: any }[] = [];
    // Two at a time: the second of each pair finds the first's 60 events in flight (60 + 60 > 100) unless it ended.
    for (let b = 0; b < 10; b += 2) answers.push(...(await Promise.all([app.post(`${T}/events`, batch(b)), app.post(`${T}/events`, batch(b + 1))])));
    expect(answers.every((a) => a.status === 200 || a.status === 503)).toBe(true);
    expect(answers.some((a) => a.status === 503)).toBe(true);
    const acceptedEvents = answers.filter((a) => a.status === 200).reduce((n, a) => n + a.body.accepted, 0);
    const { rows } = await query(app.rt.store, `SELECT count(*)::int AS n FROM emt_messages WHERE stream_id = $1 AND message_type = 'TrackingEventLogged'`, [`journey-${guid}`]);
    expect(rows[0].n).toBe(acceptedEvents);
    // A batch larger than the whole budget is still admitted alone.
    const big = { events: Array.from({ length: 150 }, (_, i) => ({ guid, event_type: 'SMS_SENT', channel: 'SMS', event_id: `big-${i}` })) };
    expect((await app.post(`${T}/events`, big)).body.accepted).toBe(150);
  });

  it('exposes Prometheus metrics: requests by route and status, shed requests, appends, projection lag', async () => {
    const res = await fetch(`${app.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(sample(text, 'threadline_http_requests_total', { route: '/api/v2/tracking/generate-guid', status: '201' })).toBeGreaterThan(0);
    expect(sample(text, 'threadline_http_requests_total', { route: '/api/v2/tracking/generate-guid', status: '503' })).toBeGreaterThan(0);
    expect(sample(text, 'threadline_shed_requests_total', { reason: 'in_flight_requests' })).toBeGreaterThan(0);
    expect(sample(text, 'threadline_shed_requests_total', { reason: 'in_flight_events' })).toBeGreaterThan(0);
    expect(sample(text, 'threadline_append_events_count', { route: 'events' })).toBeGreaterThan(0);
    expect(sample(text, 'threadline_http_request_duration_seconds_count', { route: '/api/v2/tracking/events', method: 'post' })).toBeGreaterThan(0);
    expect(sample(text, 'threadline_in_flight', { kind: 'requests' })).toBe(0);
    expect(sample(text, 'threadline_scrape_ok')).toBe(1);
    for (const projection of ['journeys', 'journey-paths']) {
      expect(sample(text, 'threadline_projection_lag_seconds', { projection })).toBeGreaterThanOrEqual(0);
      expect(sample(text, 'threadline_projection_failing', { projection })).toBe(0);
    }
    // And /healthz says the lag too.
    const health = await app.get('/healthz');
    expect(health.body.projections.journeys.lag_seconds).toBeGreaterThanOrEqual(0);
  });
});
