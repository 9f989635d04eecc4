// The friction report on both stores over real HTTP: conversations walk a four-step booking flow through log-event
// (some complete, some exit at step 2 with reasons, one escalates at step 3, one goes back a step, one arrives out of
// order), and the funnel, its times and its filters are the numbers worked out by hand below; replay equals live.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { journeyStreamName } from '../../src/domain/journeys/index.ts';
import { rebuild } from '../helpers/rebuild.ts';
import { query } from '../helpers/sql.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { storeTargets } from '../helpers/test-stores.ts';

const T = '/api/v2/tracking';
const F = '/api/v2/analytics/friction';
const W = 'service-booking';
const HOUR = 3_600_000;
// Ten days ago, midnight UTC: every event is in the past.
const BASE = (() => {
  const d = new Date(Date.now() - 10 * 24 * HOUR);
  d.setUTCHours(0, 0, 0, 0);
  return d.getTime();
})();
const INDEX: Record<string, number> = { vehicle: 0, service: 1, slot: 2, confirm: 3 };

type Ev = [seconds: number, type: string, details?: Record<string, unknown>];
const open = (s: number): Ev => [s, 'WEBVIEW_OPENED'];
const step = (s: number, name: string): Ev => [s, 'WEBVIEW_STEP', { step: name, step_index: INDEX[name] }];
const exit = (s: number, reason: string): Ev => [s, 'WEBVIEW_EXIT', { step: 'service', reason }];
const done = (s: number): Ev => [s, 'WEBVIEW_COMPLETED', { result: 'booked' }];
const walk = (...at: number[]): Ev[] => [step(at[0]!, 'vehicle'), step(at[1]!, 'service'), step(at[2]!, 'slot'), step(at[3]!, 'confirm'), done(at[4]!)];

interface Plan {
  dealer?: string;
  categories: { department: string; query_nature: string };
  events: Ev[];
  /** Logged in this order of the events' positions (default: as listed). */
  order?: number[];
}

// Each conversation starts `i` hours after BASE; its events are seconds after its start. Time per step in comments.
const plans: Plan[] = [
  // C1: vehicle 30, service 60, slot 60, confirm 40; the team it had when the run opened was bdc.
  { categories: { department: 'service', query_nature: 'booking' }, events: [[-60, 'AGENT_ASSIGNED', { agent_id: 'ag-1', team: 'bdc' }], open(0), ...walk(10, 40, 100, 160, 200), [400, 'HANDOVER', { to_team: 'service-desk', from_team: 'bdc' }]] },
  // C2: 20, 100, 20, 30; no team at the opening, service-desk is the first it reached after.
  { categories: { department: 'service', query_nature: 'booking' }, events: [open(0), ...walk(5, 25, 125, 145, 175), [300, 'AGENT_ASSIGNED', { agent_id: 'ag-2', team: 'service-desk' }]] },
  // C3-C5 exit at step 2: vehicle 40 / 10 / 10, service 60 / 120 / 30.
  { categories: { department: 'service', query_nature: 'recall' }, events: [open(0), step(10, 'vehicle'), step(50, 'service'), exit(110, 'price_unclear')] },
  { categories: { department: 'sales', query_nature: 'quote' }, events: [open(0), step(20, 'vehicle'), step(30, 'service'), exit(150, 'price_unclear')] },
  // C5 also completes another web view, which is not this flow's.
  { categories: { department: 'service', query_nature: 'booking' }, events: [open(0), step(10, 'vehicle'), step(20, 'service'), exit(50, 'wrong_vehicle'), [60, 'WEBVIEW_OPENED', { webview_id: 'payment-link' }], [90, 'WEBVIEW_COMPLETED', { webview_id: 'payment-link' }]] },
  // C6 escalates at step 3 (slot): vehicle 20, service 30, slot 120.
  {
    categories: { department: 'service', query_nature: 'booking' },
    events: [open(0), step(10, 'vehicle'), step(30, 'service'), step(60, 'slot'), [180, 'ESCALATION_REQUESTED', { reason: 'customer_request', webview_id: W, step: 'slot', team: 'service-desk', note: 'no slot this week' }]],
  },
  // C7 goes back from service to vehicle: vehicle 30 + 10, service 20 + 30, slot 30, confirm 20; each reached once.
  { categories: { department: 'service', query_nature: 'booking' }, events: [open(0), step(10, 'vehicle'), step(40, 'service'), step(60, 'vehicle'), step(70, 'service'), step(100, 'slot'), step(130, 'confirm'), done(150)] },
  // C8 arrives out of order (completion first, open fourth): 30, 30, 20, 30; re-categorised as a recall later.
  { categories: { department: 'service', query_nature: 'booking' }, events: [open(0), ...walk(15, 45, 75, 95, 125), [500, 'CATEGORIES_UPDATED', { query_nature: 'recall' }]], order: [5, 3, 6, 0, 4, 2, 1] },
  // C9, another dealer's: exits at vehicle after 10 s.
  { dealer: 'DET002', categories: { department: 'sales', query_nature: 'quote' }, events: [open(0), step(10, 'vehicle'), [20, 'WEBVIEW_EXIT', { reason: 'changed_mind' }]] },
];

const CHANNEL: Record<string, string> = { AGENT_ASSIGNED: 'SYSTEM', HANDOVER: 'SYSTEM', CATEGORIES_UPDATED: 'SYSTEM' };

describe.each(storeTargets())('friction report on $name', (target) => {
  let app: TestApp;
  const guids: string[] = [];
  const startOf = (i: number) => BASE + i * HOUR;
  const iso = (ms: number) => new Date(ms).toISOString();
  const allTime = `start_date=${iso(BASE)}&end_date=${iso(BASE + 24 * HOUR)}`;
  const report = async (params: string, headers: Record<string, string> = {}) => {
    const res = await app.get(`${F}?${params}`, headers);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body;
  };
  const stepsOf = (body: { steps: Record<string, unknown>[] }, ...fields: string[]) => body.steps.map((s) => [s['step'], ...fields.map((f) => s[f])]);

  beforeAll(async () => {
    app = await startTestApp(target);
    for (const [i, plan] of plans.entries()) {
      const opened = await app.post(`${T}/conversations`, { channel: 'CHAT', platform: 'webchat', dealer_code: plan.dealer ?? 'DET001', started_at: iso(startOf(i) - 120_000), categories: plan.categories });
      expect(opened.status, JSON.stringify(opened.body)).toBe(201);
      const guid = opened.body.guid as string;
      guids.push(guid);
      for (const k of plan.order ?? plan.events.map((_e, n) => n)) {
        const [s, event_type, details] = plan.events[k]!;
        const channel = CHANNEL[event_type] ?? 'WEBVIEW';
        const body = { guid, event_type, channel, occurred_at: iso(startOf(i) + s * 1000), details: channel === 'WEBVIEW' ? { webview_id: W, ...details } : details, actor: { type: channel === 'WEBVIEW' ? 'customer' : 'system' } };
        const res = await app.post(`${T}/log-event`, body);
        expect(res.status, JSON.stringify(res.body)).toBe(201);
      }
    }
    for (const guid of guids) expect(await app.rt.projections.waitForStream(journeyStreamName(guid), 30_000)).toBe(true);
  });
  afterAll(async () => app?.close());

  it("gives one dealer's funnel: reached, completed, dropped, escalated per step in flow order, and the flow's totals", async () => {
    const body = await report(`webview_id=${W}&${allTime}&dealer=DET001`);
    expect(body.totals).toEqual({ opened: 8, completed: 4, completion_rate: 0.5, escalated: 1, escalation_rate: 0.125, dropped: 3, exited: 3, abandoned: 0, dropped_before_first_step: 0 });
    expect(stepsOf(body, 'step_index', 'reached', 'completed', 'dropped', 'exited', 'abandoned', 'escalated', 'went_back')).toEqual([
      ['vehicle', 0, 8, 8, 0, 0, 0, 0, 0],
      ['service', 1, 8, 5, 3, 3, 0, 0, 0],
      ['slot', 2, 5, 4, 0, 0, 0, 1, 0],
      ['confirm', 3, 4, 4, 0, 0, 0, 0, 0],
    ]);
    expect(stepsOf(body, 'completion_rate', 'drop_rate')).toEqual([
      ['vehicle', 1, 0],
      ['service', 0.625, 0.375],
      ['slot', 0.8, 0],
      ['confirm', 1, 0],
    ]);
    expect(body.filters).toEqual({ dealer: 'DET001', team: null, department: null, query_nature: null });
    expect(body.window).toEqual({ start_date: iso(BASE), end_date: iso(BASE + 24 * HOUR) });
  });

  it('gives the median and p90 time on each step (interpolated), and the exits’ reasons per step', async () => {
    const body = await report(`webview_id=${W}&${allTime}&dealer=DET001`);
    // vehicle: 10 10 20 20 30 30 40 40; service: 30 30 30 50 60 60 100 120; slot: 20 20 30 60 120; confirm: 20 30 30 40.
    // p90 at rank 0.9 (n - 1): 6.3 -> 40, 100 + 0.3 * 20 = 106; 3.6 -> 60 + 0.6 * 60 = 96; 2.7 -> 30 + 0.7 * 10 = 37.
    expect(stepsOf(body, 'time_seconds')).toEqual([
      ['vehicle', { median: 25, p90: 40, samples: 8 }],
      ['service', { median: 55, p90: 106, samples: 8 }],
      ['slot', { median: 30, p90: 96, samples: 5 }],
      ['confirm', { median: 30, p90: 37, samples: 4 }],
    ]);
    expect(stepsOf(body, 'exit_reasons')).toEqual([
      ['vehicle', []],
      ['service', [{ reason: 'price_unclear', count: 2 }, { reason: 'wrong_vehicle', count: 1 }]],
      ['slot', []],
      ['confirm', []],
    ]);
  });

  it('filters by dealer, team, department, query nature and window', async () => {
    // Every dealer (the admin): C9 adds a run that exits at vehicle.
    const all = await report(`webview_id=${W}&${allTime}`);
    expect(all.totals).toMatchObject({ opened: 9, completed: 4, exited: 4 });
    expect(all.steps[0]).toMatchObject({ step: 'vehicle', reached: 9, completed: 8, exited: 1, exit_reasons: [{ reason: 'changed_mind', count: 1 }], time_seconds: { median: 20, samples: 9 } });
    expect((await report(`webview_id=${W}&${allTime}&dealer=DET002`)).totals).toMatchObject({ opened: 1, exited: 1 });
    // The team when the run opened (C1: bdc), else the first one after it (C2 assigned, C6 escalated: service-desk).
    const desk = await report(`webview_id=${W}&${allTime}&team=service-desk`);
    expect(desk.totals).toMatchObject({ opened: 2, completed: 1, escalated: 1 });
    expect(stepsOf(desk, 'reached', 'completed', 'escalated').at(2)).toEqual(['slot', 2, 1, 1]);
    expect((await report(`webview_id=${W}&${allTime}&team=bdc`)).totals).toMatchObject({ opened: 1, completed: 1 });
    // Departments: C4 and C9 are sales.
    expect((await report(`webview_id=${W}&${allTime}&department=service`)).totals).toMatchObject({ opened: 7, completed: 4, exited: 2, escalated: 1 });
    // The newest query nature: C8 was re-categorised as a recall after its run.
    const recall = await report(`webview_id=${W}&${allTime}&query_nature=recall`);
    expect(recall.totals).toMatchObject({ opened: 2, completed: 1, exited: 1 });
    expect(recall.filters).toMatchObject({ query_nature: 'recall' });
    // Runs opened in [C1's start, C3's start): C1 and C2.
    const window = await report(`webview_id=${W}&start_date=${iso(startOf(0))}&end_date=${iso(startOf(2))}`);
    expect(window.totals).toMatchObject({ opened: 2, completed: 2 });
    expect(stepsOf(window, 'time_seconds')).toEqual([
      ['vehicle', { median: 25, p90: 29, samples: 2 }],
      ['service', { median: 80, p90: 96, samples: 2 }],
      ['slot', { median: 40, p90: 56, samples: 2 }],
      ['confirm', { median: 35, p90: 39, samples: 2 }],
    ]);
    // Another web view of the same conversations is its own flow: C5's payment link, opened and completed.
    expect((await report(`webview_id=payment-link&${allTime}`)).totals).toMatchObject({ opened: 1, completed: 1, completion_rate: 1, dropped: 0 });
  });

  it('answers an empty funnel for a web view nobody opened, and lists every invalid parameter', async () => {
    const none = await report(`webview_id=no-such-flow&${allTime}`);
    expect(none).toMatchObject({ webview_id: 'no-such-flow', steps: [] });
    expect(none.totals).toEqual({ opened: 0, completed: 0, completion_rate: null, escalated: 0, escalation_rate: null, dropped: 0, exited: 0, abandoned: 0, dropped_before_first_step: 0 });
    const bad = await app.get(`${F}?start_date=yesterday&end_date=2024-01-01&dealer=DET-1&colour=red`);
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    expect(bad.body.code).toBe('validation_failed');
    expect(bad.body.violations.map((v: { path: string }) => v.path).sort()).toEqual(['colour', 'dealer', 'start_date', 'webview_id']);
    const reversed = await app.get(`${F}?webview_id=${W}&start_date=2026-01-02&end_date=2026-01-01`);
    expect(reversed.body.violations).toEqual([{ path: 'end_date', message: 'must be after start_date' }]);
  });

  it("shows a dealer's key only its dealers' runs, and refuses callers without analytics", async () => {
    const key = async (role: string, dealers: string[]) => {
      const made = await app.post('/api/v2/admin/keys', { name: `${role} ${dealers.join(',')}`, role, dealers });
      expect(made.status, JSON.stringify(made.body)).toBe(201);
      return { authorization: `Bearer ${made.body.key}` };
    };
    const analyst = await key('analyst', ['DET001']);
    const own = await report(`webview_id=${W}&${allTime}`, analyst);
    expect(own.totals).toEqual((await report(`webview_id=${W}&${allTime}&dealer=DET001`)).totals);
    expect((await report(`webview_id=${W}&${allTime}&dealer=DET002`, analyst)).totals.opened).toBe(0);
    const other = await key('dealer', ['DET002']);
    expect((await report(`webview_id=${W}&${allTime}`, other)).totals).toMatchObject({ opened: 1, exited: 1 });
    expect((await app.get(`${F}?webview_id=${W}&${allTime}`, await key('channel', ['DET001']))).status).toBe(403);
    expect((await app.get(`${F}?webview_id=${W}&${allTime}`, { authorization: '' })).status).toBe(401);
  });

  it('gives the same funnel and rows after a rebuild by replay', async () => {
    const rows = async () => {
      const out: unknown[] = [];
      for (const t of ['webview_funnel_events ORDER BY guid, event_id', 'webview_runs ORDER BY guid, webview_id, seq', 'webview_run_steps ORDER BY guid, webview_id, seq, step']) out.push((await query(app.rt.store, `SELECT * FROM ${t}`)).rows);
      return JSON.stringify(out, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
    };
    const before = { rows: await rows(), report: await report(`webview_id=${W}&${allTime}`), team: await report(`webview_id=${W}&${allTime}&team=service-desk`) };
    expect(JSON.parse(before.rows)[1]).toHaveLength(10);
    await rebuild(app.rt);
    expect({ rows: await rows(), report: await report(`webview_id=${W}&${allTime}`), team: await report(`webview_id=${W}&${allTime}&team=service-desk`) }).toEqual(before);
  });
});
