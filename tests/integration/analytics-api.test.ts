// Attribution, journey analytics, predictions and insights over real HTTP, on journeys whose paths we chose.
import { query } from '../helpers/sql.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fitMarkovChain, markov, type AttributionPath } from '../../src/domain/attribution/index.ts';
import { rebuild } from '../helpers/rebuild.ts';
import { startTestApp, riskBody, type TestApp } from '../helpers/test-app.ts';
import { storeTargets } from '../helpers/test-stores.ts';

const T = '/api/v2/tracking';
const A = '/api/v2/analytics';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** A Monday 09:00 UTC more than 40 days ago: every event of the plan (a month of them) is in the past, on known weekdays and hours. */
const mondayNine = () => {
  const d = new Date(Date.now() - 40 * DAY);
  d.setUTCHours(9, 0, 0, 0);
  while (d.getUTCDay() !== 1) d.setTime(d.getTime() - DAY);
  return d.getTime();
};

type Step = [hours: number, event_type: string, channel: string, details?: Record<string, unknown>];

describe.each(storeTargets())('analytics API on $name', (target) => {
  let app: TestApp;
  const T0 = mondayNine();
  // Each journey's risk event, where its clock starts: an hour before its first step.
  const startedAt = T0 - HOUR;
  const iso = (ms: number) => new Date(ms).toISOString();
  const g: Record<string, string> = {};

  // Journeys and their steps (hours after their base time), logged in this order.
  const plan: Record<string, { base: number; steps: Step[] }> = {
    // Converted at +3h, revenue 300; its EMAIL_SENT at +0h is logged late; the +4h touch is after the conversion.
    A: {
      base: T0,
      steps: [
        [1, 'SMS_SENT', 'SMS'],
        [0, 'EMAIL_SENT', 'EMAIL'],
        [2, 'SMS_RECEIVED', 'SMS'],
        [3, 'PORTAL_SCHEDULE_APPOINTMENT', 'PORTAL', { appointment_id: 'apt-a' }],
        [4, 'EMAIL_SENT', 'EMAIL'],
        [5, 'SERVICED', 'SYSTEM', { revenue: 300 }],
        [6, 'CLOSED', 'SYSTEM'],
      ],
    },
    B: {
      base: T0 + DAY,
      steps: [
        [0, 'CALL_INITIATED', 'PHONE'],
        [1, 'CALL_COMPLETED', 'PHONE', { outcome: 'connected' }],
        [2, 'EMAIL_SENT', 'EMAIL'],
        [3, 'PORTAL_SCHEDULE_APPOINTMENT', 'PORTAL', { appointment_id: 'apt-b' }],
        [5, 'SERVICED', 'SYSTEM', { revenue: 100 }],
        [6, 'CLOSED', 'SYSTEM'],
      ],
    },
    C: {
      base: T0 + 2 * DAY,
      steps: [
        [0, 'SMS_SENT', 'SMS'],
        [1, 'SMS_RECEIVED', 'SMS'],
        [2, 'PORTAL_SCHEDULE_APPOINTMENT', 'PORTAL', { appointment_id: 'apt-c' }],
      ],
    },
    D: {
      base: T0,
      steps: [
        [0, 'EMAIL_SENT', 'EMAIL'],
        [24, 'EMAIL_SENT', 'EMAIL'],
        [48, 'ABANDONED', 'SYSTEM'],
      ],
    },
    E: { base: T0, steps: [[0, 'SMS_SENT', 'SMS'], [1, 'CLOSED', 'SYSTEM']] },
    F: { base: T0, steps: [[0, 'EMAIL_SENT', 'EMAIL'], [1, 'SMS_SENT', 'SMS']] },
    G: { base: T0, steps: [[0, 'CALL_INITIATED', 'PHONE'], [1, 'CALL_COMPLETED', 'PHONE', { outcome: 'connected' }]] },
    H: { base: T0, steps: [] },
  };

  // The same paths by hand: touches before the conversion, in time order.
  const converted: AttributionPath[] = [
    { channels: ['EMAIL', 'SMS', 'SMS'], conversions: 1, value: 300, nulls: 0 },
    { channels: ['PHONE', 'PHONE', 'EMAIL'], conversions: 1, value: 100, nulls: 0 },
    { channels: ['SMS', 'SMS'], conversions: 1, value: 0, nulls: 0 },
  ];
  const nullPath = (channels: string[]): AttributionPath => ({ channels, conversions: 0, value: 0, nulls: 1 });
  const allWindow = () => `start_date=${iso(startedAt)}&end_date=${iso(T0 + 30 * DAY)}`;

  beforeAll(async () => {
    app = await startTestApp(target);
    for (const [name, { base, steps }] of Object.entries(plan)) {
      const created = await app.post(`${T}/generate-guid`, riskBody({ risk_event: { component_code: 'BAT', severity: 'CRITICAL', risk_score: 87.5, timestamp: iso(startedAt) } }));
      expect(created.status).toBe(201);
      g[name] = created.body.guid;
      for (const [hours, event_type, channel, details] of steps) {
        const res = await app.post(`${T}/log-event`, { guid: g[name], event_type, channel, occurred_at: iso(base + hours * HOUR), ...(details ? { details } : {}) });
        expect(res.status).toBe(201);
      }
    }
    // Read-your-writes on every journey: the read models hold every event before the aggregate queries run.
    for (const guid of Object.values(g)) expect((await app.get(`${T}/journey/${guid}`)).status).toBe(200);
  });
  afterAll(async () => app?.close());

  it('keeps each journey path sorted by event time, with its conversion time and value', async () => {
    const { rows } = await query(app.rt.store, 'SELECT * FROM journey_paths WHERE guid = $1', [g['A']]);
    expect(rows[0]).toMatchObject({ converted: true, value: '300.00' });
    const touches = JSON.parse(rows[0].touches) as [number, string][];
    expect(touches.map((t) => t[1])).toEqual(['EMAIL', 'SMS', 'SMS', 'EMAIL']);
    expect(touches.map((t) => t[0])).toEqual([0, 1, 2, 4].map((h) => T0 + h * HOUR));
    expect(rows[0].converted_at.getTime()).toBe(T0 + 3 * HOUR);
    const h = await query(app.rt.store, 'SELECT touches, converted FROM journey_paths WHERE guid = $1', [g['H']]);
    expect(h.rows[0]).toEqual({ touches: '[]', converted: false });
  });

  describe('attribution', () => {
    it('credits channels by the rule-based models exactly, counting only touches before the conversion', async () => {
      const first = await app.get(`${T}/attribution?${allWindow()}&model=first_touch`);
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({ model: 'first_touch', conversions: 3, total_revenue: 400, unattributed_conversions: 0 });
      expect(first.body.attribution).toEqual({
        EMAIL: { conversions: 1, revenue: 300, share: 0.333333 },
        PHONE: { conversions: 1, revenue: 100, share: 0.333333 },
        SMS: { conversions: 1, revenue: 0, share: 0.333333 },
      });
      const last = await app.get(`${T}/attribution?${allWindow()}&model=last_touch`);
      expect(last.body.attribution).toEqual({
        EMAIL: { conversions: 1, revenue: 100, share: 0.333333 },
        PHONE: { conversions: 0, revenue: 0, share: 0 },
        SMS: { conversions: 2, revenue: 300, share: 0.666667 },
      });
      const linear = await app.get(`${T}/attribution?${allWindow()}&model=linear`);
      expect(linear.body.attribution.EMAIL.conversions).toBeCloseTo(2 / 3, 5);
      expect(linear.body.attribution.EMAIL.revenue).toBeCloseTo(100 + 100 / 3, 4);
      expect(linear.body.attribution.SMS.conversions).toBeCloseTo(5 / 3, 5);
      expect(linear.body.attribution.SMS.revenue).toBeCloseTo(200, 4);
      expect(linear.body.attribution.PHONE.conversions).toBeCloseTo(2 / 3, 5);
    });

    it('runs Markov with the non-converting journeys of the window as nulls, and data_driven is markov', async () => {
      const nulls = [nullPath(['EMAIL', 'EMAIL']), nullPath(['SMS']), nullPath(['EMAIL', 'SMS']), nullPath(['PHONE', 'PHONE'])];
      const expected = markov([...converted, ...nulls], { useNulls: true });
      expect(expected.ok).toBe(true);
      const res = await app.get(`${T}/attribution?${allWindow()}&model=data_driven`);
      expect(res.status).toBe(200);
      expect(res.body.model).toBe('markov');
      expect(res.body.non_converting_journeys).toBe(4);
      let sum = 0;
      for (const [channel, r] of expected.ok ? expected.value : []) {
        expect(res.body.attribution[channel].conversions).toBeCloseTo(r.conversions, 5);
        sum += res.body.attribution[channel].share;
      }
      expect(sum).toBeCloseTo(1, 5);
    });

    it('answers every model side by side for model=all, and only journeys converted in the window', async () => {
      const all = await app.get(`${T}/attribution?${allWindow()}`);
      expect(all.body.model).toBe('all');
      expect(Object.keys(all.body.models).sort()).toEqual(['first_touch', 'last_touch', 'linear', 'markov', 'position_based', 'shapley', 'time_decay']);
      for (const m of Object.values(all.body.models) as { attribution: Record<string, { conversions: number }> }[]) {
        expect(Object.values(m.attribution).reduce((a, c) => a + c.conversions, 0)).toBeCloseTo(3, 5);
      }
      // Only A converted on the first day (B and C convert on the next days).
      const day = await app.get(`${T}/attribution?start_date=${iso(T0)}&end_date=${iso(T0 + DAY)}&model=first_touch`);
      expect(day.body).toMatchObject({ conversions: 1, total_revenue: 300, attribution: { EMAIL: { conversions: 1, share: 1 }, SMS: { conversions: 0 } } });
      const none = await app.get(`${T}/attribution?start_date=2020-01-01&end_date=2020-02-01&model=linear`);
      expect(none.body).toMatchObject({ conversions: 0, total_revenue: 0, attribution: {} });
    });

    it('lists every invalid parameter as problem+json', async () => {
      const res = await app.get(`${T}/attribution?start_date=yesterday&end_date=2024-13-01&model=magic`);
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.body.code).toBe('validation_failed');
      expect(res.body.violations.map((v: { path: string }) => v.path).sort()).toEqual(['end_date', 'model', 'start_date']);
      const reversed = await app.get(`${T}/attribution?start_date=2024-12-02&end_date=2024-12-01T00:00:00Z`);
      expect(reversed.status).toBe(400);
      expect(reversed.body.violations).toEqual([{ path: 'end_date', message: 'must be after start_date' }]);
      const missing = await app.get(`${T}/attribution`);
      expect(missing.body.violations.map((v: { path: string }) => v.path).sort()).toEqual(['end_date', 'start_date']);
    });
  });

  describe('journey analytics', () => {
    it('gives a converted journey its attribution, score 100 and channel metrics', async () => {
      const a = (await app.get(`${T}/journey/${g['A']}`)).body.analytics;
      expect(a.conversion_attribution.first_touch).toEqual({ EMAIL: 1, SMS: 0 });
      expect(a.conversion_attribution.last_touch).toEqual({ EMAIL: 0, SMS: 1 });
      expect(a.conversion_attribution.linear.SMS).toBeCloseTo(2 / 3, 5);
      expect(a.conversion_probability).toBe(1);
      expect(a.journey_score).toBe(100);
      expect(a.drop_off_points).toEqual([]);
      expect(a.channel_metrics).toEqual({
        EMAIL: { touches: 2, outbound: 2, responses: 0, response_rate: 0, contribution_score: 0.5 },
        SMS: { touches: 2, outbound: 1, responses: 1, response_rate: 1, contribution_score: 0.5 },
      });
    });

    it('reports where a journey dropped off: abandoned from a state, or no response after outbound touches', async () => {
      const d = (await app.get(`${T}/journey/${g['D']}`)).body.analytics;
      expect(d.conversion_attribution).toBeNull();
      expect(d.drop_off_points).toEqual([
        {
          reason: 'abandoned',
          state: 'CONTACTED',
          at: iso(T0 + 48 * HOUR),
          last_touch: expect.objectContaining({ channel: 'EMAIL', event_type: 'EMAIL_SENT', occurred_at: iso(T0 + 24 * HOUR) }),
          unanswered_outbound: 2,
        },
      ]);
      const f = (await app.get(`${T}/journey/${g['F']}`)).body.analytics;
      expect(f.drop_off_points).toEqual([
        { reason: 'no_response', state: 'CONTACTED', at: iso(T0 + HOUR), last_touch: expect.objectContaining({ channel: 'SMS' }), unanswered_outbound: 2 },
      ]);
      const gj = (await app.get(`${T}/journey/${g['G']}`)).body.analytics;
      expect(gj.drop_off_points).toEqual([]);
      const e = (await app.get(`${T}/journey/${g['E']}`)).body.analytics;
      expect(e).toMatchObject({ conversion_probability: 0, journey_score: 0 });
    });
  });

  describe('predictions', () => {
    // Fitted on finished journeys: A, B, C converted; D (abandoned) and E (closed) as nulls.
    const chain = () => fitMarkovChain([...converted, nullPath(['EMAIL', 'EMAIL']), nullPath(['SMS'])], { order: 1, useNulls: true });

    it('ranks every open journey by its Markov conversion probability', async () => {
      const res = await app.get(`${A}/predictions`);
      expect(res.status).toBe(200);
      expect(res.body.model).toMatchObject({ kind: 'markov', order: 1, fitted_on_journeys: 5, conversions: 3, nulls: 2 });
      const m = chain();
      const open: [string, string, string[]][] = [
        ['D', 'ABANDONED', ['EMAIL', 'EMAIL']],
        ['F', 'CONTACTED', ['EMAIL', 'SMS']],
        ['G', 'ENGAGED', ['PHONE', 'PHONE']],
        ['H', 'CREATED', []],
      ];
      const expected = open
        .map(([name, state, touches]) => ({ guid: g[name]!, current_state: state, touches, p: m.conversionProbability(touches) }))
        .sort((x, y) => y.p - x.p || x.guid.localeCompare(y.guid));
      expect(res.body.predictions.map((p: { guid: string }) => p.guid)).toEqual(expected.map((e) => e.guid));
      res.body.predictions.forEach((p: { probability: number; touches: string[]; current_state: string }, i: number) => {
        expect(p.probability).toBeCloseTo(expected[i]!.p, 5);
        expect(p.touches).toEqual(expected[i]!.touches);
        expect(p.current_state).toBe(expected[i]!.current_state);
      });
      // Worked by hand: P(convert | last touch SMS) = 2/3, the baseline from no touch = 3/5, after EMAIL or PHONE 5/9.
      expect(res.body.predictions[0]).toMatchObject({ guid: g['F'], probability: 0.666667 });
      expect(res.body.predictions[1]).toMatchObject({ guid: g['H'], probability: 0.6 });
      expect(res.body.model.baseline_probability).toBe(0.6);
      const f = (await app.get(`${T}/journey/${g['F']}`)).body.analytics;
      expect(f).toMatchObject({ conversion_probability: 0.666667, journey_score: 67 });
    });

    it('filters by state, limits, and validates', async () => {
      const engaged = await app.get(`${A}/predictions?state=ENGAGED`);
      expect(engaged.body.predictions.map((p: { guid: string }) => p.guid)).toEqual([g['G']]);
      const one = await app.get(`${A}/predictions?limit=1`);
      expect(one.body.predictions).toHaveLength(1);
      expect(one.body.open_journeys).toBe(4);
      // Each limit is a prefix of the whole ranking, also where it cuts between D and G (equal probabilities).
      const all = (await app.get(`${A}/predictions`)).body.predictions.map((p: { guid: string }) => p.guid);
      for (const limit of [1, 2, 3, 4]) {
        expect((await app.get(`${A}/predictions?limit=${limit}`)).body.predictions.map((p: { guid: string }) => p.guid)).toEqual(all.slice(0, limit));
      }
      const bad = await app.get(`${A}/predictions?state=NOPE&limit=0`);
      expect(bad.status).toBe(400);
      expect(bad.body.violations.map((v: { path: string }) => v.path).sort()).toEqual(['limit', 'state']);
    });
  });

  describe('insights', () => {
    it('counts sequences, drop-offs, timing, frequency and channel sets on the known journeys', async () => {
      const res = await app.get(`${A}/insights?${allWindow()}&min_support=1`);
      expect(res.status).toBe(200);
      const b = res.body;
      expect(b).toMatchObject({ journeys: 8, conversions: 3 });
      expect(b.optimal_channel_sequence.sequences.slice(0, 3)).toEqual([
        { channels: ['EMAIL', 'SMS', 'SMS'], journeys: 1, conversions: 1, conversion_rate: 1 },
        { channels: ['PHONE', 'PHONE', 'EMAIL'], journeys: 1, conversions: 1, conversion_rate: 1 },
        { channels: ['SMS', 'SMS'], journeys: 1, conversions: 1, conversion_rate: 1 },
      ]);
      expect(b.optimal_channel_sequence.sequences).toHaveLength(7);
      expect(b.common_drop_off_points).toEqual([
        { reason: 'abandoned', state: 'CONTACTED', last_channel: 'EMAIL', journeys: 1 },
        { reason: 'no_response', state: 'CONTACTED', last_channel: 'SMS', journeys: 1 },
      ]);
      expect(b.message_frequency).toEqual([
        { touches: 0, journeys: 1, conversions: 0, conversion_rate: 0 },
        { touches: 1, journeys: 1, conversions: 0, conversion_rate: 0 },
        { touches: 2, journeys: 4, conversions: 1, conversion_rate: 0.25 },
        { touches: 3, journeys: 2, conversions: 2, conversion_rate: 1 },
      ]);
      expect(b.channel_combinations).toEqual([
        { channels: ['EMAIL', 'SMS'], journeys: 2, conversions: 1, conversion_rate: 0.5 },
        { channels: ['SMS'], journeys: 2, conversions: 1, conversion_rate: 0.5 },
        { channels: ['EMAIL', 'PHONE'], journeys: 1, conversions: 1, conversion_rate: 1 },
        { channels: ['EMAIL'], journeys: 1, conversions: 0, conversion_rate: 0 },
        { channels: ['PHONE'], journeys: 1, conversions: 0, conversion_rate: 0 },
      ]);
      const hours = b.timing_patterns.hour_of_day;
      expect(hours).toHaveLength(24);
      expect(hours[9]).toEqual({ hour: 9, outbound: 8, responses: 3, response_rate: 0.375 });
      expect(hours[10]).toEqual({ hour: 10, outbound: 2, responses: 1, response_rate: 0.5 });
      expect(hours[11]).toEqual({ hour: 11, outbound: 1, responses: 0, response_rate: 0 });
      expect(hours[12]).toEqual({ hour: 12, outbound: 0, responses: 0, response_rate: null });
      expect(b.timing_patterns.day_of_week.slice(0, 3)).toEqual([
        { day: 'MONDAY', outbound: 8, responses: 2, response_rate: 0.25 },
        { day: 'TUESDAY', outbound: 3, responses: 1, response_rate: 0.333333 },
        { day: 'WEDNESDAY', outbound: 1, responses: 1, response_rate: 1 },
      ]);
    });

    it('ranks only sequences with the minimum support, and validates', async () => {
      const res = await app.get(`${A}/insights?${allWindow()}&min_support=2`);
      expect(res.body.optimal_channel_sequence).toMatchObject({ min_support: 2, sequences: [] });
      const empty = await app.get(`${A}/insights?start_date=2020-01-01&end_date=2020-01-02`);
      expect(empty.body).toMatchObject({ journeys: 0, conversions: 0, message_frequency: [], common_drop_off_points: [] });
      const bad = await app.get(`${A}/insights?start_date=2020-01-01&end_date=soon&min_support=0`);
      expect(bad.status).toBe(400);
      expect(bad.body.violations.map((v: { path: string }) => v.path).sort()).toEqual(['end_date', 'min_support']);
    });
  });

  it('rebuilds journey_paths by replay into the same rows', async () => {
    const q = async () => JSON.stringify((await query(app.rt.store, 'SELECT * FROM journey_paths ORDER BY guid')).rows);
    const before = await q();
    expect(JSON.parse(before)).toHaveLength(8);
    await rebuild(app.rt);
    expect(await q()).toEqual(before);
  });
});
