// The command and query API, run unchanged against the embedded store and PostgreSQL over real HTTP.
import { PROJECTIONS } from '../../src/projections/registry.ts';
import { query } from '../helpers/sql.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, riskBody, type TestApp, TEST_ADMIN_SECRET } from '../helpers/test-app.ts';
import { storeTargets } from '../helpers/test-stores.ts';

const T = '/api/v2/tracking';

describe.each(storeTargets())('journey API on $name', (target) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(target);
  });
  afterAll(async () => app?.close());

  const newJourney = async (overrides: Record<string, unknown> = {}) => {
    const res = await app.post(`${T}/generate-guid`, riskBody(overrides));
    expect(res.status).toBe(201);
    return res.body.guid as string;
  };
  const log = (guid: string, event: Record<string, unknown>) => app.post(`${T}/log-event`, { guid, channel: 'EMAIL', ...event });
  const storedEventCount = async () => Number((await query(app.rt.store, 'SELECT count(*) AS n FROM emt_messages')).rows[0].n);

  it('reports health with the store kind', async () => {
    const res = await app.get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      status: 'ok',
      store: target.name,
      // Nothing written yet: nothing to be behind on.
      projections: Object.fromEntries(PROJECTIONS.map((p) => [p.name, { state: 'running', quarantined: 0, lag_seconds: 0 }])),
    });
  });

  describe('generate-guid', () => {
    it('creates a journey whose GUID follows the format and holds no VIN', async () => {
      const body = riskBody({ dealer_code: 'det001', risk_event: { component_code: 'bat', severity: 'high', risk_score: 10, timestamp: '2024-12-07T23:30:00-05:00' } });
      const res = await app.post(`${T}/generate-guid`, body);
      expect(res.status).toBe(201);
      expect(res.body.guid).toMatch(/^FORD-2024-12-08-BAT-HIG-DET001-[0-9A-F]{6}$/);
      expect(res.body.guid).not.toContain(body.vin);
      expect(res.body.tracking_url).toContain(res.body.guid);
      const audit = await app.get(`${T}/journey/${res.body.guid}/audit`);
      const first = JSON.parse(audit.text.split('\n')[0]!);
      expect(first.type).toBe('JourneyCreated');
      expect(first.data).toMatchObject({ vin: body.vin, dealer_code: 'DET001', risk_event: { component_code: 'BAT', severity: 'HIGH', risk_score: 10 } });
    });

    it('answers the same risk event again with 200 and the same GUID, also under concurrency', async () => {
      const body = riskBody();
      const answers = await Promise.all(Array.from({ length: 8 }, () => app.post(`${T}/generate-guid`, body)));
      const guids = new Set(answers.map((a) => a.body.guid));
      expect(guids.size).toBe(1);
      expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
      expect(answers.filter((a) => a.status === 200)).toHaveLength(7);
      const again = await app.post(`${T}/generate-guid`, body);
      expect(again.status).toBe(200);
      expect(again.body.guid).toBe([...guids][0]);
    });

    it('honours Idempotency-Key and refuses it for a different body', async () => {
      const key = `k-${Math.random()}`;
      const a = await app.post(`${T}/generate-guid`, riskBody(), { 'Idempotency-Key': key });
      const b = await app.post(`${T}/generate-guid`, riskBody(), { 'Idempotency-Key': key });
      expect(a.status).toBe(201);
      expect(b.status).toBe(422);
      expect(b.body.code).toBe('idempotency_key_reused');
    });

    it('gives concurrent distinct requests distinct GUIDs', async () => {
      const answers = await Promise.all(Array.from({ length: 20 }, () => app.post(`${T}/generate-guid`, riskBody())));
      expect(answers.every((a) => a.status === 201)).toBe(true);
      expect(new Set(answers.map((a) => a.body.guid)).size).toBe(20);
    });

    it('lists every violation and stores nothing', async () => {
      const before = await storedEventCount();
      const res = await app.post(`${T}/generate-guid`, { vin: 'short', dealer_code: 'DET-001', colour: 'red', risk_event: { component_code: 'BATT', severity: 'SEVERE', risk_score: -1, timestamp: 'yesterday' } });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.body.code).toBe('validation_failed');
      const paths = res.body.violations.map((v: { path: string }) => v.path).sort();
      expect(paths).toEqual(['colour', 'dealer_code', 'risk_event.component_code', 'risk_event.risk_score', 'risk_event.severity', 'risk_event.timestamp', 'vin']);
      expect(await storedEventCount()).toBe(before);
    });
  });

  describe('log-event', () => {
    it('stores an event once per event_id and answers a repeat as a duplicate', async () => {
      const guid = await newJourney();
      const first = await log(guid, { event_type: 'EMAIL_SENT', event_id: 'evt-1' });
      expect(first.status).toBe(201);
      expect(first.body).toEqual({ success: true, event_id: 'evt-1' });
      const repeats = await Promise.all(Array.from({ length: 5 }, () => log(guid, { event_type: 'EMAIL_SENT', event_id: 'evt-1' })));
      for (const r of repeats) expect(r).toMatchObject({ status: 200, body: { success: true, event_id: 'evt-1', duplicate: true } });
      const j = await app.get(`${T}/journey/${guid}`);
      expect(j.body.events.filter((e: { event_id: string }) => e.event_id === 'evt-1')).toHaveLength(1);
    });

    it('stores concurrent distinct events of one journey, all of them, acknowledging every one', async () => {
      const guid = await newJourney();
      // Writers to one journey queue in the process rather than racing each other out of attempts.
      const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => log(guid, { event_type: 'EMAIL_OPENED', event_id: `open-${i}` })));
      expect(answers.map((a) => a.status)).toEqual(answers.map(() => 201));
      const j = await app.get(`${T}/journey/${guid}`);
      expect(j.body.events).toHaveLength(100);
      expect(j.body.summary.total_touches).toBe(100);
    });

    it('generates an event_id when none is given and accepts free-form details for unknown types', async () => {
      const guid = await newJourney();
      const res = await log(guid, { event_type: 'LOYALTY_POINTS_GRANTED', channel: 'SYSTEM', details: { points: 50, anything: { nested: true } } });
      expect(res.status).toBe(201);
      expect(res.body.event_id).toMatch(/[0-9a-f-]{36}/);
    });

    it('validates known types’ details and lists every violation, storing nothing', async () => {
      const guid = await newJourney();
      const before = await storedEventCount();
      const res = await app.post(`${T}/log-event`, { guid, event_type: 'CALL_COMPLETED', channel: 'FAX', details: { outcome: 'maybe', duration_seconds: -3 }, occurred_at: 'noon' });
      expect(res.status).toBe(400);
      const paths = res.body.violations.map((v: { path: string }) => v.path).sort();
      expect(paths).toEqual(['channel', 'details.duration_seconds', 'details.outcome', 'occurred_at']);
      expect(await storedEventCount()).toBe(before);
    });

    it('answers 404 for an unknown GUID, 400 for malformed JSON, 413 over the body limit, 415 for non-JSON', async () => {
      const unknown = await log('FORD-2024-12-07-BAT-CRT-DET001-000000', { event_type: 'EMAIL_SENT' });
      expect(unknown.status).toBe(404);
      expect(unknown.body.code).toBe('unknown_guid');
      const malformed = await app.post(`${T}/log-event`, '{"guid": ');
      expect(malformed.status).toBe(400);
      expect(malformed.body.code).toBe('malformed_json');
      const big = await app.post(`${T}/log-event`, { guid: 'x', event_type: 'A', channel: 'EMAIL', details: { blob: 'x'.repeat(1_100_000) } });
      expect(big.status).toBe(413);
      expect(big.body.code).toBe('payload_too_large');
      const res = await fetch(`${app.url}${T}/log-event`, { method: 'POST', body: 'guid=x', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${TEST_ADMIN_SECRET}` } });
      expect(res.status).toBe(415);
    });
  });

  describe('lifecycle', () => {
    it('moves state on implied and lifecycle events, never backward on a late event, and records every transition', async () => {
      const guid = await newJourney();
      const t0 = Date.now() - 2 * 3_600_000;
      const at = (min: number) => new Date(t0 + min * 60_000).toISOString();
      expect((await log(guid, { event_type: 'QUEUED', channel: 'SYSTEM', occurred_at: at(1) })).status).toBe(201);
      await log(guid, { event_type: 'SMS_SENT', channel: 'SMS', occurred_at: at(2), event_id: 'sms-1' });
      await log(guid, { event_type: 'SMS_RECEIVED', channel: 'SMS', occurred_at: at(30), actor: { type: 'customer' }, event_id: 'reply-1' });
      // Late: happened before ENGAGED was entered; stored, but it must not move the state back.
      const late = await log(guid, { event_type: 'EMAIL_SENT', occurred_at: at(3), event_id: 'late-email' });
      expect(late.status).toBe(201);
      await log(guid, { event_type: 'PORTAL_SCHEDULE_APPOINTMENT', channel: 'PORTAL', occurred_at: at(60), details: { appointment_id: 'apt-9' } });
      const j = await app.get(`${T}/journey/${guid}`);
      expect(j.status).toBe(200);
      expect(j.body.summary.current_state).toBe('SCHEDULED');
      expect(j.body.summary.appointment_id).toBe('apt-9');
      expect(j.body.summary.conversion_channel).toBe('SMS');
      expect(j.body.events.map((e: { event_id: string }) => e.event_id)).toContain('late-email');
      expect(j.body.transitions.map((t: { from: string | null; to: string }) => `${t.from}->${t.to}`)).toEqual([
        'null->CREATED',
        'CREATED->QUEUED',
        'QUEUED->CONTACTED',
        'CONTACTED->ENGAGED',
        'ENGAGED->SCHEDULED',
      ]);
      const engaged = j.body.transitions[3];
      expect(engaged).toMatchObject({ trigger: 'event', cause_event_id: 'reply-1', entered_at: at(30) });
      expect(j.body.transitions[2].duration_seconds).toBe(28 * 60);
      const a = j.body.analytics;
      expect(a.touchpoints).toBe(3);
      expect(a.channels_engaged).toEqual(['EMAIL', 'SMS']);
      expect(a.response_times.count).toBe(1);
      expect(a.response_times.samples[0]).toMatchObject({ outbound_event_id: 'late-email', response_event_id: 'reply-1', seconds: 27 * 60 });
      expect(a.time_in_state.CONTACTED).toBe(28 * 60);
      expect(a.total_duration).toBeGreaterThan(0);
    });

    it('answers a forbidden explicit transition with 409 and stores nothing', async () => {
      const guid = await newJourney();
      expect((await app.post(`${T}/journey/${guid}/transition`, { to_state: 'CLOSED', reason: 'customer sold the car' })).status).toBe(200);
      const before = await storedEventCount();
      const res = await app.post(`${T}/journey/${guid}/transition`, { to_state: 'ENGAGED' });
      expect(res.status).toBe(409);
      expect(res.body.detail).toBe('Cannot go from CLOSED to ENGAGED');
      expect(res.body.code).toBe('invalid_transition');
      expect(await storedEventCount()).toBe(before);
      const j = await app.get(`${T}/journey/${guid}`);
      expect(j.body.transitions.at(-1)).toMatchObject({ from: 'CREATED', to: 'CLOSED', trigger: 'explicit', reason: 'customer sold the car' });
    });

    it('refuses an unknown state and an unknown GUID', async () => {
      const guid = await newJourney();
      expect((await app.post(`${T}/journey/${guid}/transition`, { to_state: 'FLYING' })).body.code).toBe('invalid_state');
      expect((await app.post(`${T}/journey/FORD-2024-12-07-BAT-CRT-DET001-FFFFFF/transition`, { to_state: 'QUEUED' })).status).toBe(404);
    });
  });

  describe('conversations', () => {
    const open = (body: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
      app.post(`${T}/conversations`, { channel: 'CHAT', dealer_code: 'det002', ...body }, headers);

    it('opens a conversation journey and follows it from bot to agent, hand-over and resolution', async () => {
      const started = await open({ customer_id: 'cust-77', started_at: '2024-12-07T09:00:00Z' });
      expect(started.status).toBe(201);
      const guid = started.body.guid as string;
      expect(guid).toMatch(/^FORD-2024-12-07-CNV-CHT-DET002-[0-9A-F]{6}$/);
      const at = (min: number) => new Date(Date.parse('2024-12-07T09:00:00Z') + min * 60_000).toISOString();
      const chat = (event_type: string, min: number, details: Record<string, unknown> = {}) => log(guid, { event_type, channel: 'CHAT', occurred_at: at(min), details });
      await chat('MESSAGE_RECEIVED', 0, { source: 'webchat' });
      await chat('BOT_SESSION_STARTED', 1, { intent: 'recall' });
      await chat('ESCALATION_REQUESTED', 4, { reason: 'customer_request', team: 'service' });
      await chat('AGENT_ASSIGNED', 9, { agent_id: 'agent-3', team: 'service' });
      await chat('HANDOVER', 15, { to_team: 'sales' });
      await chat('AGENT_ASSIGNED', 18, { agent_id: 'agent-8', team: 'sales' });
      await chat('CONVERSATION_RESOLVED', 30, { resolved_by: 'agent' });
      const j = await app.get(`${T}/journey/${guid}`);
      expect(j.body.summary).toMatchObject({ kind: 'conversation', current_state: 'RESOLVED', dealer_code: 'DET002', customer_id: 'cust-77' });
      expect(j.body.transitions.map((t: { from: string | null; to: string }) => `${t.from}->${t.to}`)).toEqual([
        'null->INBOUND_QUEUE',
        'INBOUND_QUEUE->BOT_SESSION',
        'BOT_SESSION->PENDING_AGENT',
        'PENDING_AGENT->HUMAN_ASSISTANCE',
        'HUMAN_ASSISTANCE->PENDING_AGENT',
        'PENDING_AGENT->HUMAN_ASSISTANCE',
        'HUMAN_ASSISTANCE->RESOLVED',
      ]);
      expect(j.body.analytics.time_in_state.PENDING_AGENT).toBe(5 * 60 + 3 * 60);
      // Resolved is not closed: the lifecycle refuses going back to the bot, and a new message reopens it.
      expect((await app.post(`${T}/journey/${guid}/transition`, { to_state: 'BOT_SESSION' })).status).toBe(409);
      await chat('MESSAGE_RECEIVED', 60, { source: 'webchat' });
      expect((await app.get(`${T}/journey/${guid}`)).body.summary.current_state).toBe('INBOUND_QUEUE');
      const listed = await app.get(`${T}/journeys?kind=conversation&dealer_code=DET002&limit=500`);
      expect(listed.body.journeys.map((x: { guid: string }) => x.guid)).toContain(guid);
      expect(listed.body.journeys.every((x: { kind: string }) => x.kind === 'conversation')).toBe(true);
    });

    it('answers the same Idempotency-Key with the same conversation, and refuses it for another body', async () => {
      const key = `conv-${Math.random()}`;
      const answers = await Promise.all(Array.from({ length: 4 }, () => open({ channel: 'SMS' }, { 'Idempotency-Key': key })));
      expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 201]);
      expect(new Set(answers.map((a) => a.body.guid)).size).toBe(1);
      expect(answers[0]!.body.guid).toMatch(/-CNV-SMS-DET002-/);
      const other = await open({ channel: 'EMAIL' }, { 'Idempotency-Key': key });
      expect(other.status).toBe(422);
      expect(other.body.code).toBe('idempotency_key_reused');
      // Without a key every request is a new conversation.
      const [a, b] = await Promise.all([open(), open()]);
      expect(a.status).toBe(201);
      expect(b.status).toBe(201);
      expect(a.body.guid).not.toBe(b.body.guid);
    });

    it('lists every violation and stores nothing', async () => {
      const before = await storedEventCount();
      const res = await open({ channel: 'FAX', dealer_code: 'DET-002', started_at: 'soon', topic: 'x' });
      expect(res.status).toBe(400);
      expect(res.body.violations.map((v: { path: string }) => v.path).sort()).toEqual(['channel', 'dealer_code', 'started_at', 'topic']);
      expect(await storedEventCount()).toBe(before);
    });
  });

  describe('batch', () => {
    it('answers one result per event, in order, so one bad event does not reject the rest', async () => {
      const g1 = await newJourney();
      const g2 = await newJourney();
      const res = await app.post(`${T}/events`, {
        events: [
          { guid: g1, event_type: 'EMAIL_SENT', channel: 'EMAIL', event_id: 'b1' },
          { guid: g1, event_type: 'EMAIL_SENT', channel: 'PIGEON' },
          { guid: g2, event_type: 'SMS_SENT', channel: 'SMS', event_id: 'b2' },
          { guid: g1, event_type: 'EMAIL_SENT', channel: 'EMAIL', event_id: 'b1' },
          { guid: 'FORD-2024-12-07-BAT-CRT-DET001-ABCDEF', event_type: 'SMS_SENT', channel: 'SMS' },
        ],
      });
      expect(res.status).toBe(200);
      expect(res.body.results.map((r: { status: number }) => r.status)).toEqual([201, 400, 201, 200, 404]);
      expect(res.body.results[1].violations[0].path).toBe('events.1.channel');
      expect(res.body.results[3]).toMatchObject({ duplicate: true, event_id: 'b1' });
      expect((await app.get(`${T}/journey/${g1}`)).body.summary.current_state).toBe('CONTACTED');
    });

    it('refuses more than 1,000 events', async () => {
      const res = await app.post(`${T}/events`, { events: Array.from({ length: 1001 }, () => ({})) });
      expect(res.status).toBe(400);
    });
  });

  describe('queries', () => {
    it('lists journeys with filters and cursor pagination that visits each once', async () => {
      const dealer = `D${Math.floor(Math.random() * 1e9)}`;
      const made = new Set<string>();
      for (let i = 0; i < 7; i++) made.add(await newJourney({ dealer_code: dealer }));
      // Lists are eventually consistent; reading each journey waits for the projection (read-your-writes).
      for (const g of made) expect((await app.get(`${T}/journey/${g}`)).status).toBe(200);
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { body: { journeys: { guid: string }[]; next_cursor: string | null } } = await app.get(
          `${T}/journeys?dealer_code=${dealer}&limit=3${cursor ? `&cursor=${cursor}` : ''}`,
        );
        seen.push(...page.body.journeys.map((j) => j.guid));
        cursor = page.body.next_cursor;
      } while (cursor);
      expect(seen.sort()).toEqual([...made].sort());
      const none = await app.get(`${T}/journeys?dealer_code=${dealer}&state=CLOSED`);
      expect(none.body).toEqual({ journeys: [], next_cursor: null });
      expect((await app.get(`${T}/journeys?limit=0`)).status).toBe(400);
      expect((await app.get(`${T}/journeys?cursor=garbage`)).status).toBe(400);
    });

    it('answers 404 for an unknown journey and exports a journey’s audit trail in log order', async () => {
      expect((await app.get(`${T}/journey/FORD-2024-12-07-BAT-CRT-DET001-000001`)).status).toBe(404);
      expect((await app.get(`${T}/journey/not-a-guid`)).status).toBe(404);
      const guid = await newJourney();
      await log(guid, { event_type: 'EMAIL_SENT', event_id: 'a1' });
      await log(guid, { event_type: 'EMAIL_CLICKED', event_id: 'a2' });
      const audit = await app.get(`${T}/journey/${guid}/audit`);
      expect(audit.headers.get('content-type')).toContain('application/x-ndjson');
      const lines = audit.text.trim().split('\n').map((l) => JSON.parse(l));
      expect(lines.map((l) => l.type)).toEqual(['JourneyCreated', 'TrackingEventLogged', 'JourneyTransitioned', 'TrackingEventLogged', 'JourneyTransitioned']);
      const positions = lines.map((l) => l.global_position);
      expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    });
  });
});
