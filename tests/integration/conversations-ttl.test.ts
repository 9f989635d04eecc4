// The TTL worker on both stores, over real HTTP and a real stream: idle conversations expire once per idle period
// (two workers at once, a restart, a projection that is behind), a customer message reopens them, unanswered
// outreach is abandoned and revived, and limits turned off do nothing. The worker's clock is injected.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import type { IdleLimits } from '../../src/domain/conversations/index.ts';
import { journeyStreamName } from '../../src/domain/journeys/index.ts';
import { claimIdleExpiryLease, prepareIdleExpiryLease, releaseIdleExpiryLease } from '../../src/projections/conversations/index.ts';
import { openRuntime, type Runtime } from '../../src/runtime.ts';
import { createIdleExpiryWorker } from '../../src/workers/idle-expiry-worker.ts';
import { query } from '../helpers/sql.ts';
import { riskBody, startTestApp, type TestApp } from '../helpers/test-app.ts';
import { storeTargets, type StoreTarget } from '../helpers/test-stores.ts';

const T = '/api/v2/tracking';
const MIN = 60_000;
const DAY = 24 * 60 * MIN;
const DEFAULTS: IdleLimits = loadConfig({}).idleLimits;

describe.each(storeTargets())('idle limits (TTL workers) on $name', (target) => {
  let created: Awaited<ReturnType<StoreTarget['create']>>;
  const sameStore: StoreTarget = { name: target.name, create: async () => ({ config: created.config, cleanup: async () => {} }) };
  let app: TestApp;
  // PostgreSQL: a second runtime on the same database, as another process has (its own connections, stream cache).
  let other: Runtime | null = null;

  beforeAll(async () => {
    created = await target.create();
    app = await startTestApp(sameStore);
    if (target.name === 'postgres') other = await openRuntime(created.config, 'vitest (second process)');
  });
  afterAll(async () => {
    await other?.close();
    await app?.close();
    await created?.cleanup();
  });

  const worker = (now: Date, limits: IdleLimits = DEFAULTS, rt: Runtime = app.rt, exclusive = target.name === 'pglite') =>
    createIdleExpiryWorker({ store: rt.store, readModels: rt.store.readModels }, { limits, now: () => now, exclusive, batchSize: 2 });
  const open = async (startedAt: number) => {
    const res = await app.post(`${T}/conversations`, { channel: 'CHAT', dealer_code: 'DET001', platform: 'webchat', started_at: new Date(startedAt).toISOString() });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.guid as string;
  };
  const log = async (guid: string, event_type: string, at: number, details: Record<string, unknown> = {}, channel = 'CHAT', actor: Record<string, string> = { type: 'customer' }) => {
    const res = await app.post(`${T}/log-event`, { guid, event_type, channel, occurred_at: new Date(at).toISOString(), details, actor });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  };
  const inBotSession = async (t0: number) => {
    const guid = await open(t0);
    await log(guid, 'MESSAGE_RECEIVED', t0 + MIN, { source: 'webchat' });
    await log(guid, 'BOT_SESSION_STARTED', t0 + 2 * MIN, { intent: 'recall' }, 'CHAT', { type: 'bot' });
    await log(guid, 'MESSAGE_SENT', t0 + 3 * MIN, { source: 'webchat', sender: 'bot' }, 'CHAT', { type: 'bot' });
    return guid;
  };
  /** The read models have every event of these journeys (waited for, not caught up here: the running workers do it). */
  const projected = async (...guids: string[]) => {
    for (const g of guids) expect(await app.rt.projections.waitForStream(journeyStreamName(g), 30_000)).toBe(true);
  };
  const journey = async (guid: string) => {
    await projected(guid);
    const res = await app.get(`${T}/journey/${guid}?events_limit=1000`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body;
  };
  const ofType = async (guid: string, type: string) => (await journey(guid)).events.filter((e: { event_type: string }) => e.event_type === type);
  /** The stream itself, read without any projection. */
  const streamTypes = async (guid: string) =>
    (await app.rt.store.eventStore.readStream(journeyStreamName(guid))).events.flatMap((e) => (e.type === 'TrackingEventLogged' ? [(e.data as { event_type: string }).event_type] : []));

  it('expires a BOT_SESSION conversation idle past its limit once, across two workers at once and after a restart', async () => {
    const t0 = Date.now() - 2 * DAY;
    const idle = await inBotSession(t0);
    const active = await inBotSession(t0);
    await log(active, 'MESSAGE_RECEIVED', t0 + 50 * MIN, { source: 'webchat' });
    await projected(idle, active);

    const now = new Date(t0 + 60 * MIN);
    // The lease set aside (both take it), so the two settle it on the stream alone; on PostgreSQL from two runtimes.
    const [a, b] = await Promise.all([worker(now, DEFAULTS, app.rt, true).tick(), worker(now, DEFAULTS, other ?? app.rt, true).tick()]);
    expect(a.expired + b.expired).toBe(1);

    const j = await journey(idle);
    expect(j.summary.current_state).toBe('EXPIRED');
    const expiries = j.events.filter((e: { event_type: string }) => e.event_type === 'SESSION_EXPIRED');
    expect(expiries).toHaveLength(1);
    expect(expiries[0]).toMatchObject({
      event_id: `ttl:${idle}:BOT_SESSION:${t0 + 3 * MIN}`,
      channel: 'SYSTEM',
      occurred_at: new Date(t0 + 33 * MIN).toISOString(),
      actor: { type: 'system', id: 'ttl-worker' },
      dealer_code: 'DET001',
      details: { idle_seconds: 1800, state: 'BOT_SESSION', ttl_seconds: 1800 },
    });
    expect(j.transitions.at(-1)).toMatchObject({ from: 'BOT_SESSION', to: 'EXPIRED', entered_at: new Date(t0 + 33 * MIN).toISOString(), cause_event_id: expiries[0].event_id });
    expect((await journey(active)).summary.current_state).toBe('BOT_SESSION');

    // A restart: a new worker (new process, same clock or later) stores nothing new for the same idle period.
    expect(await worker(now).tick()).toEqual({ expired: 0, abandoned: 0, locked: false });
    expect(await worker(new Date(t0 + 75 * MIN)).tick()).toEqual({ expired: 0, abandoned: 0, locked: false });
    expect(await ofType(idle, 'SESSION_EXPIRED')).toHaveLength(1);
    // The active one's own limit passes later, and it expires then.
    expect((await worker(new Date(t0 + 80 * MIN)).tick()).expired).toBe(1);
    expect((await ofType(active, 'SESSION_EXPIRED'))[0].occurred_at).toBe(new Date(t0 + 80 * MIN).toISOString());
  });

  it('never expires a conversation with activity the read model has not projected yet', async () => {
    const t0 = Date.now() - DAY;
    const guid = await open(t0);
    await log(guid, 'ESCALATION_REQUESTED', t0 + MIN, { reason: 'customer_request', team: 'service' });
    await projected(guid);
    // A customer message lands in the stream while the projections are stopped: the read model has not seen it.
    await app.rt.projections.stop();
    try {
      await log(guid, 'MESSAGE_RECEIVED', t0 + 100 * MIN, { source: 'webchat' });
      const row = (await query(app.rt.store, 'SELECT current_state, last_event_at FROM journey_summary WHERE guid = $1', [guid])).rows[0];
      expect(row.current_state).toBe('PENDING_AGENT');
      expect(new Date(row.last_event_at).getTime()).toBe(t0 + MIN);

      // By the summary it is idle since t0+1m (PENDING_AGENT: 2 h); by the stream only since t0+100m.
      expect((await worker(new Date(t0 + 130 * MIN)).tick()).expired).toBe(0);
      expect(await streamTypes(guid)).not.toContain('SESSION_EXPIRED');
    } finally {
      app.rt.projections.start();
    }
    expect((await journey(guid)).summary.current_state).toBe('PENDING_AGENT');
    expect((await worker(new Date(t0 + 220 * MIN)).tick()).expired).toBe(1);
    expect((await ofType(guid, 'SESSION_EXPIRED'))[0]).toMatchObject({ occurred_at: new Date(t0 + 220 * MIN).toISOString(), details: { state: 'PENDING_AGENT', ttl_seconds: 7200 } });
  });

  it('reopens an expired conversation on a customer message, and expires its next idle period with a new event', async () => {
    const t0 = Date.now() - 3 * DAY;
    const guid = await inBotSession(t0);
    await projected(guid);
    expect((await worker(new Date(t0 + 40 * MIN)).tick()).expired).toBeGreaterThanOrEqual(1);
    await log(guid, 'MESSAGE_RECEIVED', t0 + 300 * MIN, { source: 'webchat' });
    const reopened = await journey(guid);
    expect(reopened.summary.current_state).toBe('INBOUND_QUEUE');
    const listed = async (state: string) => (await app.get(`${T}/journeys?kind=conversation&state=${state}&limit=500`)).body.journeys.map((x: { guid: string }) => x.guid);
    expect(await listed('INBOUND_QUEUE')).toContain(guid);
    expect(await listed('EXPIRED')).not.toContain(guid);

    // INBOUND_QUEUE's limit (2 h) from the message.
    expect((await worker(new Date(t0 + 419 * MIN)).tick()).expired).toBe(0);
    expect((await worker(new Date(t0 + 420 * MIN)).tick()).expired).toBeGreaterThanOrEqual(1);
    const j = await journey(guid);
    expect(j.summary.current_state).toBe('EXPIRED');
    expect(j.events.filter((e: { event_type: string }) => e.event_type === 'SESSION_EXPIRED').map((e: { event_id: string; occurred_at: string }) => [e.event_id, e.occurred_at])).toEqual([
      [`ttl:${guid}:BOT_SESSION:${t0 + 3 * MIN}`, new Date(t0 + 33 * MIN).toISOString()],
      [`ttl:${guid}:INBOUND_QUEUE:${t0 + 300 * MIN}`, new Date(t0 + 420 * MIN).toISOString()],
    ]);
    expect(j.transitions.map((t: { to: string }) => t.to).slice(-3)).toEqual(['EXPIRED', 'INBOUND_QUEUE', 'EXPIRED']);
    expect(await listed('EXPIRED')).toContain(guid);
  });

  it('abandons outreach with no contact for N days once, and a customer reply revives it', async () => {
    const t0 = Date.now() - 40 * DAY;
    const made = await app.post(`${T}/generate-guid`, riskBody());
    const guid = made.body.guid as string;
    await log(guid, 'SMS_SENT', t0, { message_id: 'm1' }, 'SMS', { type: 'system' });
    await log(guid, 'SMS_DELIVERED', t0 + MIN, { message_id: 'm1' }, 'SMS', { type: 'system' });
    await log(guid, 'EMAIL_SENT', t0 + DAY, { message_id: 'e1' }, 'EMAIL', { type: 'system' });
    expect((await journey(guid)).summary.current_state).toBe('CONTACTED');

    expect((await worker(new Date(t0 + 15 * DAY - MIN)).tick()).abandoned).toBe(0);
    const now = new Date(t0 + 16 * DAY);
    const ticks = await Promise.all([worker(now).tick(), worker(now).tick()]);
    expect(ticks[0].abandoned + ticks[1].abandoned).toBe(1);
    expect((await worker(now).tick()).abandoned).toBe(0);
    const j = await journey(guid);
    expect(j.summary.current_state).toBe('ABANDONED');
    const abandoned = j.events.filter((e: { event_type: string }) => e.event_type === 'ABANDONED');
    expect(abandoned).toHaveLength(1);
    expect(abandoned[0]).toMatchObject({ channel: 'SYSTEM', occurred_at: new Date(t0 + 15 * DAY).toISOString(), details: { idle_seconds: 14 * 86_400, attempts: 2, reason: 'no_response' } });

    await log(guid, 'SMS_RECEIVED', t0 + 17 * DAY, { message_id: 'r1', text: 'Yes, book me in' }, 'SMS');
    expect((await journey(guid)).summary.current_state).toBe('ENGAGED');
    expect((await worker(new Date(t0 + 39 * DAY)).tick()).abandoned).toBe(0);
  });

  it('does nothing with the limits off, or while another process holds the lease', async () => {
    const t0 = Date.now() - 4 * DAY;
    const guid = await inBotSession(t0);
    await projected(guid);
    const later = new Date(t0 + 365 * DAY);
    const off = loadConfig({ THREADLINE_CONVERSATION_TTL: 'off', THREADLINE_OUTREACH_ABANDON_DAYS: '0' }).idleLimits;
    expect(await worker(later, off).tick()).toEqual({ expired: 0, abandoned: 0, locked: false });
    const botOff = loadConfig({ THREADLINE_CONVERSATION_TTL: 'BOT_SESSION=off', THREADLINE_OUTREACH_ABANDON_DAYS: '0' }).idleLimits;
    await worker(later, botOff).tick();
    expect(await streamTypes(guid)).not.toContain('SESSION_EXPIRED');

    // Another process's look holds the lease: this one waits its turn (unless its store admits one process only).
    await prepareIdleExpiryLease(app.rt.store.readModels);
    expect(await claimIdleExpiryLease(app.rt.store.readModels, 'another-process', 60_000, false)).toBe(true);
    expect(await worker(later, DEFAULTS, app.rt, false).tick()).toEqual({ expired: 0, abandoned: 0, locked: true });
    await releaseIdleExpiryLease(app.rt.store.readModels, 'another-process');
    // It was idle all along: with the default limits it expires.
    expect((await worker(later).tick()).expired).toBeGreaterThanOrEqual(1);
    expect(await streamTypes(guid)).toContain('SESSION_EXPIRED');
  });
});
