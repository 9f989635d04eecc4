// The agents, queues, hand-overs, heatmap and active reports over real HTTP on both stores, against numbers worked out
// by hand from tests/fixtures/conversation-reports-plan.ts (minute m is 2025-03-03 09:00 UTC + m); filters, dealer
// isolation, replay equal to live, and an out-of-order arrival answering the same as an in-order one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { at, eventBody, openingBody, PLAN, T0, type PlannedConversation } from '../fixtures/conversation-reports-plan.ts';
import { CONVERSATIONS_TABLES } from '../../src/projections/conversations/index.ts';
import { rebuild } from '../helpers/rebuild.ts';
import { query } from '../helpers/sql.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { storeTargets } from '../helpers/test-stores.ts';

const DAY = 86_400_000;
const WINDOW = `start_date=${new Date(T0).toISOString()}&end_date=${new Date(T0 + DAY).toISOString()}`;
const stats = (count: number, median: number | null = null, p90: number | null = median) => ({ count, median_seconds: median, p90_seconds: p90 });
const NONE = stats(0);

describe.each(storeTargets())('conversation reports on $name', (target) => {
  let app: TestApp;
  const g: Record<string, string> = {};
  const report = async (name: string, params = '', headers?: Record<string, string>) => {
    const res = await app.get(`/api/v2/analytics/${name}?${params}`, headers);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body;
  };
  const log = async (name: string, c: PlannedConversation, sends = c.sends ?? [c.steps.map((_, k) => k)]) => {
    const opened = await app.post('/api/v2/tracking/conversations', openingBody(c), { 'Idempotency-Key': `open-${name}` });
    expect(opened.status).toBe(201);
    g[name] = opened.body.guid;
    for (const batch of sends) {
      const res = await app.post('/api/v2/tracking/events', { events: batch.map((k) => eventBody(g[name]!, name, k, c.steps[k]!)) });
      expect(res.body.accepted, JSON.stringify(res.body)).toBe(batch.length);
    }
    // Read-your-writes: the journey answers once every projection has its events.
    expect((await app.get(`/api/v2/tracking/journey/${g[name]}`)).status).toBe(200);
  };

  beforeAll(async () => {
    app = await startTestApp(target);
    for (const [name, c] of Object.entries(PLAN)) await log(name, c);
  });
  afterAll(async () => app?.close());

  it('agents: first response, response and resolution times, rates, per agent, team and category', async () => {
    const body = await report('agents', WINDOW);
    const alice = { conversations_handled: 2, replies: 2, first_response: stats(1, 300), response_time: stats(1, 180), resolution_time: NONE, resolutions: 0, resolution_rate: 0, reopened: 0, reopen_rate: null };
    const bob = { conversations_handled: 3, replies: 3, first_response: stats(1, 540), response_time: stats(2, 180, 228), resolution_time: stats(2, 1290, 1458), resolutions: 2, resolution_rate: 0.666667, reopened: 1, reopen_rate: 0.5 };
    expect(body.overall).toEqual({
      conversations_handled: 4, replies: 5, first_response: stats(2, 420, 516), response_time: stats(3, 180, 228), resolution_time: stats(2, 1290, 1458),
      resolutions: 2, resolution_rate: 0.5, reopened: 1, reopen_rate: 0.5, bot_resolved: 1,
    });
    expect(body.by_agent).toEqual([{ agent_id: 'alice', ...alice }, { agent_id: 'bob', ...bob }]);
    expect(body.by_team).toEqual([{ team: 'sales', ...alice }, { team: 'service', ...bob }]);
    expect(body.by_category).toEqual([
      { department: 'sales', query_nature: 'pricing', conversations_handled: 2, replies: 3, first_response: stats(1, 300), response_time: stats(1, 180), resolution_time: stats(1, 1500), resolutions: 1, resolution_rate: 0.5, reopened: 1, reopen_rate: 1 },
      { department: 'service', query_nature: 'recall', conversations_handled: 1, replies: 2, first_response: stats(1, 540), response_time: stats(2, 180, 228), resolution_time: stats(1, 1080), resolutions: 1, resolution_rate: 1, reopened: 0, reopen_rate: 0 },
      { department: 'service', query_nature: 'repair', conversations_handled: 1, replies: 0, first_response: NONE, response_time: NONE, resolution_time: NONE, resolutions: 0, resolution_rate: 0, reopened: 0, reopen_rate: null },
    ]);
  });

  it('agents: the filters narrow every number', async () => {
    const sales = await report('agents', `${WINDOW}&team=sales`);
    expect(sales.by_agent.map((a: { agent_id: string }) => a.agent_id)).toEqual(['alice']);
    expect(sales.overall).toMatchObject({ conversations_handled: 2, replies: 2, first_response: stats(1, 300), resolutions: 0, bot_resolved: 0 });
    const service = await report('agents', `${WINDOW}&department=service`);
    expect(service.by_agent).toEqual([{ agent_id: 'bob', conversations_handled: 2, replies: 2, first_response: stats(1, 540), response_time: stats(2, 180, 228), resolution_time: stats(1, 1080), resolutions: 1, resolution_rate: 0.5, reopened: 0, reopen_rate: 0 }]);
    expect(service.overall.bot_resolved).toBe(1);
    const recall = await report('agents', `${WINDOW}&query_nature=recall`);
    expect(recall.overall).toMatchObject({ conversations_handled: 1, replies: 2, resolutions: 1 });
    // The first hour holds alice's and bob's first stays in C2 and no resolution.
    const hour = await report('agents', `start_date=${at(0)}&end_date=${at(35)}`);
    expect(hour.overall).toMatchObject({ conversations_handled: 1, replies: 2, first_response: stats(1, 300), resolutions: 0, bot_resolved: 1 });
  });

  it('queues: waits per team, abandoned while waiting, and the queue length over time', async () => {
    const body = await report('queues', WINDOW);
    expect(body.interval).toBe('hour');
    expect(body.overall).toEqual({ waits: 8, wait: stats(8, 300, 3420), assigned: 5, abandoned: 3, abandoned_by: { expired: 2, closed: 0, resolved: 1 }, rerouted: 0 });
    expect(body.by_team).toEqual([
      { team: 'sales', waits: 4, wait: stats(4, 420, 1440), assigned: 2, abandoned: 2, abandoned_by: { expired: 1, closed: 0, resolved: 1 }, rerouted: 0 },
      { team: 'service', waits: 4, wait: stats(4, 300, 5148), assigned: 3, abandoned: 1, abandoned_by: { expired: 1, closed: 0, resolved: 0 }, rerouted: 0 },
    ]);
    expect(body.queue_length).toHaveLength(24);
    expect(body.queue_length.slice(0, 5)).toEqual([
      { at: at(0), waiting: 0, joined: 2, left: 2 },
      { at: at(60), waiting: 0, joined: 2, left: 1 },
      { at: at(120), waiting: 1, joined: 2, left: 2 },
      { at: at(180), waiting: 1, joined: 2, left: 3 },
      { at: at(240), waiting: 0, joined: 0, left: 0 },
    ]);
    const quarter = await report('queues', `start_date=${at(120)}&end_date=${at(165)}&interval=15m`);
    // C2 waits from 71 to 191, C4 from 121 to 151, C5 from 132 to 135.
    expect(quarter.queue_length.map((p: { waiting: number }) => p.waiting)).toEqual([1, 2, 2]);
    expect(quarter.overall).toMatchObject({ waits: 2, abandoned: 1, assigned: 1 });
  });

  it('hand-overs: the from -> to matrix, time lost, and hand-overs per conversation', async () => {
    const body = await report('handovers', WINDOW);
    expect(body.overall).toEqual({ handovers: 2, time_lost: stats(2, 480, 576), wait_for_agent: stats(1, 240), unanswered: 1 });
    expect(body.matrix).toEqual([
      { from_team: 'sales', to_team: 'service', handovers: 1, time_lost: stats(1, 360), wait_for_agent: stats(1, 240), unanswered: 0 },
      { from_team: 'service', to_team: 'sales', handovers: 1, time_lost: stats(1, 600), wait_for_agent: NONE, unanswered: 1 },
    ]);
    expect(body.per_conversation).toEqual({ conversations: 5, handovers: 2, mean: 0.4, distribution: { '0': 3, '1': 2, '2': 0, '3+': 0 } });
    const repair = await report('handovers', `${WINDOW}&department=service`);
    expect(repair.matrix.map((m: { from_team: string }) => m.from_team)).toEqual(['service']);
  });

  type Cell = { day: number; hour: number } & Record<string, unknown>;
  const cell = (cells: Cell[], day: number, hour: number): Cell => cells.find((c) => c.day === day && c.hour === hour)!;

  it('heatmap: demand by day and hour in UTC, in a half-hour zone and across midnight', async () => {
    const utc = (await report('heatmap', `${WINDOW}&metric=demand`)).cells;
    expect(utc).toHaveLength(168);
    expect([9, 10, 11, 12].map((h) => cell(utc, 1, h))).toEqual([
      { day: 1, hour: 9, conversations_started: 2, messages_in: 7 },
      { day: 1, hour: 10, conversations_started: 1, messages_in: 4 },
      { day: 1, hour: 11, conversations_started: 2, messages_in: 3 },
      { day: 1, hour: 12, conversations_started: 1, messages_in: 2 },
    ]);
    const ist = await report('heatmap', `${WINDOW}&metric=demand&tz=Asia/Kolkata`);
    expect(ist.tz).toBe('Asia/Kolkata');
    expect([14, 15, 16, 17].map((h) => cell(ist.cells, 1, h))).toEqual([
      { day: 1, hour: 14, conversations_started: 2, messages_in: 7 },
      { day: 1, hour: 15, conversations_started: 0, messages_in: 1 },
      { day: 1, hour: 16, conversations_started: 3, messages_in: 6 },
      { day: 1, hour: 17, conversations_started: 1, messages_in: 2 },
    ]);
    const nz = (await report('heatmap', `${WINDOW}&tz=Pacific/Auckland`)).cells;
    expect([cell(nz, 1, 22), cell(nz, 1, 23), cell(nz, 2, 0), cell(nz, 2, 1)].map((c) => c.conversations_started)).toEqual([2, 1, 2, 1]);
    for (const cells of [utc, ist.cells, nz]) expect(cells.reduce((a: number, c: { messages_in: number }) => a + c.messages_in, 0)).toBe(16);
    // A team's demand is that of the conversations it held at some point: C1 (the bot's) is no team's.
    const service = (await report('heatmap', `${WINDOW}&metric=demand&team=service`)).cells;
    expect(cell(service, 1, 9)).toEqual({ day: 1, hour: 9, conversations_started: 1, messages_in: 6 });
  });

  it('heatmap: agents handling and median wait per local hour', async () => {
    const utc = (await report('heatmap', `${WINDOW}&metric=staffing`)).cells;
    expect([9, 10, 11, 12, 13].map((h) => cell(utc, 1, h))).toEqual([
      { day: 1, hour: 9, hours: 1, agent_hours: 2, agents_mean: 2, agents_peak: 2 },
      { day: 1, hour: 10, hours: 1, agent_hours: 1, agents_mean: 1, agents_peak: 1 },
      { day: 1, hour: 11, hours: 1, agent_hours: 2, agents_mean: 2, agents_peak: 2 },
      { day: 1, hour: 12, hours: 1, agent_hours: 1, agents_mean: 1, agents_peak: 1 },
      { day: 1, hour: 13, hours: 1, agent_hours: 0, agents_mean: 0, agents_peak: 0 },
    ]);
    expect(utc.filter((c: { hours: number }) => c.hours > 0)).toHaveLength(24);
    const ist = (await report('heatmap', `${WINDOW}&metric=staffing&tz=Asia/Kolkata`)).cells;
    expect([14, 15, 16, 17].map((h) => cell(ist, 1, h).agent_hours)).toEqual([1, 1, 2, 1]);
    // 14:30 Monday to 14:30 Tuesday local: both half hours count as an hour of the cell.
    expect(ist.filter((c: { hours: number }) => c.hours > 0)).toHaveLength(25);
    const sales = (await report('heatmap', `${WINDOW}&metric=staffing&team=sales`)).cells;
    expect([9, 10, 11].map((h) => cell(sales, 1, h).agent_hours)).toEqual([1, 0, 1]);
    const wait = (await report('heatmap', `${WINDOW}&metric=wait`)).cells;
    expect([9, 10, 11, 12].map((h) => cell(wait, 1, h))).toEqual([
      { day: 1, hour: 9, waits: 2, median_wait_seconds: 240 },
      { day: 1, hour: 10, waits: 2, median_wait_seconds: 3780 },
      { day: 1, hour: 11, waits: 2, median_wait_seconds: 990 },
      { day: 1, hour: 12, waits: 2, median_wait_seconds: 360 },
    ]);
    const istWait = (await report('heatmap', `${WINDOW}&metric=wait&tz=Asia/Kolkata`)).cells;
    expect([14, 15, 16, 17].map((h) => cell(istWait, 1, h).median_wait_seconds)).toEqual([240, 3720, 360, 360]);
    expect(cell(istWait, 1, 13)).toEqual({ day: 1, hour: 13, waits: 0, median_wait_seconds: null });
  });

  it('active: conversations by current state and team now', async () => {
    const body = await report('active');
    expect(body.total).toBe(6);
    expect(body.window).toBeNull();
    expect(body.by_state).toEqual({
      INBOUND_QUEUE: { conversations: 0, oldest_entered_at: null },
      BOT_SESSION: { conversations: 0, oldest_entered_at: null },
      PENDING_AGENT: { conversations: 0, oldest_entered_at: null },
      HUMAN_ASSISTANCE: { conversations: 1, oldest_entered_at: at(135) },
      RESOLVED: { conversations: 3, oldest_entered_at: at(4) },
      CLOSED: { conversations: 0, oldest_entered_at: null },
      EXPIRED: { conversations: 2, oldest_entered_at: at(151) },
    });
    expect(body.by_team).toEqual([
      { team: 'sales', state: 'EXPIRED', conversations: 1, oldest_entered_at: at(151) },
      { team: 'service', state: 'EXPIRED', conversations: 1, oldest_entered_at: at(191) },
      { team: 'sales', state: 'HUMAN_ASSISTANCE', conversations: 1, oldest_entered_at: at(135) },
      { team: null, state: 'RESOLVED', conversations: 1, oldest_entered_at: at(4) },
      { team: 'sales', state: 'RESOLVED', conversations: 1, oldest_entered_at: at(215) },
      { team: 'service', state: 'RESOLVED', conversations: 1, oldest_entered_at: at(120) },
    ]);
    const started = await report('active', `start_date=${at(100)}&end_date=${at(200)}&team=sales`);
    expect([started.total, started.by_state.HUMAN_ASSISTANCE.conversations, started.by_state.EXPIRED.conversations]).toEqual([2, 1, 1]);
  });

  it('isolates dealers: a key sees only its dealers, and a dealer filter outside them is empty', async () => {
    const made = await app.post('/api/v2/admin/keys', { name: 'DET002 analyst', role: 'analyst', dealers: ['DET002'] });
    expect(made.status).toBe(201);
    const key = { authorization: `Bearer ${made.body.key}` };
    const agents = await report('agents', WINDOW, key);
    expect([agents.overall.conversations_handled, agents.overall.bot_resolved, agents.by_agent, agents.by_team]).toEqual([0, 0, [], []]);
    const queues = await report('queues', WINDOW, key);
    expect(queues.by_team).toEqual([{ team: 'sales', waits: 1, wait: stats(1, 1800), assigned: 0, abandoned: 1, abandoned_by: { expired: 1, closed: 0, resolved: 0 }, rerouted: 0 }]);
    expect((await report('active', '', key)).by_state.EXPIRED.conversations).toBe(1);
    expect((await report('active', '', key)).total).toBe(1);
    expect((await report('handovers', WINDOW, key)).per_conversation.conversations).toBe(1);
    expect((await report('heatmap', `${WINDOW}&metric=demand`, key)).cells.reduce((a: number, c: { messages_in: number }) => a + c.messages_in, 0)).toBe(1);
    // Asking for another dealer's numbers gives none; the admin's dealer filter gives that dealer's.
    expect((await report('active', 'dealer=DET001', key)).total).toBe(0);
    expect((await report('queues', `${WINDOW}&dealer=det001`, key)).overall.waits).toBe(0);
    expect((await report('queues', `${WINDOW}&dealer=DET002`)).overall.waits).toBe(1);
  });

  it('lists every invalid parameter as problem+json', async () => {
    const bad = await app.get(`/api/v2/analytics/heatmap?${WINDOW}&metric=mood&tz=Mars/Olympus`);
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    expect(bad.body.violations.map((v: { path: string }) => v.path).sort()).toEqual(['metric', 'tz']);
    for (const tz of ['+05:30', 'UTC+5', '../etc/passwd']) expect((await app.get(`/api/v2/analytics/heatmap?${WINDOW}&tz=${encodeURIComponent(tz)}`)).status).toBe(400);
    const points = await app.get(`/api/v2/analytics/queues?start_date=2024-01-01&end_date=2025-01-01&interval=15m`);
    expect(points.body.violations).toEqual([{ path: 'interval', message: 'more than 2000 points over this window: choose a longer interval' }]);
    const half = await app.get('/api/v2/analytics/active?start_date=2025-03-03');
    expect(half.body.violations.map((v: { path: string }) => v.path)).toEqual(['end_date']);
    const agents = await app.get('/api/v2/analytics/agents?start_date=2025-03-04&end_date=2025-03-03&team=');
    expect(agents.body.violations.map((v: { path: string }) => v.path).sort()).toEqual(['end_date', 'team']);
  });

  it('replays the log into the same report answers', async () => {
    const all = async () => {
      const out: unknown[] = [];
      for (const [name, params] of [['agents', WINDOW], ['queues', WINDOW], ['handovers', WINDOW], ['heatmap', `${WINDOW}&metric=staffing&tz=Asia/Kolkata`], ['heatmap', `${WINDOW}&metric=wait`], ['heatmap', WINDOW], ['active', '']] as const) {
        const { as_of: _asOf, ...body } = await report(name, params);
        out.push(body);
      }
      return out;
    };
    // The rows themselves too: the answers alone could come from the report cache (keyed by the checkpoint's write).
    const rows = async () => {
      const out: Record<string, unknown[]> = {};
      for (const table of CONVERSATIONS_TABLES) out[table] = (await query(app.rt.store, `SELECT * FROM ${table}`)).rows.map((r) => JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? String(v) : v))).sort();
      return out;
    };
    const [live, liveRows] = [await all(), await rows()];
    expect(liveRows['conversation_holds']!.length).toBeGreaterThan(0);
    expect(await rebuild(app.rt)).toBeGreaterThan(0);
    expect(await rows()).toEqual(liveRows);
    expect(await all()).toEqual(live);
  });

  it('answers the same for a conversation whose events arrive in any order', async () => {
    const before = (await report('active')).total;
    // C2's story a week later, once in order (DET003) and once scrambled over four batches (DET004).
    const { sends: _sends, ...c2 } = PLAN['C2']!;
    const later: PlannedConversation = { ...c2, start: c2.start + 7 * 1440, steps: c2.steps.map(([m, ...rest]) => [m + 7 * 1440, ...rest]) };
    await log('inOrder', { ...later, dealer: 'DET003' });
    await log('scrambled', { ...later, dealer: 'DET004' }, [[14, 3, 9, 0, 17], [5, 11, 1, 16, 8], [2, 18, 12, 6], [15, 4, 10, 13, 7]]);
    const week = `start_date=${new Date(T0 + 7 * DAY).toISOString()}&end_date=${new Date(T0 + 8 * DAY).toISOString()}`;
    for (const [name, params] of [['agents', week], ['queues', week], ['handovers', week], ['heatmap', `${week}&metric=staffing`], ['heatmap', `${week}&metric=wait`], ['active', '']]) {
      const { filters: _a, as_of: _b, ...a } = await report(name!, `${params}&dealer=DET003`);
      const { filters: _c, as_of: _d, ...b } = await report(name!, `${params}&dealer=DET004`);
      expect(b, name).toEqual(a);
    }
    expect((await report('agents', `${week}&dealer=DET004`)).overall).toMatchObject({ conversations_handled: 1, replies: 3, first_response: stats(1, 300), resolutions: 1, reopened: 1 });
    // Answers asked before new events moved the projection count them now.
    expect((await report('active')).total).toBe(before + 2);
  });
});
