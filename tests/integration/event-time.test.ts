// Event time over real HTTP on both stores: backfilled history gives the right journey, arrival order and batch
// splits change nothing, the future is bounded, and an opt-out is no engagement.
import { query } from '../helpers/sql.ts';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoJourney, seededRandom } from '../../src/cli/demo/demo-journeys.ts';
import { APPENDIX_EVENTS, APPENDIX_LINEAR_SHARES, APPENDIX_RISK_EVENT, APPENDIX_TRANSITIONS, type AppendixEvent } from '../fixtures/prd-appendix-journey.ts';
import { nextVin, riskBody, startTestApp, type TestApp } from '../helpers/test-app.ts';
import { storeTargets } from '../helpers/test-stores.ts';

const T = '/api/v2/tracking';
const SEED = 20261201;

describe.each(storeTargets())('event time on $name', (target) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(target);
  });
  afterAll(async () => app?.close());

  const open = async (risk_event: Record<string, unknown> = APPENDIX_RISK_EVENT) => {
    const res = await app.post(`${T}/generate-guid`, { vin: nextVin(), dealer_code: 'DET001', risk_event });
    expect(res.status).toBe(201);
    return res.body.guid as string;
  };
  const storedEvents = async () => Number((await query(app.rt.store, 'SELECT count(*) AS n FROM emt_messages')).rows[0].n);
  const body = (guid: string, e: AppendixEvent) => ({ guid, ...e });
  const journey = async (guid: string) => {
    const res = await app.get(`${T}/journey/${guid}`);
    expect(res.status).toBe(200);
    return res.body;
  };
  /** What must not depend on how the events arrived: the journey minus its identity and arrival facts. */
  const facts = (j: any) => {
    const { guid: _g, vin: _v, issued_at: _i, ...summary } = j.summary;
    const current = j.summary.current_state;
    const { as_of: _a, time_in_state, ...analytics } = j.analytics;
    const { [current]: _open, ...closedStays } = time_in_state;
    return {
      summary,
      transitions: j.transitions,
      events: j.events.map(({ global_position: _p, received_at: _r, ...e }: any) => e).sort((a: any, b: any) => a.event_id.localeCompare(b.event_id)),
      analytics: { ...analytics, time_in_state: closedStays },
    };
  };

  it('ends the PRD appendix journey, logged with its real timestamps, CLOSED with every transition at its time', async () => {
    const guid = await open();
    expect(guid).toMatch(/^FORD-2024-12-07-BAT-CRT-DET001-[0-9A-F]{6}$/);
    for (const e of APPENDIX_EVENTS) expect((await app.post(`${T}/log-event`, body(guid, e))).status).toBe(201);
    const j = await journey(guid);
    expect(j.transitions.map((t: any) => [t.from, t.to, t.entered_at])).toEqual(APPENDIX_TRANSITIONS);
    expect(j.summary).toMatchObject({
      current_state: 'CLOSED',
      created_at: '2024-12-07T10:00:00.000Z',
      converted_at: '2024-12-08T09:48:00.000Z',
      conversion_channel: 'SMS',
      appointment_id: 'APT-2024-1210-0800',
      revenue_realized: 650,
      total_touches: 5,
      channels_used: ['EMAIL', 'SMS'],
    });
    expect(j.analytics.conversion_attribution.linear).toEqual(APPENDIX_LINEAR_SHARES);
    expect(j.analytics.conversion_probability).toBe(1);
    const attribution = await app.get(`${T}/attribution?start_date=2024-12-08T09:00:00Z&end_date=2024-12-08T10:00:00Z&model=linear`);
    expect(attribution.body).toMatchObject({ conversions: 1, total_revenue: 650, attribution: { EMAIL: { conversions: 0.6, revenue: 390, share: 0.6 }, SMS: { conversions: 0.4, revenue: 260, share: 0.4 } } });
    const predictions = await app.get('/api/v2/analytics/predictions?limit=500');
    expect(predictions.body.predictions.map((p: any) => p.guid)).not.toContain(guid);
  });

  it('gives the same journey for the appendix logged in reverse, one by one, and in one batch', async () => {
    const inOrder = await open();
    for (const e of APPENDIX_EVENTS) await app.post(`${T}/log-event`, body(inOrder, e));
    const reversed = await open();
    for (const e of [...APPENDIX_EVENTS].reverse()) expect((await app.post(`${T}/log-event`, body(reversed, e))).status).toBe(201);
    const batched = await open();
    const res = await app.post(`${T}/events`, { events: [...APPENDIX_EVENTS].reverse().map((e) => body(batched, e)) });
    expect(res.body.accepted).toBe(APPENDIX_EVENTS.length);
    const expected = facts(await journey(inOrder));
    expect(facts(await journey(reversed))).toEqual(expected);
    expect(facts(await journey(batched))).toEqual(expected);
  });

  it('gives identical journeys for demo journeys logged in random orders and batch splits (property)', async () => {
    const rnd = seededRandom(SEED);
    const demos = Array.from({ length: 12 }, (_, i) => demoJourney(rnd, i, new Date('2023-03-01T00:00:00Z')));
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: demos.length - 1 }), fc.infiniteStream(fc.nat()), fc.infiniteStream(fc.integer({ min: 1, max: 5 })), async (d, keys, splits) => {
        const demo = demos[d]!;
        const events = demo.events.map((e, k) => ({ event_type: e.event_type, channel: e.channel, occurred_at: e.occurred_at, actor: e.actor, details: e.details, event_id: `demo-${d}-${k}` }));
        const a = await open(demo.risk_event);
        const b = await open(demo.risk_event);
        expect((await app.post(`${T}/events`, { events: events.map((e) => ({ guid: a, ...e })) })).body.accepted).toBe(events.length);
        const shuffled = events.map((e) => ({ e, k: keys.next().value as number })).sort((x, y) => x.k - y.k).map((x) => x.e);
        for (let i = 0; i < shuffled.length; ) {
          const n = splits.next().value as number;
          const part = shuffled.slice(i, i + n).map((e) => ({ guid: b, ...e }));
          i += n;
          if (part.length === 1) expect((await app.post(`${T}/log-event`, part[0])).status).toBe(201);
          else expect((await app.post(`${T}/events`, { events: part })).body.accepted).toBe(part.length);
        }
        expect(facts(await journey(b))).toEqual(facts(await journey(a)));
      }),
      { seed: SEED, numRuns: 8 },
    );
  });

  it('refuses an event time beyond the allowed clock skew, naming the field and storing nothing', async () => {
    const guid = await open(riskBody().risk_event);
    const before = await storedEvents();
    const future = new Date(Date.now() + 10 * 60_000).toISOString();
    const res = await app.post(`${T}/log-event`, { guid, event_type: 'EMAIL_CLICKED', channel: 'EMAIL', occurred_at: future });
    expect(res.status).toBe(400);
    expect(res.body.violations).toEqual([{ path: 'occurred_at', message: expect.stringContaining('ahead of the server') }]);
    expect(await storedEvents()).toBe(before);
    const batch = await app.post(`${T}/events`, {
      events: [
        { guid, event_type: 'EMAIL_SENT', channel: 'EMAIL', event_id: 'skew-ok', occurred_at: new Date(Date.now() + 60_000).toISOString() },
        { guid, event_type: 'EMAIL_CLICKED', channel: 'EMAIL', event_id: 'skew-bad', occurred_at: future },
      ],
    });
    expect(batch.body.results.map((r: any) => r.status)).toEqual([201, 400]);
    expect(batch.body.results[1].violations[0].path).toBe('events.1.occurred_at');
    const farRisk = await app.post(`${T}/generate-guid`, riskBody({ risk_event: { ...APPENDIX_RISK_EVENT, timestamp: '2031-01-01T00:00:00Z' } }));
    expect(farRisk.status).toBe(400);
    expect(farRisk.body.violations.map((v: any) => v.path)).toEqual(['risk_event.timestamp']);
    const farChat = await app.post(`${T}/conversations`, { channel: 'CHAT', dealer_code: 'DET001', started_at: '2031-01-01T00:00:00Z' });
    expect(farChat.body.violations.map((v: any) => v.path)).toEqual(['started_at']);
    // A real click logged afterwards still moves the journey: nothing from the future froze it.
    expect((await app.post(`${T}/log-event`, { guid, event_type: 'EMAIL_CLICKED', channel: 'EMAIL' })).status).toBe(201);
    expect((await journey(guid)).summary.current_state).toBe('ENGAGED');
  });

  it('does not take a STOP reply for engagement', async () => {
    const guid = await open(riskBody().risk_event);
    await app.post(`${T}/log-event`, { guid, event_type: 'SMS_SENT', channel: 'SMS', occurred_at: '2024-12-07T11:00:00Z' });
    expect((await app.post(`${T}/log-event`, { guid, event_type: 'SMS_RECEIVED', channel: 'SMS', occurred_at: '2024-12-07T11:05:00Z', details: { keyword: 'STOP' } })).status).toBe(201);
    expect((await app.post(`${T}/log-event`, { guid, event_type: 'SMS_RECEIVED', channel: 'SMS', occurred_at: '2024-12-07T11:06:00Z', details: { text: `stop-${guid.slice(0, 8).toLowerCase()}` } })).status).toBe(201);
    const j = await journey(guid);
    expect(j.summary.current_state).toBe('CONTACTED');
    expect(j.analytics.channel_metrics.SMS).toMatchObject({ outbound: 1, responses: 0 });
  });
});
